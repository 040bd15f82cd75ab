package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a helper is started and ended, with shell scripts standing in for it: its standard streams
 * for each kind of {@link Stdio}, its exit status when it dies before it took a plan.
 */
class HelperSpawnTest {
    @TempDir
    Path tmp;

    /** Once the C library is bound, helpers are started with posix_spawn, whose socket these stand-ins need. */
    @BeforeAll
    static void bound() {
        assertThat(Libc.get()).isNotNull();
    }

    /** A stand-in helper; {@code $DIR} is its directory, where it may leave what it saw. */
    private Path script(String body) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bin"));
        Path script = dir.resolve("fake-helper");
        Files.writeString(script, "#!/bin/sh\nDIR=" + dir + "\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    /** What the stand-in's descriptors 0 to 3 lead to, as it wrote them to {@code $DIR/fds}. */
    private static final String LINKS = "L0=$(readlink /proc/$$/fd/0); L1=$(readlink /proc/$$/fd/1); "
            + "L2=$(readlink /proc/$$/fd/2); L3=$(readlink /proc/$$/fd/3); printf '%s\\n' $L0 $L1 $L2 $L3 > $DIR/fds";

    private List<String> links() throws IOException {
        return Files.readAllLines(tmp.resolve("bin/fds"));
    }

    @Test
    void pipesCarryTheStreamsAndTheExitStatusIsTheHelpers() throws Exception {
        Helper helper = Helper.spawn(script("cat; echo err >&2; exit 3"), tmp.resolve("h.sock"), Stdio.pipes());
        helper.stdin().write("through stdin\n".getBytes(StandardCharsets.UTF_8));
        helper.stdin().close();
        assertThat(new String(helper.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("through stdin\n");
        assertThat(new String(helper.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
        assertThat(helper.waitFor()).isEqualTo(3);
        assertThat(helper.process).isInstanceOf(SpawnedProcess.class);
        assertThat(helper.process.isAlive()).isFalse();
        assertThat(tmp.resolve("h.sock")).as("the socket file goes once connected").doesNotExist();
    }

    @Test
    void inheritedStreamsAreTheJvmsAndTheSocketIsDescriptorThree() throws Exception {
        Helper helper = Helper.spawn(script(LINKS), tmp.resolve("h.sock"), Stdio.inherit());
        assertThat(helper.waitFor()).isZero();
        List<String> links = links();
        for (int fd = 0; fd < 3; fd++) {
            assertThat(links.get(fd)).isEqualTo(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
        }
        assertThat(links.get(3)).startsWith("socket:[");
        assertThat(helper.stdout().read()).as("no pipe: nothing to read").isEqualTo(-1);
        assertThatThrownBy(() -> helper.stdin().write(1)).as("no pipe: nothing to write to")
                .isInstanceOf(IOException.class);
    }

    /** As a runtime's first helper: its socket is bound on another thread meanwhile. */
    @Test
    void aSocketBoundOnAnotherThreadIsWaitedForAndGivenAsDescriptorThree() throws Exception {
        Path socket = tmp.resolve("late.sock");
        java.util.concurrent.FutureTask<java.nio.channels.ServerSocketChannel> listening =
                new java.util.concurrent.FutureTask<>(() -> {
                    Thread.sleep(200);
                    return Helper.listen(socket);
                });
        new Thread(listening).start();
        Helper helper = Helper.spawn(script(LINKS), socket, listening, Stdio.discard());
        assertThat(helper.process).isInstanceOf(SpawnedProcess.class);
        assertThat(helper.waitFor()).isZero();
        assertThat(links().get(3)).startsWith("socket:[");
        assertThat(socket).as("the socket file goes once connected").doesNotExist();
        assertThat(listening.get().isOpen()).as("the server socket is closed").isFalse();
    }

    @Test
    void discardedAndFileStreams() throws Exception {
        Helper discarding = Helper.spawn(script(LINKS + "; echo lost"), tmp.resolve("h.sock"), Stdio.discard());
        assertThat(discarding.waitFor()).isZero();
        assertThat(links().subList(0, 3)).containsOnly("/dev/null");

        Path out = tmp.resolve("out.log");
        Path err = tmp.resolve("err.log");
        Files.writeString(out, "before\n");
        Helper toFiles = Helper.spawn(script(LINKS + "; echo out; echo err >&2"), tmp.resolve("h.sock"),
                Stdio.files(out, err));
        assertThat(toFiles.waitFor()).isZero();
        assertThat(links().subList(0, 3)).containsExactly("/dev/null", out.toString(), err.toString());
        assertThat(Files.readString(out)).as("appended").isEqualTo("before\nout\n");
        assertThat(Files.readString(err)).isEqualTo("err\n");

        Helper truncating = Helper.spawn(script("echo new"), tmp.resolve("h.sock"),
                new Stdio(Redirect.PIPE, Redirect.to(out.toFile()), Redirect.INHERIT));
        assertThat(truncating.waitFor()).isZero();
        assertThat(Files.readString(out)).isEqualTo("new\n");
    }

    @Test
    void aFileThatCannotBeOpenedIsNamed() {
        Path missing = tmp.resolve("no/such/dir/out.log");
        assertThatThrownBy(() -> Helper.spawn(script("true"), tmp.resolve("h.sock"), Stdio.files(missing, missing)))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageContaining("cannot open '" + missing + "' for standard output: No such file or directory");
        assertThat(tmp.resolve("h.sock")).doesNotExist();
    }

    @Test
    void aHelperThatCannotBeExecutedIsNamed() throws IOException {
        Path notExecutable = Files.writeString(tmp.resolve("plain"), "#!/bin/sh\n");
        assertThatThrownBy(() -> Helper.spawn(notExecutable, tmp.resolve("h.sock"), Stdio.discard()))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessage("cannot start the helper '" + notExecutable + "': posix_spawn: Permission denied");
        assertThat(tmp.resolve("h.sock")).doesNotExist();
    }

    @Test
    void aHelperThatDiesBeforeItTakesItsPlanGivesItsStatus() throws IOException {
        Path helper = script("exit 7");
        Plan beforeClone = new Plan().add(Op.CLONE, 0);
        Plan afterClone = new Plan().add(Op.GO).add(Op.ARG, "true").add(Op.EXEC, "/bin");
        assertThatThrownBy(() -> Helper.spawn(helper, tmp.resolve("h.sock"), Stdio.discard()).clone(beforeClone)
                .begin(afterClone))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageStartingWith("the helper '" + helper + "' (pid ")
                .hasMessageContaining(") exited with status 7 before");
    }

    @Test
    void aHelperThatOutlivesItsWaitIsEndedAndReaped() throws IOException {
        Helper helper = Helper.spawn(script("exec sleep 30"), tmp.resolve("h.sock"), Stdio.discard());
        assertThat(helper.waitFor(Duration.ofMillis(100))).isEmpty();
        assertThat(helper.process.isAlive()).isTrue();
        helper.process.destroy();
        assertThat(helper.awaitExit(Duration.ofSeconds(5))).isTrue();
        assertThat(helper.waitFor()).as("128 + SIGKILL, as the JDK reports it").isEqualTo(137);
        assertThat(Path.of("/proc/" + helper.process.pid())).as("reaped").doesNotExist();
    }
}
