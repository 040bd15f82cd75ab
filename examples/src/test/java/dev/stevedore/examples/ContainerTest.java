package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.ContainerState;
import dev.stevedore.ContainerTimeoutException;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.Wait;
import dev.stevedore.image.Image;
import dev.stevedore.testing.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A started {@link Container}: its handle's every verb, as a user writes them. */
class ContainerTest {

    static final ContainerSpec SLEEPER = Containers.image(BusyboxImage.NAME).withCommand("sleep", "600");

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    @Test
    void startGivesIdPidStateAndCloseRemoves() {
        Container c = SLEEPER.start();
        assertThat(c.id()).matches("[0-9a-f]{12}");
        assertThat(c.pid()).isPositive();
        assertThat(Path.of("/proc", Long.toString(c.pid()))).exists();
        assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
        assertThat(Engine.defaultEngine().containers()).extracting(Container::id).contains(c.id());
        assertThat(c.toString()).contains(c.id()).contains("RUNNING");
        c.close();
        assertThat(c.state()).isEqualTo(ContainerState.REMOVED);
        assertThat(Engine.defaultEngine().containers()).extracting(Container::id).doesNotContain(c.id());
        assertThat(Engine.defaultEngine().root().resolve("containers").resolve(c.id())).doesNotExist();
    }

    @Test
    void eachOfManyContainersInARowHasOnlyItsOwnLogsAndFiles(@TempDir Path root) throws InterruptedException {
        // Removed containers' emptied state directories are handed to later ones: nothing of an
        // earlier container may show in a later one.
        try (Engine engine = Engine.builder().root(root).build()) {
            BusyboxImage.ensure(engine);
            for (int i = 0; i < 20; i++) {
                try (Container c = engine.container(BusyboxImage.NAME)
                        .withCommand("sh", "-c", "test -e /left && echo dirty; echo out-" + i + "; echo err-" + i
                                + " >&2; echo x > /left; echo written; sleep 600")
                        .waitingFor(Wait.forLogMessage("written")).start()) {
                    assertThat(c.stdout()).isEqualTo("out-" + i + "\nwritten\n");
                    // stderr has a pipe and a copier of its own: "written" on stdout can come first.
                    String expected = "err-" + i + "\n";
                    for (long end = System.nanoTime() + 5_000_000_000L; !c.stderr().equals(expected)
                            && System.nanoTime() < end;) {
                        Thread.sleep(5);
                    }
                    assertThat(c.stderr()).isEqualTo(expected);
                }
            }
            assertThat(engine.container(BusyboxImage.NAME).withCommand("sh", "-c", "test -e /left && echo dirty;"
                    + " echo clean").run().stdout()).isEqualTo("clean\n");
        }
    }

