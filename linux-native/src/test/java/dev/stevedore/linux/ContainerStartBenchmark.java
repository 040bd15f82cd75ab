package dev.stevedore.linux;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Start-to-exit latency of busybox {@code true} (overlay rootfs, pid/net/ipc/uts/mnt/cgroup
 * namespaces, a cgroup with a memory limit) against {@code crun run} of the same configuration,
 * in one run, plus 2-at-a-time throughput, the helper's resident memory and the JVM heap cost of
 * idle containers.
 *
 * <p>crun 1.8 refuses this host's hybrid cgroup layout (v1 controllers plus a cgroup2 mount holding
 * hugetlb), so for crun's part the cgroup2 mount is replaced by a v1 hugetlb hierarchy and restored
 * afterwards, in a finally block.
 *
 * <p>Run as root: {@code java -cp ... dev.stevedore.linux.ContainerStartBenchmark [runs]}
 */
public final class ContainerStartBenchmark {
    private static final Path UNIFIED = Path.of("/sys/fs/cgroup/unified");
    private static final Path HUGETLB = Path.of("/sys/fs/cgroup/hugetlb");

    private ContainerStartBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        Path tmp = Files.createTempDirectory("stevedore-bench");
        Path layer = BusyboxRootfs.create(tmp.resolve("layer"));
        Spec spec = TestSpecs.docker(Path.of("/unused"), "true");
        List<String> caps = Planner.DEFAULT_CAPABILITIES;
        // Explicit, so that crun gets Docker's capabilities too.
        spec = spec.withProcess(spec.process().withCapabilities(new Process.Capabilities(caps, caps, null, caps, null,
                null)));
        OverlaySnapshotter overlay = new OverlaySnapshotter();
        try (ContainerRuntime runtime = new LinuxBackend().open(tmp.resolve("state"))) {
            Spec base = spec;
            AtomicInteger ids = new AtomicInteger();
            Cycle ours = () -> {
                int n = ids.incrementAndGet();
                Path snap = Files.createDirectories(tmp.resolve("snap/" + n));
                Path root = Files.createDirectories(snap.resolve("rootfs"));
                List<RootfsMount> mounts = overlay.prepare(snap, List.of(layer), false);
                long t0 = System.nanoTime();
                ContainerHandle c = runtime.create("b" + n, base.withRoot(base.root().withReadonly(false))
                        .withRoot(new dev.stevedore.oci.runtime.Root(root.toString(), null, null)), mounts,
                        Stdio.discard());
                c.start();
                int status = c.waitFor();
                long exited = System.nanoTime() - t0;
                c.delete();
                overlay.remove(snap);
                check(status);
                return new long[] {exited, System.nanoTime() - t0};
            };
            Path bundle = Files.createDirectories(tmp.resolve("bundle"));
            Files.createSymbolicLink(bundle.resolve("rootfs"), layer);
            // crun 1.8 knows runtime-spec versions up to 1.1; nothing in this configuration is newer.
            Files.writeString(bundle.resolve("config.json"), new String(OciJson.write(spec.withRoot(
                    new dev.stevedore.oci.runtime.Root("rootfs", null, null)))).replace("\"1.2.0\"", "\"1.0.2\""));
            Cycle crun = () -> {
                long t0 = System.nanoTime();
                java.lang.Process p = new ProcessBuilder("crun", "run", "-b", bundle.toString(),
                        "bench-" + ids.incrementAndGet()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                int status = p.waitFor();
                long t = System.nanoTime() - t0;
                check(status);
                return new long[] {t, t};
            };

            for (int i = 0; i < 50; i++) {
                ours.run();  // warm the JVM
            }
            long[][] oursSeq = sequential(ours, runs);
            long[][] crunSeq;
            double oursPar = parallel(ours, runs);
            double crunPar;
            String before = unifiedMount();
            try {
                useV1Hugetlb();
                for (int i = 0; i < 20; i++) {
                    crun.run();
                }
                crunSeq = sequential(crun, runs);
                crunPar = parallel(crun, runs);
            } finally {
                restoreUnified(before);
            }
            double oursExit = median(oursSeq, 0);
            double oursFull = median(oursSeq, 1);
            double crunMedian = median(crunSeq, 0);
            System.out.printf("busybox true, %d sequential runs (medians):%n", runs);
            System.out.printf("  stevedore start-to-exit   %7.2f ms   (with delete + snapshot removal: %.2f ms)%n",
                    oursExit, oursFull);
            System.out.printf("  crun run                  %7.2f ms%n", crunMedian);
            System.out.printf("  ratio stevedore/crun      %7.2f     (full cycle: %.2f)%n", oursExit / crunMedian,
                    oursFull / crunMedian);
            System.out.printf("2 in parallel, %d containers each side:%n", runs);
            System.out.printf("  stevedore %.0f containers/s, crun %.0f containers/s, ratio %.2f%n", oursPar, crunPar,
                    oursPar / crunPar);
            memory(runtime, tmp, base, layer, overlay);
        }
    }

