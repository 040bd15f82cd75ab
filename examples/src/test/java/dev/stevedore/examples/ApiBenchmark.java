package dev.stevedore.examples;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.image.Image;
import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.RuntimeSpecs;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import dev.stevedore.spi.Stdio;
import dev.stevedore.testing.BusyboxImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * The public API's costs against the backend's own, in one run (as root):
 * <ul>
 *   <li>per container in a test-like loop: {@code start()} of a fresh container then {@code close()}, 100 times;
 *   <li>first use in a fresh JVM: a child JVM's time from {@code main} to the end of its first {@code run()}
 *       (engine start, helper extraction, image present), JVM start-up excluded and shown apart;
 *   <li>{@code exec} latency in a running container;
 *   <li>{@code run()} of busybox {@code true} against the backend's create, start, wait and delete of the same
 *       configuration on the same snapshotter and layer.
 * </ul>
 * Targets (issue 6): per container at most 5 ms, first use at most 100 ms, exec at most 4 ms, run() within 10%
 * of the backend. Run: {@code java -cp examples/target/test-classes:$(cat examples/target/classpath.txt)
 * dev.stevedore.examples.ApiBenchmark [rounds]}
 */
public final class ApiBenchmark {

    private static int ids;

    private ApiBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("first-use")) {
            firstUse();
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path root = Files.createTempDirectory("stevedore-api-bench");
        try (Engine engine = Engine.builder().root(root).build()) {
            Image busybox = BusyboxImage.ensure(engine);
            ContainerSpec sleeper = engine.container(BusyboxImage.NAME).withCommand("sleep", "600");
            ContainerSpec trueSpec = engine.container(BusyboxImage.NAME).withCommand("true");
            warmUp(sleeper, trueSpec);

            long cpu0 = cpuNanos();
            long[] perContainer = sample(rounds, () -> {
                long t0 = System.nanoTime();
                Container c = sleeper.start();
                c.close();
                return System.nanoTime() - t0;
            });
            long perContainerCpu = (cpuNanos() - cpu0) / rounds;
            long sustained = sustained(root, rounds);
            long[] exec;
            long execCpu;
            try (Container c = sleeper.start()) {
                long cpu1 = cpuNanos();
                exec = sample(rounds * 2, () -> {
                    ExecResult r = c.exec("true");
                    check(r.exitCode());
                    return r.duration().toNanos();
                });
                execCpu = (cpuNanos() - cpu1) / (rounds * 2);
            }
            Backend backend = new Backend(root, busybox);
            long[] ownPerContainer = sample(rounds, () -> backend.cycle(ids++, backend.sleeper, true));
            long[] api = new long[rounds];
            long[] own = new long[rounds];
            // Interleaved, so both see the same machine state (the other helpers' builds share the cores).
            for (int i = 0; i < rounds; i++) {
                long t0 = System.nanoTime();
                check(trueSpec.run().exitCode());
                api[i] = System.nanoTime() - t0;
                own[i] = backend.cycle(ids++);
            }
            backend.close();
            long[] first = firstUseInChild(root, List.of());
            // The same with an application class-data archive, as a deployment would ship one.
            Path archive = root.resolve("first-use.jsa");
            firstUseInChild(root, List.of("-XX:ArchiveClassesAtExit=" + archive), 1);
            long[] firstCds = firstUseInChild(root, List.of("-XX:SharedArchiveFile=" + archive));

            System.out.println("Stevedore public API vs the backend, " + rounds + " rounds, medians (p90)");
            System.out.printf(Locale.ROOT, "load average at the end: %s%n", BenchStats.loadAverage());
            print("start()+close() per container", perContainer, 5.0);
            System.out.printf(Locale.ROOT, "%-40s %8.2f ms%n", "  sustained, removal included", sustained / 1e6);
            System.out.printf(Locale.ROOT, "%-40s %8.2f ms%n", "  CPU time (JVM + helpers + containers)",
                    perContainerCpu / 1e6);
            print("  backend: create+start+delete (sleeper)", ownPerContainer, -1);
            print("exec(\"true\")", exec, 4.0);
            System.out.printf(Locale.ROOT, "%-40s %8.2f ms%n", "  CPU time (JVM + helpers + processes)", execCpu / 1e6);
            print("run() busybox true", api, -1);
            print("backend create+start+wait+delete", own, -1);
            System.out.printf(Locale.ROOT, "%-40s %8.3f   (target <= 1.10)%n", "run() / backend ratio",
                    BenchStats.median(api) / (double) BenchStats.median(own));
            System.out.printf(Locale.ROOT, "%-40s %8.1f ms (target <= 100)  CPU %.0f ms; JVM start-up to main: %.1f"
                    + " ms, whole child JVM: %.1f ms%n", "first use in a fresh JVM", first[0] / 1e6, first[3] / 1e6,
                    first[1] / 1e6, first[2] / 1e6);
            System.out.printf(Locale.ROOT, "%-40s %8.1f ms (target <= 100)  CPU %.0f ms; JVM start-up to main: %.1f"
                    + " ms, whole child JVM: %.1f ms%n", "first use, with AppCDS archive", firstCds[0] / 1e6,
                    firstCds[3] / 1e6, firstCds[1] / 1e6, firstCds[2] / 1e6);
        }
    }

    private static void warmUp(ContainerSpec sleeper, ContainerSpec trueSpec) {
        for (int i = 0; i < 30; i++) {
            try (Container c = sleeper.start()) {
                c.exec("true");
            }
            trueSpec.run();
        }
    }

    /** The backend driven directly: the same spec, snapshotter and layer the API uses, no engine around it. */
    private static final class Backend implements AutoCloseable {
        final ContainerRuntime runtime;
        final Snapshotter snapshotter;
        final List<Path> layers;
        final Path dir;
        final Spec spec;
        final Spec sleeper;

        Backend(Path root, Image busybox) throws Exception {
            ContainerBackend b = ServiceLoader.load(ContainerBackend.class).findFirst().orElseThrow();
            dir = Files.createDirectories(root.resolve("backend-bench"));
            runtime = b.open(dir.resolve("run"));
            snapshotter = ServiceLoader.load(Snapshotter.class).stream().map(ServiceLoader.Provider::get)
                    .filter(s -> s.name().equals("overlayfs")).findFirst().orElseThrow();
            layers = List.of(new LayerCache(dev.stevedore.internal.store.ContentStore.open(root))
                    .path(busybox.config().rootfs().diffIds().get(0)));
            ContainerConfig.Builder c = ContainerConfig.of(BusyboxImage.NAME).edit();
            c.command = List.of("true");
            c.hostname = "bench";
            spec = RuntimeSpecs.assemble(c.build(), busybox.runConfig(), BusyboxImage.NAME, p -> Optional.empty(),
                    dir.resolve("unused"), n -> dir).spec();
            sleeper = spec.withArgs(List.of("sleep", "600"));
        }

        long cycle(int n) throws Exception {
            return cycle(n, spec, false);
        }

        long cycle(int n, Spec which, boolean kill) throws Exception {
            Path snap = Files.createDirectories(dir.resolve("s" + n));
            Path rootfs = Files.createDirectories(snap.resolve("rootfs"));
            Path snapshot = Files.createDirectories(snap.resolve("snapshot"));
            long t0 = System.nanoTime();
            List<RootfsMount> mounts = snapshotter.prepare(snapshot, layers, false);
            ContainerHandle c = runtime.create("b" + n, which.withRoot(which.root().withReadonly(false))
                    .withRoot(dev.stevedore.oci.runtime.Root.of(rootfs.toString())), mounts, Stdio.discard());
            c.start();
            if (!kill) {
                check(c.waitFor());
            }
            c.delete();
            snapshotter.remove(snapshot);
            long took = System.nanoTime() - t0;
            Files.delete(rootfs);
            Files.delete(snap);
            return took;
        }

        @Override
        public void close() {
            runtime.close();
        }
    }

    /**
     * Start-up to close of an engine of its own, N times start() then close(): the removal work
     * that close() leaves to the background is included, so a loop cannot look cheap by piling it up.
     */
    private static long sustained(Path root, int rounds) {
        Engine engine = Engine.builder().root(root).build();
        ContainerSpec sleeper = engine.container(BusyboxImage.NAME).withCommand("sleep", "600");
        sleeper.start().close();
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            sleeper.start().close();
        }
        engine.close();
        return (System.nanoTime() - t0) / rounds;
    }

    /**
     * CPU time of this JVM and of the processes it reaped (helpers, and through them the containers'
     * processes), from {@code /proc/self/stat}; kernel work done in worker threads is not in it.
     */
    private static long cpuNanos() {
        try {
            String stat = Files.readString(Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // Fields 14 to 17 of proc(5) (utime, stime, cutime, cstime), counted from field 3 here.
            long ticks = 0;
            for (int i = 11; i <= 14; i++) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks * (1_000_000_000L / 100);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** In the child: from main to the end of the first run(), on the parent's store (image present). */
    private static void firstUse() {
        long entered = System.nanoTime();
        long cpuAtMain = cpuNanos();
        check(Containers.image(BusyboxImage.NAME).withCommand("true").run().exitCode());
        long took = System.nanoTime() - entered;
        long cpu = cpuNanos() - cpuAtMain;
        // Read after the measurement: the management classes are the benchmark's cost, not the library's.
        long uptime = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L;
        System.out.println(took + " " + (uptime - took) + " " + cpu);
    }

    private static long[] firstUseInChild(Path root, List<String> jvmOptions) throws Exception {
        return firstUseInChild(root, jvmOptions, 5);
    }

    private static long[] firstUseInChild(Path root, List<String> jvmOptions, int runs) throws Exception {
        List<Long> firsts = new ArrayList<>();
        List<Long> cpus = new ArrayList<>();
        long startup = 0;
        long whole = 0;
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Dstevedore.root=" + root, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
            command.addAll(jvmOptions);
            command.addAll(List.of("-cp", childClassPath(root), ApiBenchmark.class.getName(), "first-use"));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("first-use child failed: " + out);
            }
            whole = System.nanoTime() - t0;
            String line = out.lines().filter(l -> l.matches("\\d+ \\d+ \\d+")).reduce((a, b) -> b)
                    .orElseThrow(() -> new IllegalStateException("first-use child printed no timing: " + out));
            String[] f = line.split(" ");
            firsts.add(Long.parseLong(f[0]));
            startup = Long.parseLong(f[1]);
            cpus.add(Long.parseLong(f[2]));
        }
        long[] sorted = firsts.stream().mapToLong(Long::longValue).sorted().toArray();
        long[] sortedCpu = cpus.stream().mapToLong(Long::longValue).sorted().toArray();
        return new long[] {sorted[sorted.length / 2], startup, whole, sortedCpu[sortedCpu.length / 2]};
    }

    /**
     * The class path's jars plus this class in a jar of its own: class-data archives refuse
     * directories on the class path.
     */
    private static String childClassPath(Path root) throws Exception {
        Path jar = root.resolve("api-benchmark.jar");
        if (!Files.exists(jar)) {
            Path classes = Path.of(ApiBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
                try (var files = Files.list(classes.resolve("dev/stevedore/examples"))) {
                    for (Path f : files.filter(f -> f.getFileName().toString().startsWith("ApiBenchmark")).toList()) {
                        out.putNextEntry(new java.util.jar.JarEntry("dev/stevedore/examples/" + f.getFileName()));
                        out.write(Files.readAllBytes(f));
                        out.closeEntry();
                    }
                }
            }
        }
        StringBuilder cp = new StringBuilder(jar.toString());
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (entry.endsWith(".jar")) {
                cp.append(java.io.File.pathSeparator).append(entry);
            }
        }
        return cp.toString();
    }

    private static long[] sample(int n, ThrowingSupplier s) throws Exception {
        long[] values = new long[n];
        for (int i = 0; i < n; i++) {
            values[i] = s.getAsLong();
        }
        return values;
    }

    private interface ThrowingSupplier {
        long getAsLong() throws Exception;
    }

    private static long p90(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[(int) (s.length * 0.9)];
    }

    private static void print(String what, long[] v, double targetMillis) {
        System.out.printf(Locale.ROOT, "%-40s %8.2f ms (p90 %.2f)%s%n", what, BenchStats.median(v) / 1e6, p90(v) / 1e6,
                targetMillis > 0 ? String.format(Locale.ROOT, "  (target <= %.0f ms)", targetMillis) : "");
    }

    private static void check(int status) {
        if (status != 0) {
            throw new IllegalStateException("exit status " + status);
        }
    }
}
