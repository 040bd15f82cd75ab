package dev.stevedore.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.Engine;
import dev.stevedore.testing.BusyboxImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's commands, run in-process on the default engine as a user would type them. */
class StevedoreCliTest {

    record Outcome(int status, String out, String err) {
    }

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    static Outcome cli(String... args) {
        return cliWithInput("", args);
    }

    static Outcome cliWithInput(String input, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = new StevedoreCli(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .run(List.of(args));
        return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void buildTagsTheImageAndDumpsTheSyntaxTree(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM busybox:1.36\nARG WHO=nobody\nRUN echo hi $WHO > /hi\n"
                + "CMD [\"cat\", \"/hi\"]\n");
        Outcome build = cli("build", "--no-cache", "-t", "cli-built:1", "--build-arg", "WHO=cli", dir.toString());
        assertThat(build.status()).as(build.err()).isZero();
        assertThat(build.out()).startsWith("Built cli-built:1 sha256:");
        assertThat(build.err()).contains("#2 [0 2] RUN echo hi $WHO > /hi").contains("#2 DONE");
        assertThat(cli("run", "--rm", "cli-built:1").out()).isEqualTo("hi cli\n");
        assertThat(cli("build", "-t", "cli-built:1", "--build-arg", "WHO=cli", dir.toString()).err())
                .contains("#2 CACHED").doesNotContain("DONE");
        Outcome dump = cli("build", "--dump-ast", dir.resolve("Dockerfile").toString());
        assertThat(dump.out()).isEqualTo("(from \"busybox:1.36\")\n(arg \"WHO=nobody\")\n(run \"echo hi $WHO > /hi\")\n"
                + "(cmd \"cat\" \"/hi\")\n");
        Files.writeString(dir.resolve("Dockerfile"), "FROM busybox:1.36\nFROB x\n");
        Outcome bad = cli("build", dir.toString());
        assertThat(bad.status()).isEqualTo(125);
        assertThat(bad.err()).startsWith("stevedore: Dockerfile:2: ").doesNotContain("Exception");
    }

    @Test
    void buildTakesEveryOptionItDocuments(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Alt.dockerfile"), "FROM busybox:1.36 AS one\nARG WHO=nobody\nENV WHO=$WHO\n"
                + "FROM one AS two\nENV STAGE=two\n");
        Outcome build = cli("build", "-f", dir.resolve("Alt.dockerfile").toString(), "--target", "one",
                "-t", "cli-flags:a", "--tag", "cli-flags:b", "--build-arg", "WHO=flags", "--label", "purpose=test",
                "--network", "none", "--no-cache", "-q", dir.toString());
        assertThat(build.status()).as(build.err()).isZero();
        assertThat(build.out()).matches("sha256:[0-9a-f]{64}\n");
        assertThat(build.err()).as("quiet").isEmpty();
        Outcome a = cli("inspect", "cli-flags:a");
        assertThat(a.out()).contains(build.out().strip()).contains("WHO=flags").contains("\"purpose\" : \"test\"")
                .doesNotContain("STAGE=two");
        assertThat(cli("inspect", "cli-flags:b").out()).contains(build.out().strip());
        assertThat(cli("build", "--network", "bridge", dir.toString()).err())
                .contains("--network bridge: RUN steps take none or host");
        assertThat(cli("build", "--label", "novalue", dir.toString()).err()).contains("--label novalue: expected NAME=VALUE");
    }