    private static void memory(ContainerRuntime runtime, Path tmp, Spec base, Path layer, OverlaySnapshotter overlay)
            throws Exception {
        Spec sleeper = base.withArgs(List.of("sleep", "1000"));
        System.gc();
        Thread.sleep(200);
        System.gc();
        long heapBefore = usedHeap();
        List<ContainerHandle> idle = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            Path snap = Files.createDirectories(tmp.resolve("idle/" + i));
            Path root = Files.createDirectories(snap.resolve("rootfs"));
            ContainerHandle c = runtime.create("idle" + i, sleeper.withRoot(
                    new dev.stevedore.oci.runtime.Root(root.toString(), null, null)),
                    overlay.prepare(snap, List.of(layer), false), Stdio.discard());
            c.start();
            idle.add(c);
        }
        System.gc();
        Thread.sleep(200);
        System.gc();
        long heapAfter = usedHeap();
        long[] rss = idle.stream().mapToLong(c -> rssKiB(((LinuxContainer) c).helperPid())).sorted().toArray();
        System.out.printf("100 idle containers: JVM heap +%.2f MiB; helper RSS median %d KiB, max %d KiB%n",
                (heapAfter - heapBefore) / 1048576.0, rss[rss.length / 2], rss[rss.length - 1]);
        idle.forEach(ContainerHandle::delete);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    private static long rssKiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the RSS of pid " + pid, e);
        }
        throw new IllegalStateException("no VmRSS for pid " + pid);
    }

    interface Cycle {
        long[] run() throws Exception;
    }

    private static void check(int status) {
        if (status != 0) {
            throw new IllegalStateException("a container exited with status " + status);
        }
    }

    private static long[][] sequential(Cycle cycle, int runs) throws Exception {
        long[][] times = new long[runs][];
        for (int i = 0; i < runs; i++) {
            times[i] = cycle.run();
        }
        return times;
    }

    /** @return containers per second with two running at a time */
    private static double parallel(Cycle cycle, int runs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        long t0 = System.nanoTime();
        List<Future<long[][]>> futures = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            futures.add(pool.submit(() -> sequential(cycle, runs / 2)));
        }
        for (Future<long[][]> f : futures) {
            f.get();
        }
        pool.shutdown();
        return (runs / 2 * 2) / ((System.nanoTime() - t0) / 1e9);
    }

    private static double median(long[][] times, int column) {
        long[] values = Arrays.stream(times).mapToLong(t -> t[column]).sorted().toArray();
        return values[values.length / 2] / 1e6;
    }

    private static String unifiedMount() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(UNIFIED.toString())).findFirst()
                .orElseThrow(() -> new IllegalStateException("no cgroup2 mount at " + UNIFIED + "; nothing to swap"));
    }

    /** crun refuses hybrid hosts; give it a pure v1 layout by moving hugetlb to a v1 hierarchy. */
    private static void useV1Hugetlb() throws Exception {
        sh("umount", "-l", UNIFIED.toString());
        Files.createDirectories(HUGETLB);
        sh("mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", HUGETLB.toString());
    }

    private static void restoreUnified(String before) throws Exception {
        if (Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.contains(" " + HUGETLB + " "))) {
            sh("umount", HUGETLB.toString());
        }
        Files.deleteIfExists(HUGETLB);
        // The v1 hierarchy outlives its unmount while a dying cgroup still references it; mounting
        // and unmounting it again once it is empty releases hugetlb back to the v2 hierarchy.
        Path probe = Files.createTempDirectory("hugetlb");
        for (int i = 0; i < 50 && !hugetlbOnV2(); i++) {
            sh("mount", "-t", "cgroup", "-o", "hugetlb", "cgroup", probe.toString());
            sh("umount", probe.toString());
            Thread.sleep(20);
        }
        Files.delete(probe);
        sh("mount", "-t", "cgroup2", "-o", "rw,relatime", "cgroup2", UNIFIED.toString());
        String after = unifiedMount();
        String controllers = "";
        for (int i = 0; i < 100 && !controllers.equals("hugetlb"); i++) {
            Thread.sleep(20);  // hugetlb returns to the v2 root after an RCU grace period
            controllers = Files.readString(UNIFIED.resolve("cgroup.controllers")).trim();
        }
        if (!after.substring(after.indexOf(' ', after.indexOf(' ') + 1)).equals(
                before.substring(before.indexOf(' ', before.indexOf(' ') + 1))) || !controllers.equals("hugetlb")) {
            throw new IllegalStateException("the cgroup2 mount was not restored exactly: before '" + before
                    + "', after '" + after + "' with controllers '" + controllers + "'");
        }
    }

    private static boolean hugetlbOnV2() throws IOException {
        return Files.readAllLines(Path.of("/proc/cgroups")).stream()
                .anyMatch(l -> l.startsWith("hugetlb\t0\t"));
    }

    private static void sh(String... command) throws Exception {
        java.lang.Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
