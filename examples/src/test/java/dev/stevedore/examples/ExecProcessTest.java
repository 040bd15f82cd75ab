package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecProcess;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code Container.execStart}: a process started in a running container, attached as with {@code docker exec -i(t)}. */
class ExecProcessTest {

    static final ContainerSpec SLEEPER = Containers.image(BusyboxImage.NAME).withCommand("sleep", "600")
            .withEnv("GREETING", "hi");

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    @Test
    void pipesCarryInputOutputAndErrorApartAndTheExitCodeComesBack() throws Exception {
        try (Container c = SLEEPER.start(); ExecProcess p = c.execStart("sh", "-c",
                "read line; echo $GREETING got $line; echo oops >&2; [ -t 0 ] || echo no-tty; exit 3")) {
            assertThat(p.hasTty()).isFalse();
            p.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
            p.stdin().close();
            assertThat(text(p.stdout())).isEqualTo("hi got hello\nno-tty\n");
            assertThat(text(p.stderr())).isEqualTo("oops\n");
            assertThat(p.waitFor()).isEqualTo(3);
            assertThat(p.command()).containsExactly("sh", "-c",
                    "read line; echo $GREETING got $line; echo oops >&2; [ -t 0 ] || echo no-tty; exit 3");
            assertThat(p.toString()).contains(c.id()).contains("pid=" + p.pid());
        }
    }

    @Test
    void aTerminalEchoesIsResizedAndHasTerm() throws Exception {
        try (Container c = SLEEPER.start(); ExecProcess sh = c.execStartWithTty(100, 30, "sh")) {
            assertThat(sh.hasTty()).isTrue();
            type(sh, "stty size; tty; echo $TERM $GREETING; echo err >&2\n");
            String screen = awaitOutput(sh.stdout(), "err\r\n");
            assertThat(screen).contains("30 100\r\n").contains("/dev/pts/").contains("xterm hi\r\n");
            sh.resizeTerminal(120, 40);
            type(sh, "stty size; exit 5\n");
            assertThat(awaitOutput(sh.stdout(), "40 120\r\n")).isNotEmpty();
            assertThat(sh.waitFor(Duration.ofSeconds(20))).hasValue(5);
            assertThat(text(sh.stderr())).as("a terminal has one output").isEmpty();
        }
    }

    @Test
    void killWaitWithTimeoutAndCloseEndTheProcess() throws Exception {
        try (Container c = SLEEPER.start()) {
            ExecProcess sleeper = c.execStart("sleep", "300");
            assertThat(sleeper.waitFor(Duration.ofMillis(100))).as("still running").isEqualTo(OptionalInt.empty());
            sleeper.kill("TERM");
            assertThat(sleeper.waitFor()).isEqualTo(128 + 15);
            ExecProcess other = c.execStart("sleep", "300");
            other.close();
            assertThat(other.waitFor(Duration.ofSeconds(5))).as("closed: killed").hasValue(128 + 9);
            assertThat(c.exec("true").exitCode()).as("the container still runs").isZero();
            try (ExecProcess noTty = c.execStart("true")) {
                assertThatThrownBy(() -> noTty.resizeTerminal(80, 24)).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("has no terminal");
            }
        }
    }

    @Test
    void failuresSayWhat() throws Exception {
        try (Container c = SLEEPER.start()) {
            try (ExecProcess missing = c.execStart("/bin/nope")) {
                assertThat(missing.waitFor()).as("as docker exec").isEqualTo(127);
                assertThat(text(missing.stderr())).isEqualTo("exec \"/bin/nope\": no such file or directory\n");
                assertThat(missing.pid()).isEqualTo(-1);
            }
            assertThat(c.execStartWithTty(80, 24, "/etc/passwd").waitFor()).as("not executable").isEqualTo(126);
            assertThatThrownBy(() -> c.execStartWithTty(0, 24, "sh")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("0x24");
            assertThatThrownBy(() -> c.execStart()).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs a command");
        }
        try (Container c = Containers.image(BusyboxImage.NAME).withCommand("true").start()) {
            c.waitFor(Duration.ofSeconds(20));
            assertThatThrownBy(() -> c.execStart("true")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exec needs a running container");
        }
    }

    private static void type(ExecProcess p, String keys) throws IOException {
        p.stdin().write(keys.getBytes(StandardCharsets.UTF_8));
        p.stdin().flush();
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Reads the terminal until it shows {@code end}; @return all read so far */
    private static String awaitOutput(InputStream in, String end) throws IOException {
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!seen.toString().contains(end)) {
            int n = in.read(buf);
            if (n < 0) {
                throw new AssertionError("the terminal ended before showing " + end + "; it showed: " + seen);
            }
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return seen.toString();
    }
}