    @Test
    void runWithDockerFlags(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("in"), "mounted\n");
        // uid 1000 in the container must be able to read the mounted directory.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Outcome o = cli("run", "--rm", "-v", dir + ":/data", "-e", "GREETING=hi", "-w", "/data", "-u", "app",
                "-m", "64m", "busybox:1.36", "sh", "-c", "echo $GREETING; pwd; id -u; cat in; exit 5");
        assertThat(o.status()).isEqualTo(5);
        assertThat(o.out()).isEqualTo("hi\n/data\n1000\nmounted\n");
    }

    @Test
    void runWithTtyGivesTheContainerATerminalWithoutOneHere() {
        // The test's standard input is no terminal: the container's still gets one, of 80x24, as with docker.
        Outcome o = cli("run", "--rm", "-t", "busybox:1.36", "sh", "-c", "tty; [ -t 1 ] && echo out-tty; stty size; "
                + "echo err >&2; exit 4");
        assertThat(o.status()).as(o.err()).isEqualTo(4);
        assertThat(o.out()).isEqualTo("/dev/pts/0\r\nout-tty\r\n24 80\r\nerr\r\n");
        assertThat(o.err()).isEmpty();
    }

    @Test
    void execPassesInputOnlyWithIAndATerminalWithT() {
        Outcome run = cli("run", "-d", "--name", "cli-exec", "busybox:1.36", "sleep", "600");
        assertThat(run.status()).as(run.err()).isZero();
        try {
            Outcome piped = cliWithInput("line one\n", "exec", "-i", "cli-exec", "sh", "-c",
                    "read a; echo got $a; echo err >&2; exit 6");
            assertThat(piped.status()).as(piped.err()).isEqualTo(6);
            assertThat(piped.out()).isEqualTo("got line one\n");
            assertThat(piped.err()).isEqualTo("err\n");
            assertThat(cliWithInput("not passed\n", "exec", "cli-exec", "sh", "-c", "cat; echo after-eof").out())
                    .as("without -i the process reads end of file").isEqualTo("after-eof\n");
            // The test's standard input is no terminal: the process's still gets one, of 80x24, as with docker.
            Outcome tty = cliWithInput("echo $TERM; stty size; exit 3\n", "exec", "-it", "cli-exec", "sh");
            assertThat(tty.status()).as(tty.err()).isEqualTo(3);
            assertThat(tty.out()).contains("xterm\r\n").contains("24 80\r\n");
            assertThat(tty.err()).isEmpty();
            Outcome missing = cli("exec", "cli-exec", "/bin/nope");
            assertThat(missing.status()).isEqualTo(127);
            assertThat(missing.err()).isEqualTo("exec \"/bin/nope\": no such file or directory\n");
            assertThat(cli("exec", "-x", "cli-exec", "true").err()).contains("exec: unknown flag -x");
        } finally {
            assertThat(cli("rm", "-f", "cli-exec").status()).isZero();
        }
    }

    @Test
    void detachedContainerPsExecLogsStopRm() {
        Outcome run = cli("run", "-d", "--name", "cli-web", "busybox:1.36", "sh", "-c", "echo up; sleep 600");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("cli-web\n");
        try {
            assertThat(cli("ps").out()).contains("cli-web").contains("busybox:1.36").contains("Up");
            Outcome exec = cli("exec", "cli-web", "hostname");
            assertThat(exec.out()).isEqualTo("cli-web\n");
            assertThat(cli("logs", "cli-web").out()).isEqualTo("up\n");
            assertThat(cli("stop", "-t", "0", "cli-web").status()).isZero();
            assertThat(cli("ps").out()).contains("Exited (137)");
        } finally {
            assertThat(cli("rm", "cli-web").status()).isZero();
        }
        assertThat(cli("ps").out()).doesNotContain("cli-web");
        assertThat(cli("logs", "cli-web").err()).contains("no detached container \"cli-web\"");
    }

    @Test
    void imageCommands(@TempDir Path dir) {
        assertThat(cli("tag", "busybox:1.36", "cli-box:1").status()).isZero();
        assertThat(cli("images").out()).contains("cli-box:1").contains("busybox:1.36");
        assertThat(cli("inspect", "cli-box:1").out()).contains("\"Cmd\"").contains("docker.io/library/cli-box:1");
        Path archive = dir.resolve("box.tar");
        assertThat(cli("save", "-o", archive.toString(), "cli-box:1").status()).isZero();
        assertThat(cli("rmi", "cli-box:1").out()).isEqualTo("Untagged: docker.io/library/cli-box:1\n");
        assertThat(cli("load", "-i", archive.toString()).out()).isEqualTo("Loaded image: cli-box:1\n");
        assertThat(cli("rmi", "cli-box:1").status()).isZero();
    }

    @Test
    void errorsAreOneLineWithStatus125() {
        Outcome o = cli("run", "busybx", "true");
        assertThat(o.status()).isEqualTo(125);
        assertThat(o.err()).startsWith("stevedore: image \"busybx\" not found in store").doesNotContain("Exception");
        assertThat(cli("frobnicate").err()).contains("unknown command \"frobnicate\"");
        assertThat(cli("run", "-m", "lots", "busybox:1.36").err()).contains("\"lots\" is not a size");
    }

    @Test
    void doctorPrintsTheReport() {
        Outcome o = cli("doctor");
        assertThat(o.status()).isZero();
        assertThat(o.out()).contains("backend").contains("cgroups").contains("overlayfs");
    }
}
