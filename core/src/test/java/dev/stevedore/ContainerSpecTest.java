package dev.stevedore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a spec accepts and refuses before anything runs; no root needed. */
class ContainerSpecTest {

    private static final ContainerSpec BOX = Containers.image("busybox:1.36");

    @Test
    void everyWithReturnsANewSpecAndLeavesTheTemplateAlone() {
        ContainerSpec a = BOX.withEnv("A", "1");
        ContainerSpec b = a.withCommand("true");
        assertThat(a).isNotSameAs(b);
        assertThat(a.toString()).isEqualTo("ContainerSpec{image=busybox:1.36, env=[A]}");
        assertThat(b.toString()).isEqualTo("ContainerSpec{image=busybox:1.36, command=[true], env=[A]}");
        assertThat(BOX.toString()).isEqualTo("ContainerSpec{image=busybox:1.36}");
    }

    @Test
    void toStringShowsEverySetting(@TempDir Path dir) {
        String s = BOX.withName("web").withEntrypoint("sh").withCommand("-c", "x").withWorkingDir("/w").withUser("app")
                .withVolume(dir, "/data").withReadOnlyVolume(dir, "/ro").withNamedVolume("cache", "/c").withTmpfs("/t")
                .withFileContent("/f", "x").withMemoryLimit(64 << 20).withCpuLimit(0.5).withPidsLimit(10)
                .withHostname("h").withLabel("k", "v").withReadOnlyRootfs().withCapAdd("NET_ADMIN").withCapDrop("CHOWN")
                .withPrivileged().withNetworkMode(NetworkMode.HOST).withStdin("in").withTimeout(Duration.ofSeconds(3))
                .withAutoRemove().withStopSignal("SIGQUIT").waitingFor(Wait.forLogMessage("ready")).toString();
        assertThat(s).contains("name=web", "entrypoint=[sh]", "command=[-c, x]", "workingDir=/w", "user=app",
                "bind=" + dir + ":/data", "bind=" + dir + ":/ro:ro", "named=cache:/c", "tmpfs=/t", "file=/f",
                "memory=67108864", "cpus=0.5", "pids=10", "hostname=h", "labels={k=v}", "readOnlyRootfs",
                "capAdd=[NET_ADMIN]", "capDrop=[CHOWN]", "privileged", "network=HOST", "stdin=2 bytes",
                "timeout=PT3S", "autoRemove", "stopSignal=SIGQUIT", "waitingFor=Wait{a log line matching /ready/");
    }

    @Test
    void badInputIsRefusedNamingIt(@TempDir Path dir) {
        assertThatThrownBy(() -> Containers.image(" ")).hasMessageContaining("image name is empty");
        assertThatThrownBy(() -> BOX.withCommand()).hasMessageContaining("withCommand needs at least the executable");
        assertThatThrownBy(() -> BOX.withEnv("A=B", "c")).hasMessageContaining("\"A=B\"");
        assertThatThrownBy(() -> BOX.withWorkingDir("rel")).hasMessageContaining("\"rel\" must be an absolute path");
        assertThatThrownBy(() -> BOX.withVolume(dir.resolve("missing"), "/data"))
                .hasMessageContaining("volume source '" + dir.resolve("missing") + "' does not exist");
        assertThatThrownBy(() -> BOX.withVolume(dir, "data")).hasMessageContaining("\"data\" must be an absolute path");
        assertThatThrownBy(() -> BOX.withMemoryLimit(1000)).hasMessageContaining("below the 4 MiB");
        assertThatThrownBy(() -> BOX.withCpuLimit(0)).hasMessageContaining("at least 0.01");
        assertThatThrownBy(() -> BOX.withPidsLimit(0)).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> BOX.withTimeout(Duration.ZERO)).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> BOX.withStopSignal("SIGFOO")).hasMessageContaining("\"SIGFOO\" is not a signal");
        assertThatThrownBy(() -> BOX.withCopyToContainer(dir.resolve("nope"), "/x"))
                .hasMessageContaining("it does not exist");
        assertThatThrownBy(() -> Wait.forListeningPort(70000)).hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> Wait.forLogMessage("x").withTimeout(Duration.ZERO)).hasMessageContaining("positive");
    }

    @Test
    void execResultTextAndFailure() {
        ExecResult ok = new ExecResult(java.util.List.of("echo"), 0, "hi\n".getBytes(), new byte[0],
                Duration.ofMillis(3), false);
        assertThat(ok.orThrow()).isSameAs(ok);
        assertThat(ok.toString()).isEqualTo("ExecResult{command=[echo], exitCode=0, duration=3ms, stdout=\"hi\", stderr=\"\"}");
        ExecResult oom = new ExecResult(java.util.List.of("eat"), 137, new byte[0], "x".repeat(500).getBytes(),
                Duration.ofMillis(3), true);
        assertThatThrownBy(oom::orThrow).hasMessageContaining("command [eat] exited with 137")
                .hasMessageContaining("raise withMemoryLimit").hasMessageContaining("stderr: ...");
    }
}
