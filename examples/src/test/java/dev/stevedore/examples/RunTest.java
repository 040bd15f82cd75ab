package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.ContainerException;
import dev.stevedore.ContainerSpec;
import dev.stevedore.ContainerTimeoutException;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.ImageNotFoundException;
import dev.stevedore.NetworkMode;
import dev.stevedore.testing.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ContainerSpec.run()} with each setting, as a user writes it. */
class RunTest {

    static final ContainerSpec BUSYBOX = Containers.image(BusyboxImage.NAME);

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    @Test
    void runReturnsExitCodeOutputAndDuration() {
        ExecResult r = BUSYBOX.withCommand("sh", "-c", "echo out; echo err >&2; exit 3").run();
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.stdout()).isEqualTo("out\n");
        assertThat(r.stderr()).isEqualTo("err\n");
        assertThat(r.duration()).isPositive().isLessThan(Duration.ofSeconds(5));
        assertThat(r.succeeded()).isFalse();
        assertThatThrownBy(r::orThrow).isInstanceOf(ContainerException.class).hasMessageContaining("exited with 3")
                .hasMessageContaining("err");
    }

    @Test
    void imageCmdRunsWhenNoCommandIsGiven() {
        // busybox's Cmd is ["sh"]: it reads the script from stdin.
        assertThat(BUSYBOX.withStdin("echo from stdin").run().stdout()).isEqualTo("from stdin\n");
    }

    @Test
    void entrypointWithCommandAsArguments() {
        ExecResult r = BUSYBOX.withEntrypoint("echo", "entry").withCommand("cmd").run();
        assertThat(r.stdout()).isEqualTo("entry cmd\n");
        assertThat(BUSYBOX.withEntrypoint("echo").run().stdout()).as("entrypoint resets the image's Cmd")
                .isEqualTo("\n");
    }

    @Test
    void envOneAndManyOverImageEnv() {
        ExecResult r = BUSYBOX.withEnv("A", "1").withEnv(Map.of("B", "2")).withEnv("PATH", "/bin")
                .withCommand("sh", "-c", "echo $A $B $PATH $HOME").run();
        assertThat(r.stdout()).isEqualTo("1 2 /bin /root\n");
    }

    @Test
    void workingDirIsCreatedAndUsed() {
        assertThat(BUSYBOX.withWorkingDir("/srv/app").withCommand("pwd").run().stdout()).isEqualTo("/srv/app\n");
    }

    @Test
    void userByNameGetsItsIdsGroupsAndHome() {
        ExecResult r = BUSYBOX.withUser("app").withCommand("sh", "-c", "id; echo $HOME").run();
        assertThat(r.stdout()).as("Docker sets only the groups listing the user as supplementary")
                .isEqualTo("uid=1000(app) gid=1000(app) groups=50(staff)\n/home/app\n");
        assertThat(BUSYBOX.withUser("4242:4242").withCommand("id", "-u").run().stdout()).isEqualTo("4242\n");
        assertThatThrownBy(() -> BUSYBOX.withUser("bob").withCommand("id").run())
                .hasMessageContaining("user \"bob\" is not in the image's /etc/passwd");
    }

    @Test
    void hostVolumeReadWriteAndReadOnly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("in.txt"), "from host");
        ExecResult r = BUSYBOX.withVolume(dir, "/data").withCommand("sh", "-c", "cat /data/in.txt; echo hi > /data/out")
                .run();
        assertThat(r.stdout()).isEqualTo("from host");
        assertThat(dir.resolve("out")).hasContent("hi");
        ExecResult ro = BUSYBOX.withReadOnlyVolume(dir, "/data").withCommand("sh", "-c", "echo x > /data/y").run();
        assertThat(ro.exitCode()).isNotZero();
        assertThat(ro.stderr()).contains("Read-only file system");
    }

    @Test
    void namedVolumeOutlivesItsContainer() {
        String name = "vol-" + System.nanoTime();
        BUSYBOX.withNamedVolume(name, "/cache").withCommand("sh", "-c", "echo kept > /cache/f").run().orThrow();
        assertThat(BUSYBOX.withNamedVolume(name, "/cache").withCommand("cat", "/cache/f").run().stdout())
                .isEqualTo("kept\n");
    }

    @Test
    void tmpfsIsWritableMemory() {
        ExecResult r = BUSYBOX.withTmpfs("/scratch", 1 << 20)
                .withCommand("sh", "-c", "grep /scratch /proc/mounts; dd if=/dev/zero of=/scratch/f bs=1k count=2048")
                .run();
        assertThat(r.stdout()).contains("tmpfs /scratch tmpfs").contains("size=1024k");
        assertThat(r.stderr()).contains("No space left on device");
    }

    @Test
    void filesCopiedInBeforeStart(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("conf/sub"));
        Files.writeString(dir.resolve("conf/sub/a.conf"), "a=1\n");
        Files.writeString(dir.resolve("single.txt"), "single\n");
        ExecResult r = BUSYBOX.withCopyToContainer(dir.resolve("conf"), "/etc/app")
                .withCopyToContainer(dir.resolve("single.txt"), "/opt/one.txt")
                .withFileContent("/etc/motd", "hello\n")
                .withCommand("sh", "-c", "cat /etc/app/sub/a.conf /opt/one.txt /etc/motd").run();
        assertThat(r.stdout()).isEqualTo("a=1\nsingle\nhello\n");
    }

    @Test
    void memoryLimitKillsAndReportsOom() {
        ExecResult r = BUSYBOX.withMemoryLimit(16 << 20)
                .withCommand("sh", "-c", "cat /proc/self/cgroup >/dev/null; x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived")
                .run();
        assertThat(r.oomKilled()).as(r.toString()).isTrue();
        assertThat(r.exitCode()).isEqualTo(137);
    }

    @Test
    void aSigkillThatIsNotTheOomKillerIsNotReportedAsOom() {
        ExecResult r = BUSYBOX.withMemoryLimit(64 << 20).withCommand("sh", "-c", "sh -c 'kill -9 $$'; exit $?").run();
        assertThat(r.exitCode()).isEqualTo(137);
        assertThat(r.oomKilled()).as("the cgroup's OOM counter, not a guess from the signal").isFalse();
    }

    @Test
    void pidsLimitStopsForks() {
        ExecResult r = BUSYBOX.withPidsLimit(5)
                .withCommand("sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done; wait").withTimeout(Duration.ofSeconds(20))
                .run();
        assertThat(r.stderr()).contains("can't fork");
    }

    @Test
    void cpuLimitIsTheCgroupQuota() {
        ExecResult r = BUSYBOX.withCpuLimit(0.5).withCommand("sh", "-c", "echo $$; sleep 0").run();
        assertThat(r.exitCode()).isZero();
        try (var c = BUSYBOX.withCpuLimit(0.5).withCommand("sleep", "30").start()) {
            String cgroup = Files.readAllLines(Path.of("/proc", Long.toString(c.pid()), "cgroup")).stream()
                    .filter(l -> l.matches("\\d+:[^:]*cpu[,:].*|\\d+:cpu,cpuacct:.*|\\d+:cpuacct,cpu:.*"))
                    .findFirst().orElseThrow().replaceFirst("^\\d+:[^:]*:", "");
            Path quota = Path.of("/sys/fs/cgroup/cpu" + cgroup, "cpu.cfs_quota_us");
            assertThat(quota).hasContent("50000");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void hostnameDefaultsToTheIdAndCanBeSet() {
        assertThat(BUSYBOX.withHostname("db").withCommand("hostname").run().stdout()).isEqualTo("db\n");
        assertThat(BUSYBOX.withName("named-" + System.nanoTime() % 100000).withCommand("hostname").run().stdout())
                .startsWith("named-");
    }

    @Test
    void readOnlyRootfsLeavesTmpfsWritable() {
        ExecResult r = BUSYBOX.withReadOnlyRootfs().withTmpfs("/tmp")
                .withCommand("sh", "-c", "touch /x; echo ok > /tmp/y && cat /tmp/y").run();
        assertThat(r.stderr()).contains("Read-only file system");
        assertThat(r.stdout()).isEqualTo("ok\n");
    }

    @Test
    void capabilitiesAddDropAndPrivileged() {
        String caps = "grep CapEff /proc/self/status";
        long defaults = capEff(BUSYBOX.withCommand("sh", "-c", caps).run().stdout());
        long withAdmin = capEff(BUSYBOX.withCapAdd("NET_ADMIN").withCommand("sh", "-c", caps).run().stdout());
        long withoutChown = capEff(BUSYBOX.withCapDrop("CHOWN").withCommand("sh", "-c", caps).run().stdout());
        long privileged = capEff(BUSYBOX.withPrivileged().withCommand("sh", "-c", caps).run().stdout());
        assertThat(defaults).isEqualTo(0xa80425fbL);
        assertThat(withAdmin).isEqualTo(defaults | (1L << 12));
        assertThat(withoutChown).isEqualTo(defaults & ~1L);
        assertThat(Long.bitCount(privileged)).isGreaterThan(38);
        assertThat(BUSYBOX.withCapDrop("CHOWN").withCommand("chown", "1:1", "/tmp").run().stderr())
                .contains("Operation not permitted");
    }

    @Test
    void noDeviceOpensBeyondTheStandardOnesThoughMknodWorks() {
        // CAP_MKNOD is in Docker's set: the device cgroup keeps a node made for the host's kernel log (c 1:11) shut.
        String probe = "mknod /dev/log2 c 1 11 && echo made; : >/dev/null && echo null; exec 3>/dev/log2 && echo opened";
        ExecResult confined = BUSYBOX.withCommand("sh", "-c", probe).run();
        assertThat(confined.stdout()).isEqualTo("made\nnull\n");
        assertThat(confined.stderr()).contains("/dev/log2").contains("Operation not permitted");
        assertThat(BUSYBOX.withPrivileged().withCommand("sh", "-c", probe).run().stdout())
                .isEqualTo("made\nnull\nopened\n");
    }

    private static long capEff(String line) {
        return Long.parseUnsignedLong(line.strip().split("\\s+")[1], 16);
    }

    @Test
    void networkNoneHasOnlyLoopbackHostSharesTheHosts() throws Exception {
        String none = BUSYBOX.withCommand("cat", "/proc/net/dev").run().stdout();
        assertThat(none).contains("lo:").doesNotContain("eth");
        String host = BUSYBOX.withNetworkMode(NetworkMode.HOST).withCommand("cat", "/proc/net/dev").run().stdout();
        long hostInterfaces = Files.readAllLines(Path.of("/proc/net/dev")).size();
        assertThat(host.lines().count()).isEqualTo(hostInterfaces);
    }

    @Test
    void timeoutKillsAndSaysWhat() {
        assertThatThrownBy(() -> BUSYBOX.withTimeout(Duration.ofMillis(300)).withCommand("sleep", "10").run())
                .isInstanceOf(ContainerTimeoutException.class)
                .hasMessageContaining("did not finish within PT0.3S")
                .satisfies(e -> assertThat(((ContainerTimeoutException) e).partialResult()).isPresent());
    }

    @Test
    void missingImageNamesTheImageTheStoreAndTheRemedy() {
        assertThatThrownBy(() -> Containers.image("busybx").withCommand("true").run())
                .isInstanceOf(ImageNotFoundException.class)
                .hasMessageContaining("image \"busybx\" not found in store " + Engine.defaultEngine().root())
                .hasMessageContaining("pull, load or build it, or check the name");
    }

    @Test
    void missingExecutableSaysSo() {
        assertThatThrownBy(() -> BUSYBOX.withCommand("/bin/nope").run())
                .isInstanceOf(ContainerException.class)
                .hasMessageContaining("/bin/nope");
    }
}
