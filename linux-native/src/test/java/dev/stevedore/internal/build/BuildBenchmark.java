package dev.stevedore.internal.build;

import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.linux.LinuxBackend;
import dev.stevedore.linux.OverlaySnapshotter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Builds a context of 5000 small files in nested directories plus one 100 MB file with
 * {@code FROM busybox; COPY . /app; RUN echo built > /built; ENV; CMD}: cold, unchanged, after touching
 * one file, after changing one small file. Side by side in the same run with buildah ({@code buildah bud})
 * and BuildKit ({@code DOCKER_BUILDKIT=1 docker build} against a dockerd started by hand), when they can
 * run here; prints medians in milliseconds and our ratio to each.
 *
 * <pre>
 * mvn -q -B -o test-compile dependency:build-classpath -pl linux-native -am -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * java -cp "$(cat /tmp/cp.txt):linux-native/target/test-classes:linux-native/target/classes" \
 *     dev.stevedore.internal.build.BuildBenchmark [workDir] [runs] [tools: stevedore,buildah,buildkit]
 * </pre>
 */
public final class BuildBenchmark {

    /** Debian's docker.io client: it builds with BuildKit under DOCKER_BUILDKIT=1 without the buildx plugin. */
    private static final String DOCKER = Files.isExecutable(Path.of("/usr/bin/docker")) ? "/usr/bin/docker" : "docker";
    private static final String[] SCENARIOS = {"cold", "no change", "touch one file", "change one file"};

    private final Path work;
    private final int runs;
    private final Path context;
    private final Map<String, Map<String, List<Long>>> results = new LinkedHashMap<>();
    private int edit;
    private final List<Path> garbage = new ArrayList<>();

    private BuildBenchmark(Path work, int runs) {
        this.work = work;
        this.runs = runs;
        this.context = work.resolve("context");
    }

    public static void main(String[] args) throws Exception {
        Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("build-bench");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> tools = List.of((args.length > 2 ? args[2] : "stevedore,buildah,buildkit").split(","));
        BuildBenchmark b = new BuildBenchmark(work, runs);
        b.makeContext();
        Path ours = null;
        if (tools.contains("stevedore")) {
            ours = b.stevedore();
        }
        if (tools.contains("buildah")) {
            b.external("buildah", ours);
        }
        if (tools.contains("buildkit")) {
            b.external("buildkit", ours);
        }
        b.report();
        // Last: on a file system mounted with discard, deleting hundreds of MB slows the next fsyncs of
        // whatever runs then, so nothing measured runs after it.
        b.garbage.forEach(ImageBuilder::deleteTree);
    }

    // ------------------------------------------------------------------ context

