package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nothing is left behind: after a JVM is killed, and after many containers at once. */
class CleanupTest {
    @TempDir
    static Path tmp;
    static Path rootfs;

    @BeforeAll
    static void root() {
        rootfs = RootHost.busyboxRootfs(tmp);
    }

    @Test
    void containersDieWithTheirJvmAndTheNextRuntimeRemovesTheirState() throws Exception {
        Path state = tmp.resolve("state-orphan");
        java.lang.Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OrphanMain.class.getName(), state.toString(),
                rootfs.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(jvm.getInputStream()))) {
            line = r.readLine().split(" ");
        }
        long containerPid = Long.parseLong(line[0]);
        String instance = line[1];
        assertThat(running(containerPid)).isTrue();
        Cgroups cgroups = Cgroups.detect();
        assertThat(cgroups.roots(cgroups.available(Cgroups.DEFAULTS)))
                .allMatch(r -> Files.isDirectory(r.resolve("stevedore/" + instance)));

        jvm.destroyForcibly();  // SIGKILL: no shutdown hook, no finally
        jvm.waitFor();
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (running(containerPid) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(running(containerPid)).as("the container died within a second of its JVM").isFalse();

        Path instanceFiles = VolatileDir.forState(state.toAbsolutePath()).resolve(instance);
        assertThat(instanceFiles).as("the dead runtime's container files").exists();
        new LinuxBackend().open(state).close();
        assertThat(state.resolve(instance)).doesNotExist();
        assertThat(instanceFiles).doesNotExist();
        assertThat(state.resolve(instance + ".lock")).doesNotExist();
        assertThat(cgroups.roots()).noneMatch(r -> Files.exists(r.resolve("stevedore/" + instance)));
    }

    @Test
    void twoHundredConcurrentContainersLeaveNothing() throws Exception {
        // Other test classes in this JVM may still hold helpers of their own runtimes.
        java.util.Set<Long> others = childPids();
        ContainerRuntime runtime = new LinuxBackend().open(tmp.resolve("state-many"));
        String instance = ((LinuxRuntime) runtime).instance();
        Path instanceFiles = ((LinuxRuntime) runtime).instanceDir();
        List<String> mountsBefore = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        long fds = fdCount();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<int[]>> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                ContainerHandle c = runtime.create("c" + n, TestSpecs.docker(rootfs, "sh", "-c", "exit " + (n % 200)),
                        List.of(), Stdio.discard());
                try {
                    c.start();
                    return new int[] {n % 200, c.waitFor()};
                } finally {
                    c.delete();
                }
            }));
        }
        for (Future<int[]> f : results) {
            int[] r = f.get();
            assertThat(r[1]).as("exit status").isEqualTo(r[0]);
        }
        pool.shutdown();
        // Other software on the host may mount meanwhile; what we must not leave is a mount of ours.
        List<String> added = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        added.removeAll(mountsBefore);
        assertThat(added).as("mounts left on the host under " + tmp).noneMatch(line -> line.contains(tmp.toString()));
        assertThat(helpers(others)).as("only the helpers prepared in advance").isLessThanOrEqualTo(LinuxRuntime.SPARES);
        Cgroups cgroups = Cgroups.detect();
        for (Path root : cgroups.roots(cgroups.available(Cgroups.DEFAULTS))) {
            try (Stream<Path> s = Files.list(root.resolve("stevedore/" + instance))) {
                assertThat(s.filter(Files::isDirectory).count()).as("cgroups left in " + root)
                        .isLessThanOrEqualTo(LinuxRuntime.SPARES);
            }
        }
        runtime.close();
        assertThat(helpers(others)).isZero();
        assertThat(Cgroups.detect().roots()).noneMatch(r -> Files.exists(r.resolve("stevedore/" + instance)));
        assertThat(tmp.resolve("state-many").resolve(instance)).doesNotExist();
        assertThat(instanceFiles).doesNotExist();
        // The JDK closes a process's pipes shortly after it exits; give it a moment.
        for (int i = 0; i < 100 && fdCount() > fds; i++) {
            Thread.sleep(10);
        }
        assertThat(fdCount()).as("JVM file descriptors").isLessThanOrEqualTo(fds);
    }

    @Test
    void aRuntimeOpenedAndClosedWithoutContainersLeavesNoHelperNorDescriptor() throws Exception {
        java.util.Set<Long> others = childPids();
        long fds = fdCount();
        ContainerRuntime runtime = new LinuxBackend().open(tmp.resolve("state-unused"));
        Path instanceFiles = ((LinuxRuntime) runtime).instanceDir();
        String instance = ((LinuxRuntime) runtime).instance();
        // The first container's helper is spawned, and placed in cgroups, as the runtime opens.
        assertThat(awaitHelpers(others, 1)).as("helpers spawned at opening").isEqualTo(1);
        runtime.close();
        assertThat(helpers(others)).as("helpers left after close").isZero();
        assertThat(instanceFiles).doesNotExist();
        assertThat(Cgroups.detect().roots()).as("the runtime's cgroups")
                .noneMatch(r -> Files.exists(r.resolve("stevedore/" + instance)));
        for (int i = 0; i < 100 && fdCount() > fds; i++) {
            Thread.sleep(10);
        }
        assertThat(fdCount()).as("JVM file descriptors").isLessThanOrEqualTo(fds);
    }

    @Test
    void theFirstContainerRunsInTheHelperSpawnedAtOpening() throws Exception {
        java.util.Set<Long> others = childPids();
        try (ContainerRuntime runtime = new LinuxBackend().open(tmp.resolve("state-first"))) {
            assertThat(awaitHelpers(others, 1)).isEqualTo(1);
            long early = ProcessHandle.current().children().filter(p -> !others.contains(p.pid())).findFirst()
                    .orElseThrow().pid();
            ContainerHandle c = runtime.create("first", TestSpecs.docker(rootfs, "sleep", "10"), List.of(),
                    Stdio.pipes());
            try {
                c.start();
                assertThat(ProcessHandle.of(c.pid()).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
                        .as("the container's parent, its helper").contains(early);
            } finally {
                c.delete();
            }
        }
        assertThat(helpers(others)).isZero();
    }

    /** @return the helpers of this runtime once there are {@code expected}, or how many there are after 10 s */
    static long awaitHelpers(java.util.Set<Long> others, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (helpers(others) < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return helpers(others);
    }

    static long helpers(java.util.Set<Long> others) {
        return ProcessHandle.current().children().filter(ProcessHandle::isAlive).filter(p -> !others.contains(p.pid()))
                .count();
    }

    static java.util.Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(java.util.stream.Collectors.toSet());
    }

    /** Dead means gone or a zombie: reaping orphans is the host init's job, and some sandboxes' init never does. */
    static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc/" + pid + "/stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String s = Files.readString(stat);
        char state = s.charAt(s.lastIndexOf(')') + 2);
        return state != 'Z' && state != 'X';
    }

    static long fdCount() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }
}
