package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code withTty()}: the process's standard streams are one pseudo-terminal, as with {@code docker run -t}. */
class TerminalTest {

    static final ContainerSpec BUSYBOX = Containers.image(BusyboxImage.NAME);

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    @Test
    void theProcessRunsOnATerminalWhoseOutputIsStdout() {
        ExecResult r = BUSYBOX.withTty().withCommand("sh", "-c",
                "tty; [ -t 0 ] && echo in-tty; stty size; echo $TERM; echo to-stderr >&2; exit 3").run();
        assertThat(r.exitCode()).isEqualTo(3);
        // The terminal's line discipline turns \n into \r\n, as docker run -t shows.
        assertThat(r.stdout()).isEqualTo("/dev/pts/0\r\nin-tty\r\n24 80\r\nxterm\r\nto-stderr\r\n");
        assertThat(r.stderr()).isEmpty();
        assertThat(BUSYBOX.withTty(132, 50).withEnv("TERM", "vt100").withCommand("sh", "-c", "stty size; echo $TERM")
                .run().stdout()).isEqualTo("50 132\r\nvt100\r\n");
        assertThat(BUSYBOX.withCommand("sh", "-c", "[ -t 0 ] || echo no-tty").run().stdout())
                .as("without withTty, pipes").isEqualTo("no-tty\n");
    }

    @Test
    void stdinIsTypedIntoTheTerminalAndEchoed() {
        // 0x04 (Ctrl-D) at the start of a line is the terminal's end of file: cat ends.
        ExecResult r = BUSYBOX.withTty().withStdin("hello\nfor cat\n\u0004")
                .withCommand("sh", "-c", "read line; echo got $line; cat; echo end").run();
        assertThat(r.exitCode()).isZero();
        assertThat(r.stdout()).isEqualTo("hello\r\nfor cat\r\ngot hello\r\nfor cat\r\nend\r\n");
    }

    @Test
    void aStartedContainerTakesInputIsResizedAndFollowedByteForByte() throws Exception {
        try (Container c = BUSYBOX.withTty().withCommand("sh", "-c",
                "printf 'name? '; read a; echo hi $a; stty size; read b; stty size; exit 7").start()) {
            ByteArrayOutputStream followed = new ByteArrayOutputStream();
            CountDownLatch ended = new CountDownLatch(1);
            c.followOutput(followed, ended::countDown);
            awaitOutput(c, "name? ");
            c.terminalInput().write("joe\n".getBytes(StandardCharsets.UTF_8));
            awaitOutput(c, "24 80\r\n");
            assertThat(c.exec("sh", "-c", "[ -t 1 ] || echo piped").stdout()).as("exec without a terminal, as docker's")
                    .isEqualTo("piped\n");
            c.resizeTerminal(100, 40);
            c.terminalInput().write("\n".getBytes(StandardCharsets.UTF_8));
            ExecResult r = c.waitFor(Duration.ofSeconds(20));
            assertThat(r.exitCode()).isEqualTo(7);
            assertThat(r.stdout()).isEqualTo("name? joe\r\nhi joe\r\n24 80\r\n\r\n40 100\r\n");
            assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(followed.toString(StandardCharsets.UTF_8)).isEqualTo(r.stdout());
            assertThatThrownBy(() -> c.resizeTerminal(10, 10)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited");
        }
        try (Container c = BUSYBOX.withCommand("true").start()) {
            assertThatThrownBy(c::terminalInput).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has no terminal").hasMessageContaining("withTty()");
        }
        assertThatThrownBy(() -> BUSYBOX.withTty(0, 24)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x24");
    }

    private static void awaitOutput(Container c, String end) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.stdout().endsWith(end)) {
            assertThat(System.nanoTime()).as("output ending with '%s', got '%s'", end, c.stdout()).isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
