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
 * hugetlb), so crun runs from shells in private mount namespaces where the cgroup2 mount is replaced
 * by a v1 hugetlb hierarchy ({@link CrunShell}); the host's mounts are never changed, and the hugetlb
 * controller is back on the v2 hierarchy when the benchmark ends (checked in a finally block). The
 * two run interleaved, one of each in turn.
 *
 * <p>Layers and snapshots are on the disk under {@code /var/lib}, where the engine keeps its store when
 * run as root, the runtime state on tmpfs ({@code /dev/shm}), where hosts keep {@code /run}; crun keeps
 * its state in {@code /run/crun}. Not in {@code /tmp}: on an ext4 file system without a journal, every
 * new inode skips past the inodes deleted in its block group in the last minutes, so the overlay mount
 * (which creates seven in its work directory) would measure whatever else churns {@code /tmp}.
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
        Path tmp = Files.createTempDirectory(Path.of("/var/lib"), "stevedore-bench");
        Path layer = BusyboxRootfs.create(tmp.resolve("layer"));
        Spec spec = TestSpecs.docker(Path.of("/unused"), "true");
        List<String> caps = Planner.DEFAULT_CAPABILITIES;
        // Explicit, so that crun gets Docker's capabilities too.
        spec = spec.withProcess(spec.process().withCapabilities(new Process.Capabilities(caps, caps, null, caps, null,
                null)));
        OverlaySnapshotter overlay = new OverlaySnapshotter();
        // Runtime state belongs on tmpfs, as /run/crun is on a usual host (this one has /run on disk).
        Path state = Files.createTempDirectory(Path.of("/dev/shm"), "stevedore-bench-state");
        try (ContainerRuntime runtime = new LinuxBackend().open(state)) {
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
                long deleted = System.nanoTime() - t0;
                overlay.remove(snap);
                check(status);
                return new long[] {exited, System.nanoTime() - t0, deleted};
            };
            Path bundle = Files.createDirectories(tmp.resolve("bundle"));
            Files.createSymbolicLink(bundle.resolve("rootfs"), layer);
            // crun 1.8 knows runtime-spec versions up to 1.1; nothing in this configuration is newer.
            Files.writeString(bundle.resolve("config.json"), new String(OciJson.write(spec.withRoot(
                    new dev.stevedore.oci.runtime.Root("rootfs", null, null)))).replace("\"1.2.0\"", "\"1.0.2\""));
            java.util.concurrent.BlockingQueue<CrunShell> shells = new java.util.concurrent.ArrayBlockingQueue<>(2);
            Cycle crun = () -> {
                CrunShell shell = shells.take();
                try {
                    long t0 = System.nanoTime();
                    int status = shell.run("bench-" + ids.incrementAndGet());
                    long t = System.nanoTime() - t0;
                    check(status);
                    return new long[] {t, t, t};
                } finally {
                    shells.put(shell);
                }
            };

            for (int i = 0; i < 50; i++) {
                ours.run();  // warm the JVM
            }
            long[][] oursSeq = new long[runs][];
            long[][] crunSeq = new long[runs][];
            double[] oursPar = new double[2];
            double[] crunPar = new double[2];
            boolean hugetlbWasEnabled = freeHugetlb();
            String controllersBefore = Files.readString(UNIFIED.resolve("cgroup.controllers")).trim();
            try {
                shells.add(new CrunShell(bundle));
                shells.add(new CrunShell(bundle));
                for (int i = 0; i < 20; i++) {
                    crun.run();
                }
                // Interleaved, so that both see the same load from whatever else runs on the host.
                for (int i = 0; i < runs; i++) {
                    oursSeq[i] = ours.run();
                    crunSeq[i] = crun.run();
                }
                for (int half = 0; half < 2; half++) {
                    oursPar[half] = parallel(ours, runs / 2);
                    crunPar[half] = parallel(crun, runs / 2);
                }
            } finally {
                for (CrunShell shell : shells) {
                    shell.close();
                }
                restoreHugetlb(controllersBefore);
                if (hugetlbWasEnabled) {
                    Files.writeString(UNIFIED.resolve("cgroup.subtree_control"), "+hugetlb");
                }
            }
            double oursExit = median(oursSeq, 0);
            double oursFull = median(oursSeq, 1);
            double crunMedian = median(crunSeq, 0);
            System.out.printf("busybox true, %d sequential runs (medians):%n", runs);
            System.out.printf("  stevedore start-to-exit   %7.2f ms   (with delete: %.2f ms, and snapshot removal: %.2f ms)%n",
                    oursExit, median(oursSeq, 2), oursFull);
            System.out.printf("  crun run                  %7.2f ms%n", crunMedian);
            System.out.printf("  ratio stevedore/crun      %7.2f     (full cycle: %.2f)%n", oursExit / crunMedian,
                    oursFull / crunMedian);
            double oursRate = 2 / (1 / oursPar[0] + 1 / oursPar[1]);
            double crunRate = 2 / (1 / crunPar[0] + 1 / crunPar[1]);
            System.out.printf("2 in parallel, %d containers each side:%n", runs);
            System.out.printf("  stevedore %.0f containers/s, crun %.0f containers/s, ratio %.2f%n", oursRate, crunRate,
                    oursRate / crunRate);
            memory(runtime, tmp, base, layer, overlay);
        } finally {
            overlay.remove(state);
            overlay.remove(tmp);
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

    /**
     * A shell in a private mount namespace where the cgroup2 mount is replaced by a v1 hugetlb
     * hierarchy, running {@code crun run} for each id it reads. The host's mounts stay as they are,
     * so other software (a Docker daemon, say) never sees the v1 hierarchy; only the hugetlb
     * controller itself moves, and it returns to the v2 hierarchy once the namespaces are gone.
     */
    static final class CrunShell implements AutoCloseable {
        // Just after cgroups that used hugetlb on v2 are gone (a daemon's, say), the kernel may still be
        // releasing them and refuses the move for a moment: the mount is tried for up to 5 s.
        private static final String MOUNT = "mount -t cgroup -o hugetlb cgroup " + HUGETLB;
        private static final String SCRIPT = "set -e; umount -l " + UNIFIED + "; mkdir -p " + HUGETLB
                + "; i=0; until " + MOUNT + " 2>/dev/null; do i=$((i+1)); if [ $i -ge 20 ]; then " + MOUNT
                + "; fi; sleep 0.25; done; echo ready;"
                + " while read id; do crun run -b \"$1\" \"$id\" >/dev/null 2>&1 && echo 0 || echo $?; done";
        private final java.lang.Process shell;
        private final java.io.BufferedReader out;
        private final java.io.Writer in;

        CrunShell(Path bundle) throws IOException {
            shell = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", SCRIPT, "sh",
                    bundle.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            out = new java.io.BufferedReader(new java.io.InputStreamReader(shell.getInputStream()));
            in = new java.io.OutputStreamWriter(shell.getOutputStream());
            if (!"ready".equals(out.readLine())) {
                throw new IllegalStateException("cannot prepare crun's cgroup layout in a private mount namespace");
            }
        }

        int run(String id) throws IOException {
            in.write(id + "\n");
            in.flush();
            return Integer.parseInt(out.readLine());
        }

        @Override
        public void close() throws Exception {
            in.close();
            shell.waitFor();
        }
    }

    /**
     * A controller enabled for the children of the v2 root cannot move to a v1 hierarchy. Our own
     * runtime enables hugetlb there for a container with a hugetlb limit, and the empty cgroups it
     * leaves ({@code stevedore}, like others' such as {@code docker}) keep it enabled: they are
     * removed (a busy cgroup stays) and hugetlb disabled, to be enabled again at the end.
     *
     * @return whether hugetlb was enabled
     */
    private static boolean freeHugetlb() throws IOException {
        Path control = UNIFIED.resolve("cgroup.subtree_control");
        if (!List.of(Files.readString(control).trim().split(" ")).contains("hugetlb")) {
            return false;
        }
        List<Path> dirs;
        try (java.util.stream.Stream<Path> walk = Files.walk(UNIFIED)) {
            dirs = walk.filter(d -> !d.equals(UNIFIED) && Files.isDirectory(d))
                    .sorted(java.util.Comparator.reverseOrder()).toList();
        }
        for (Path dir : dirs) {
            try {
                Files.delete(dir);
            } catch (IOException e) {
                // In use: then hugetlb cannot be freed, which the write below reports.
            }
        }
        Files.writeString(control, "-hugetlb");
        return true;
    }

    /**
     * Waits until hugetlb is back on the v2 hierarchy. If a crun cgroup outlived its container in
     * the v1 hierarchy, the empty cgroups are removed (from another private namespace) to release it.
     */
    private static void restoreHugetlb(String controllersBefore) throws Exception {
        for (int i = 0; i < 250 && !controllersBefore.equals(controllers()); i++) {
            if (i % 50 == 49) {
                sh("unshare", "--mount", "--propagation", "private", "sh", "-c", "mkdir -p " + HUGETLB
                        + " && mount -t cgroup -o hugetlb cgroup " + HUGETLB + " && find " + HUGETLB
                        + " -mindepth 1 -depth -type d -exec rmdir {} \\; 2>/dev/null; umount " + HUGETLB);
            }
            Thread.sleep(20);  // hugetlb returns to the v2 root after an RCU grace period
        }
        Files.deleteIfExists(HUGETLB);  // the directory was made on the host's shared tmpfs
        if (!controllersBefore.equals(controllers())) {
            throw new IllegalStateException("hugetlb did not return to the cgroup2 hierarchy: its controllers are '"
                    + controllers() + "', were '" + controllersBefore + "'");
        }
    }

    private static String controllers() throws IOException {
        return Files.readString(UNIFIED.resolve("cgroup.controllers")).trim();
    }

    private static void sh(String... command) throws Exception {
        java.lang.Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }
}