    @Test
    void logsAndWaitForGiveTheOutput() {
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "echo one; echo two >&2; exit 4").start()) {
            ExecResult r = c.waitFor(Duration.ofSeconds(10));
            assertThat(r.exitCode()).isEqualTo(4);
            assertThat(r.stdout()).isEqualTo("one\n");
            assertThat(r.stderr()).isEqualTo("two\n");
            assertThat(c.logs()).isEqualTo("one\ntwo\n");
            assertThat(c.state()).isEqualTo(ContainerState.EXITED);
        }
    }

    @Test
    void waitForTimesOutSayingWhat() {
        try (Container c = SLEEPER.start()) {
            assertThatThrownBy(() -> c.waitFor(Duration.ofMillis(100)))
                    .isInstanceOf(ContainerTimeoutException.class)
                    .hasMessageContaining("still runs after PT0.1S");
        }
    }

    @Test
    void followOutputSeesLinesAsTheyCome() throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "for i in 1 2 3; do echo line $i; sleep 0.05; done").start()) {
            c.followOutput(lines::add);
            c.waitFor(Duration.ofSeconds(10));
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (lines.size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        assertThat(lines).containsExactly("line 1", "line 2", "line 3");
    }

    @Test
    void execRunsInTheContainerAsItsProcess() {
        try (Container c = SLEEPER.withEnv("WHO", "box").withWorkingDir("/tmp").withHostname("h1").start()) {
            ExecResult r = c.exec("sh", "-c", "echo $WHO $(pwd) $(hostname); tr '\\0' ' ' < /proc/1/cmdline");
            assertThat(r.stdout()).as("same env, cwd, hostname and pid namespace").isEqualTo("box /tmp h1\nsleep 600 ");
            assertThat(c.exec("sh", "-c", "exit 7").exitCode()).isEqualTo(7);
            ExecResult missing = c.exec("/bin/nope");
            assertThat(missing.exitCode()).isEqualTo(127);
            assertThat(missing.stderr()).contains("/bin/nope");
            assertThatThrownBy(() -> c.exec(Duration.ofMillis(100), "sleep", "5"))
                    .isInstanceOf(ContainerTimeoutException.class);
        }
    }

    @Test
    void copyFilesAndDirectoriesInAndOut(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(dir.resolve("tree/sub/f.txt"), "deep\n");
        Files.writeString(dir.resolve("one.txt"), "one\n");
        try (Container c = SLEEPER.start()) {
            c.copyTo(dir.resolve("tree"), "/opt/tree");
            c.copyTo(dir.resolve("one.txt"), "/root/renamed.txt");
            assertThat(c.exec("cat", "/opt/tree/sub/f.txt", "/root/renamed.txt").stdout()).isEqualTo("deep\none\n");
            c.exec("sh", "-c", "mkdir -p /out/x && echo made > /out/x/m && ln -s /etc/passwd /out/link").orThrow();
            c.copyFrom("/out", dir.resolve("back"));
            assertThat(dir.resolve("back/x/m")).hasContent("made");
            assertThat(Files.readSymbolicLink(dir.resolve("back/link"))).isEqualTo(Path.of("/etc/passwd"));
            assertThat(c.readFile("/etc/passwd")).startsWith("root:x:0:0");
        }
    }

    @Test
    void copyOutWorksAfterTheProcessExitedUntilClose(@TempDir Path dir) throws Exception {
        Path volume = Files.createDirectories(dir.resolve("volume"));
        Files.writeString(dir.resolve("host-only"), "host");
        Container c = Containers.image(BusyboxImage.NAME).withVolume(volume, "/data").withTmpfs("/scratch")
                .withCommand("sh", "-c", "mkdir -p /out/sub && echo result > /out/sub/r.txt && chmod 640 /out/sub/r.txt"
                        + " && ln -s ../etc/passwd /out/passwd && ln -s " + dir + " /escape && rm /etc/group"
                        + " && echo kept > /data/v.txt && echo gone > /scratch/t.txt")
                .start();
        try (c) {
            assertThat(c.waitFor(Duration.ofSeconds(10)).exitCode()).isZero();
            assertThat(c.state()).isEqualTo(ContainerState.EXITED);
            assertThat(c.readFile("/out/sub/r.txt")).isEqualTo("result\n");
            assertThat(c.readFile("/out/passwd")).as("a link followed inside the container").startsWith("root:x:0:0");
            c.copyFrom("/out", dir.resolve("back"));
            assertThat(dir.resolve("back/sub/r.txt")).hasContent("result");
            assertThat(Files.getPosixFilePermissions(dir.resolve("back/sub/r.txt")))
                    .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
            assertThat(Files.readSymbolicLink(dir.resolve("back/passwd"))).isEqualTo(Path.of("../etc/passwd"));
            c.copyFrom("/out/sub/r.txt", dir.resolve("single.txt"));
            assertThat(dir.resolve("single.txt")).hasContent("result");
            assertThat(c.readFile("/data/v.txt")).as("a volume's file, from its host directory").isEqualTo("kept\n");
            assertThatThrownBy(() -> c.readFile("/etc/group")).as("deleted by the container")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("/etc/group does not exist");
            assertThatThrownBy(() -> c.readFile("/escape/host-only")).as("a link to a host path stays inside")
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
            assertThatThrownBy(() -> c.readFile("/scratch/t.txt")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("was on a tmpfs mount at /scratch, whose content ended with the container");
        }
        assertThatThrownBy(() -> c.readFile("/out/sub/r.txt")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("it was removed with its files");
    }

    @Test
    void copyInFollowsContainerSymlinksInsideTheContainer(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("host-marker");
        Files.writeString(dir.resolve("payload"), "payload");
        try (Container c = SLEEPER.start()) {
            // A link to an absolute host path must resolve inside the container, not on the host.
            c.exec("ln", "-s", dir.toString(), "/escape").orThrow();
            c.copyTo(dir.resolve("payload"), "/escape/host-marker");
            assertThat(marker).doesNotExist();
            assertThat(c.exec("cat", dir + "/host-marker").stdout()).isEqualTo("payload");
        }
    }

    @Test
    void statsReportMemoryAndProcesses() {
        try (Container c = SLEEPER.start()) {
            assertThat(c.stats().pids()).isGreaterThanOrEqualTo(1);
            assertThat(c.stats().memoryBytes()).isPositive();
        }
    }

    @Test
    void killSendsASignalByName() {
        try (Container c = SLEEPER.start()) {
            c.kill("SIGKILL");
            assertThat(c.waitFor(Duration.ofSeconds(5)).exitCode()).isEqualTo(137);
        }
    }

    @Test
    void stopSendsTheStopSignalThenKillsAfterTheGrace() {
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo trapping; while true; do sleep 0.01; done")
                .waitingFor(Wait.forLogMessage("trapping"))
                .start()) {
            c.stop(Duration.ofSeconds(5));
            ExecResult r = c.waitFor(Duration.ofSeconds(1));
            assertThat(r.exitCode()).isZero();
            assertThat(r.stdout()).isEqualTo("trapping\ngot TERM\n");
        }
        try (Container c = SLEEPER.start()) {
            long t0 = System.nanoTime();
            // PID 1 ignores SIGTERM without a handler: only the SIGKILL after the grace ends it.
            c.stop(Duration.ofMillis(200));
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(200_000_000L);
            assertThat(c.waitFor(Duration.ofSeconds(1)).exitCode()).isEqualTo(137);
            assertThat(c.waitFor(Duration.ofSeconds(1)).oomKilled()).isFalse();
        }
    }

    @Test
    void pauseFreezesTheProcessesUntilResume() throws Exception {
        try (Container c = Containers.image(BusyboxImage.NAME)
                // Renamed into place: the freezer may stop the shell between truncating a file and writing it.
                .withCommand("sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/n.new; mv /tmp/n.new /tmp/n; "
                        + "sleep 0.01; done").start()) {
            Thread.sleep(200);
            c.pause();
            assertThat(c.state()).isEqualTo(ContainerState.PAUSED);
            String frozen = c.readFile("/tmp/n");
            Thread.sleep(300);
            assertThat(c.readFile("/tmp/n")).as("the counter does not move while paused").isEqualTo(frozen);
            c.resume();
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
            Thread.sleep(300);
            assertThat(Integer.parseInt(c.readFile("/tmp/n").trim())).isGreaterThan(Integer.parseInt(frozen.trim()));
            assertThatThrownBy(c::resume).isInstanceOf(IllegalStateException.class).hasMessageContaining("not paused");
            c.pause();
            c.stop(Duration.ofMillis(200));
            assertThat(c.state()).as("a paused container stops").isEqualTo(ContainerState.EXITED);
        }
    }

    @Test
    void commitKeepsTheChangesAsANewLayer() {
        Image base = Engine.defaultEngine().images().inspect(BusyboxImage.NAME);
        Image committed;
        try (Container c = SLEEPER.start()) {
            c.exec("sh", "-c", "echo state > /root/state; rm /bin/vi").orThrow();
            committed = c.commit("committed:test");
        }
        assertThat(committed.layers()).hasSize(base.layers().size() + 1);
        assertThat(committed.history()).last().satisfies(h -> assertThat(h.createdBy()).contains("stevedore commit"));
        ExecResult r = Containers.image("committed:test")
                .withCommand("sh", "-c", "cat /root/state; ls /bin/vi || echo gone").run();
        assertThat(r.stdout()).isEqualTo("state\ngone\n");
        try (Container c = SLEEPER.withName("Snap-1").start()) {
            assertThat(c.commit().reference()).isEqualTo("commit-snap-1:latest");
        }
    }

    @Test
    void autoRemoveRemovesOnExit() throws Exception {
        Container c = Containers.image(BusyboxImage.NAME).withCommand("true").withAutoRemove().start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (c.state() != ContainerState.REMOVED && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(c.state()).isEqualTo(ContainerState.REMOVED);
    }

    @Test
    void waitForLogMessage() {
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "sleep 0.2; echo server ready; sleep 600")
                .waitingFor(Wait.forLogMessage("^server ready$")).start()) {
            assertThat(c.logs()).contains("server ready");
        }
    }

    @Test
    void waitForCommand() {
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "sleep 0.2; touch /tmp/ready; sleep 600")
                .waitingFor(Wait.forCommand("test", "-f", "/tmp/ready")).start()) {
            assertThat(c.exec("ls", "/tmp/ready").exitCode()).isZero();
        }
    }

    @Test
    void waitForListeningPort() {
        try (Container c = Containers.image(BusyboxImage.NAME)
                .withCommand("sh", "-c", "sleep 0.2; nc -l -p 8080")
                .waitingFor(Wait.forListeningPort(8080)).start()) {
            assertThat(c.exec("cat", "/proc/net/tcp", "/proc/net/tcp6").stdout()).contains(":1F90");
        }
    }

    @Test
    void waitTimeoutSaysWhatWasAwaitedAndRemovesTheContainer() {
        int before = Engine.defaultEngine().containers().size();
        assertThatThrownBy(() -> SLEEPER.waitingFor(Wait.forLogMessage("never").withTimeout(Duration.ofMillis(200)))
                .start())
                .isInstanceOf(ContainerTimeoutException.class)
                .hasMessageContaining("was not ready within PT0.2S: waited for a log line matching /never/");
        assertThatThrownBy(() -> Containers.image(BusyboxImage.NAME).withCommand("sh", "-c", "echo bye; exit 1")
                .waitingFor(Wait.forListeningPort(80)).start())
                .hasMessageContaining("exited while waiting for TCP port 80 to listen")
                .hasMessageContaining("bye");
        assertThat(Engine.defaultEngine().containers()).hasSize(before);
    }
}
