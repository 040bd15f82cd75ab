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
 * run here; prints medians in milliseconds and our ratio to each. {@code stevedore} builds through the API
 * in a warm JVM; {@code cli} runs the command line ({@code examples/target/stevedore build}, from
 * {@code mvn -q -B -o package -pl examples -am -DskipTests}; another path in {@code -Dstevedore.cli}), a JVM
 * started for each build. Every tool's cold builds are {@code --no-cache} builds, as BuildKit's. Each run of
 * a scenario goes through the tools in turn.
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
    /** The command line's launcher, which the examples module's package phase writes. */
    private static final Path CLI = Path.of(System.getProperty("stevedore.cli", "examples/target/stevedore"))
            .toAbsolutePath();
    private static final String[] SCENARIOS = {"cold", "no change", "touch one file", "change one file"};

    private final Path work;
    private final int runs;
    private final Path context;
    private final Map<String, Map<String, List<Long>>> results = new LinkedHashMap<>();
    private int edit;
    /** The store the command line builds in, which has busybox. */
    private static Path cliStore;
    private final List<Path> garbage = new ArrayList<>();

    private BuildBenchmark(Path work, int runs) {
        this.work = work;
        this.runs = runs;
        this.context = work.resolve("context");
    }

    public static void main(String[] args) throws Exception {
        Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("build-bench");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> tools = List.of((args.length > 2 ? args[2] : "stevedore,cli,buildah,buildkit").split(","));
        BuildBenchmark b = new BuildBenchmark(work, runs);
        b.makeContext();
        Path base = b.baseStore();
        List<Tool> measured = new ArrayList<>();
        if (tools.contains("stevedore")) {
            measured.add(b.new Api());
        }
        for (String tool : List.of("cli", "buildah", "buildkit")) {
            if (tools.contains(tool)) {
                String why = b.prepare(tool, base);
                if (why != null) {
                    System.out.println(tool + ": not measured: " + why);
                } else {
                    measured.add(b.new External(tool));
                }
            }
        }
        b.measure(measured);
        b.report();
        // Last: on a file system mounted with discard, deleting hundreds of MB slows the next fsyncs of
        // whatever runs then, so nothing measured runs after it.
        b.garbage.forEach(ImageBuilder::deleteTree);
    }

    /** One builder under measurement. */
    private interface Tool {
        String name();

        /** A build that reuses nothing from earlier ones; @return its milliseconds */
        long cold() throws Exception;

        /** A build with the tool's cache. */
        void build() throws Exception;
    }

    /**
     * Each run of a scenario builds with every tool in turn, so that the load of a shared machine, which
     * drifts over minutes, weighs on all of them alike. The order turns by one each run: what a tool
     * leaves behind (a daemon's cleanup, pages still being written back, a pruned cache being discarded)
     * slows whichever tool comes next, and that must not always be the same one.
     */
    private void measure(List<Tool> tools) throws Exception {
        for (String scenario : SCENARIOS) {
            for (int i = 0; i < runs; i++) {
                for (int k = 0; k < tools.size(); k++) {
                    Tool tool = tools.get((i + k) % tools.size());
                    switch (scenario) {
                        case "cold" -> record(tool.name(), scenario, tool.cold());
                        case "no change" -> record(tool.name(), scenario, time(tool::build));
                        case "touch one file" -> {
                            touch();
                            record(tool.name(), scenario, time(tool::build));
                        }
                        default -> {
                            change();
                            record(tool.name(), scenario, time(tool::build));
                        }
                    }
                }
            }
        }
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

    /** A store with busybox, which the command line builds in and the reference tools take their base from. */
    private Path baseStore() {
        Path store = work.resolve("base-store");
        ImageBuilder.deleteTree(store);
        garbage.add(store);
        ContentStore s = ContentStore.open(store);
        new ImageBuilder(s, new LayerCache(s), null).build(BusyboxContext.create(work.resolve("busybox-base")),
                BuildOptions.defaults().withTags(List.of("busybox:latest")));
        return store;
    }

    /** The API in one JVM, warmed up: the targets are for a long-running process that builds more than once. */
    private final class Api implements Tool {
        private ImageBuilder builder;
        private ContainerRunStepExecutor runner;

        /**
         * Until C2 has compiled the hashing and copying, the first builds run several times slower (SHA-256
         * without its intrinsic); on two busy cores its compiler thread takes three or four builds.
         */
        private static final int WARM_UP_BUILDS = 4;

        Api() throws Exception {
            for (int i = 0; i < WARM_UP_BUILDS; i++) {
                cold();
            }
        }

        @Override
        public String name() {
            return "stevedore";
        }

        /**
         * A build that reuses no step, as the other tools' cold builds with {@code --no-cache}: in one store,
         * whose busybox is built once, untimed, as the others keep their base image. (A new store for each
         * cold build also made the file system allocate inodes in a fresh directory tree each time, which on
         * this machine's disk stalled file creation in some builds and not others.)
         */
        @Override
        public long cold() throws Exception {
            if (builder == null) {
                Path store = work.resolve("stevedore-store");
                ImageBuilder.deleteTree(store);
                garbage.add(store);
                garbage.add(work.resolve("run"));
                ContentStore s = ContentStore.open(store);
                runner = new ContainerRunStepExecutor(new LinuxBackend(), new OverlaySnapshotter(), work.resolve("run"));
                builder = new ImageBuilder(s, new LayerCache(s), runner);
                builder.build(BusyboxContext.create(work.resolve("busybox-base-api")), BuildOptions.defaults()
                        .withTags(List.of("busybox:latest")));
            }
            return time(() -> builder.build(context, BuildOptions.defaults().withTags(List.of("bench:latest"))
                    .withNoCache(true)));
        }

        @Override
        public void build() {
            builder.build(context, BuildOptions.defaults().withTags(List.of("bench:latest")));
        }
    }

    /** A tool run as a command for each build; its cold builds pass {@code --no-cache}. */
    private final class External implements Tool {
        private final String tool;
        private final List<String> build;
        private final List<String> cold;

        External(String tool) {
            this.tool = tool;
            this.build = switch (tool) {
                case "buildah" -> List.of("buildah", "bud", "--isolation", "chroot", "--layers", "-t", "bench-" + tool,
                        context.toString());
                case "cli" -> List.of(CLI.toString(), "build", "-t", "bench-" + tool, context.toString());
                default -> List.of(DOCKER, "build", "-q", "-t", "bench-" + tool, context.toString());
            };
            this.cold = new ArrayList<>(build);
            cold.add(tool.equals("buildah") ? 4 : 2, "--no-cache");
        }

        @Override
        public String name() {
            return tool;
        }

        @Override
        public long cold() throws Exception {
            return time(() -> exec(cold));
        }

        @Override
        public void build() throws Exception {
            exec(build);
        }
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

    /** @return why the tool cannot be measured here, or null when it is ready */
    private String prepare(String tool, Path base) throws Exception {
        return switch (tool) {
            case "buildah" -> prepareBuildah(base);
            case "cli" -> prepareCli(base);
            default -> prepareBuildKit(base);
        };
    }

    private String prepareCli(Path store) throws Exception {
        if (!Files.isExecutable(CLI)) {
            return CLI + " is missing: mvn -q -B -o package -pl examples -am -DskipTests";
        }
        cliStore = store;
        Exec probe = run(List.of(CLI.toString(), "build", "-t", "bench-probe", context.toString()));
        return probe.status == 0 ? null : "stevedore build fails here: " + probe.output;
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
        if (cliStore != null) {
            pb.environment().put("STEVEDORE_ROOT", cliStore.toString());
        }
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
        // Ours (API and command line) against each reference tool.
        List<String> ours = results.keySet().stream().filter(t -> t.equals("stevedore") || t.equals("cli")).toList();
        List<String> others = results.keySet().stream().filter(t -> !ours.contains(t)).toList();
        for (String our : ours) {
            others.forEach(t -> System.out.printf("%18s", our + "/" + t));
        }
        System.out.println();
        for (String scenario : SCENARIOS) {
            System.out.printf("%-16s", scenario);
            for (String tool : results.keySet()) {
                System.out.printf("%12s", median(results.get(tool).get(scenario)));
            }
            for (String our : ours) {
                for (String other : others) {
                    Long o = median(results.get(other).get(scenario));
                    Long s = median(results.get(our).get(scenario));
                    System.out.printf("%18s", o == null || s == null ? "-" : String.format("%.2fx", (double) s / o));
                }
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