    private void makeContext() throws IOException {
        if (Files.exists(context.resolve("Dockerfile"))) {
            return;
        }
        Random random = new Random(42);
        byte[] small = new byte[300];
        int n = 0;
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                Path dir = Files.createDirectories(context.resolve("src/m" + a + "/p" + b));
                for (int c = 0; c < 50; c++) {
                    random.nextBytes(small);
                    Files.writeString(dir.resolve("F" + c + ".java"), "// file " + n++ + "\n"
                            + java.util.HexFormat.of().formatHex(small) + "\n");
                }
            }
        }
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(context.resolve("big.bin"))) {
            for (int i = 0; i < 100; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Files.writeString(context.resolve("Dockerfile"), "FROM busybox\nCOPY . /app\nRUN echo built > /built\n"
                + "ENV APP_HOME=/app\nCMD [\"sh\"]\n");
        System.out.println("context: " + n + " small files + big.bin (100 MiB) in " + context);
    }

    private Path someSmallFile() {
        return context.resolve("src/m3/p7/F11.java");
    }

    private void touch() throws IOException {
        Files.setLastModifiedTime(someSmallFile(), FileTime.from(Instant.now()));
    }

    private void change() throws IOException {
        // Unique content each time: every tool caches by content, and must not find this one from an earlier run.
        Files.writeString(someSmallFile(), "// changed " + (++edit) + " " + java.util.UUID.randomUUID() + "\n");
    }

    // ------------------------------------------------------------------ stevedore

    private Path stevedore() throws Exception {
        ImageBuilder builder = null;
        ContainerRunStepExecutor runner = null;
        Path store = null;
        // Warm the JVM: the targets are for a long-running process that builds more than once.
        for (int i = 0; i < runs + 2; i++) {
            if (runner != null) {
                runner.close();
            }
            store = work.resolve("stevedore-store-" + i);
            ImageBuilder.deleteTree(store);
            garbage.add(store);
            garbage.add(work.resolve("run-" + i));
            ContentStore s = ContentStore.open(store);
            runner = new ContainerRunStepExecutor(new LinuxBackend(), new OverlaySnapshotter(), work.resolve("run-" + i));
            builder = new ImageBuilder(s, new LayerCache(s), runner);
            builder.build(BusyboxContext.create(work.resolve("busybox-" + i)), BuildOptions.defaults()
                    .withTags(List.of("busybox:latest")));
            ImageBuilder b = builder;
            long t = time(() -> b.build(context, BuildOptions.defaults().withTags(List.of("bench:latest"))));
            if (i >= 2) {
                record("stevedore", "cold", t);
            }
        }
        ImageBuilder b = builder;
        for (int i = 0; i < runs; i++) {
            record("stevedore", "no change", time(() -> b.build(context, BuildOptions.defaults()
                    .withTags(List.of("bench:latest")))));
        }
        for (int i = 0; i < runs; i++) {
            touch();
            record("stevedore", "touch one file", time(() -> b.build(context, BuildOptions.defaults()
                    .withTags(List.of("bench:latest")))));
        }
        for (int i = 0; i < runs; i++) {
            change();
            record("stevedore", "change one file", time(() -> b.build(context, BuildOptions.defaults()
                    .withTags(List.of("bench:latest")))));
        }
        runner.close();
        return store;
    }

    private interface Action {
        void run() throws Exception;
    }

    private static long time(Action a) throws Exception {
        long start = System.nanoTime();
        a.run();
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    private void record(String tool, String scenario, long millis) {
        results.computeIfAbsent(tool, t -> new LinkedHashMap<>()).computeIfAbsent(scenario, s -> new ArrayList<>())
                .add(millis);
    }

    // ------------------------------------------------------------------ buildah and BuildKit

    private void external(String tool, Path ourStore) throws Exception {
        if (ourStore == null) {
            throw new IllegalArgumentException("the reference tools take the busybox image from our store: include stevedore");
        }
        String why = tool.equals("buildah") ? prepareBuildah(ourStore) : prepareBuildKit(ourStore);
        if (why != null) {
            System.out.println(tool + ": not measured: " + why);
            return;
        }
        List<String> build = tool.equals("buildah")
                ? List.of("buildah", "bud", "--isolation", "chroot", "--layers", "-t", "bench-" + tool, context.toString())
                : List.of(DOCKER, "build", "-q", "-t", "bench-" + tool, context.toString());
        List<String> cold = new ArrayList<>(build);
        cold.add(tool.equals("buildah") ? 4 : 2, "--no-cache");
        for (int i = 0; i < runs; i++) {
            record(tool, "cold", time(() -> exec(cold)));
        }
        for (int i = 0; i < runs; i++) {
            record(tool, "no change", time(() -> exec(build)));
        }
        for (int i = 0; i < runs; i++) {
            touch();
            record(tool, "touch one file", time(() -> exec(build)));
        }
        for (int i = 0; i < runs; i++) {
            change();
            record(tool, "change one file", time(() -> exec(build)));
        }
    }

    private String prepareBuildah(Path store) throws Exception {
        if (!onPath("buildah")) {
            return "buildah is not installed (apt-get install buildah)";
        }
        Exec pull = run(List.of("buildah", "pull", "-q", "oci:" + store + ":docker.io/library/busybox:latest"));
        if (pull.status != 0) {
            return "buildah pull failed: " + pull.output;
        }
        Exec tag = run(List.of("buildah", "tag", pull.output.strip(), "docker.io/library/busybox:latest"));
        if (tag.status != 0) {
            return "buildah tag failed: " + tag.output;
        }
        Exec probe = run(List.of("buildah", "bud", "--isolation", "chroot", "-t", "bench-probe", context.toString()));
        return probe.status == 0 ? null : "buildah bud fails here: " + probe.output;
    }

    private String prepareBuildKit(Path store) throws Exception {
        if (!onPath("dockerd")) {
            return "dockerd is not installed (apt-get install docker.io)";
        }
        if (run(List.of(DOCKER, "info")).status != 0) {
            Path log = work.resolve("dockerd.log");
            new ProcessBuilder("dockerd", "--iptables=false", "--data-root", work.resolve("docker").toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            for (int i = 0; i < 60 && run(List.of(DOCKER, "info")).status != 0; i++) {
                Thread.sleep(500);
            }
            if (run(List.of(DOCKER, "info")).status != 0) {
                return "dockerd did not start: " + Files.readString(log).lines().reduce((a, b) -> b).orElse("");
            }
        }
        Path archive = work.resolve("busybox.tar");
        Files.deleteIfExists(archive);
        Exec copy = run(List.of("skopeo", "copy", "oci:" + store + ":docker.io/library/busybox:latest",
                "docker-archive:" + archive + ":busybox:latest"));
        if (copy.status != 0) {
            return "skopeo could not export busybox: " + copy.output;
        }
        Exec load = run(List.of(DOCKER, "load", "-i", archive.toString()));
        if (load.status != 0) {
            return "docker load failed: " + load.output;
        }
        Exec probe = run(List.of(DOCKER, "build", "-q", "-t", "bench-probe", context.toString()));
        return probe.status == 0 ? null : "docker build fails here: " + probe.output;
    }

    private static boolean onPath(String command) throws Exception {
        return run(List.of("sh", "-c", "command -v " + command)).status == 0;
    }

    private record Exec(int status, String output) {}

    private static Exec run(List<String> command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DOCKER_BUILDKIT", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Exec(p.waitFor(), out);
    }

    private static void exec(List<String> command) throws Exception {
        Exec e = run(command);
        if (e.status != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed (" + e.status + "): " + e.output);
        }
    }

    // ------------------------------------------------------------------ report

    private void report() {
        System.out.printf("%n%-16s", "median ms");
        results.keySet().forEach(t -> System.out.printf("%12s", t));
        List<String> others = results.keySet().stream().filter(t -> !t.equals("stevedore")).toList();
        others.forEach(t -> System.out.printf("%18s", "stevedore/" + t));
        System.out.println();
        for (String scenario : SCENARIOS) {
            System.out.printf("%-16s", scenario);
            for (String tool : results.keySet()) {
                System.out.printf("%12s", median(results.get(tool).get(scenario)));
            }
            for (String other : others) {
                Long o = median(results.get(other).get(scenario));
                Long s = median(results.get("stevedore").get(scenario));
                System.out.printf("%18s", o == null || s == null ? "-" : String.format("%.2fx", (double) s / o));
            }
            System.out.println();
        }
        System.out.println("runs per cell: " + runs + "; all samples: " + results);
    }

    private static Long median(List<Long> values) {
        if (values == null || values.isEmpty()) {
            return null;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
