package dev.stevedore;

import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.Signals;
import dev.stevedore.spi.ContainerProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A process started in a running container by {@link Container#execStart(String...)} or
 * {@link Container#execStartWithTty(int, int, String...)}, still attached: its input and output
 * are streams of the caller's, as with {@code docker exec -i} (or {@code -it}). Closing it kills
 * the process if it still runs. Safe for use by several threads.
 *
 * <p>Read its output while it runs: a process whose output nobody reads stops once the pipe is
 * full. With a terminal, {@link #stdout()} shows what the terminal shows (output and error, and
 * the echo of what was typed, with {@code \r\n} line endings), {@link #stderr()} is empty, and
 * closing {@link #stdin()} sends no end of file: write the terminal's end-of-file character
 * ({@code 0x04}, Ctrl-D) at the start of a line, or {@code exit}, instead.
 *
 * <pre>{@code
 * try (ExecProcess sh = container.execStartWithTty(80, 24, "sh")) {
 *     sh.stdin().write("ls /\nexit 3\n".getBytes());
 *     sh.stdin().flush();
 *     String screen = new String(sh.stdout().readAllBytes());
 *     int status = sh.waitFor();  // 3
 * }
 * }</pre>
 */
public final class ExecProcess implements AutoCloseable {

    private final ContainerProcess process;
    private final List<String> command;
    private final String containerId;
    private final boolean tty;

    ExecProcess(ContainerProcess process, List<String> command, String containerId, boolean tty) {
        this.process = process;
        this.command = List.copyOf(command);
        this.containerId = containerId;
        this.tty = tty;
    }

    /** @return the process's arguments, executable first */
    public List<String> command() {
        return command;
    }

    /** @return the host's pid of the process, or -1 when it could not be executed */
    public long pid() {
        return process.pid();
    }

    /** @return whether the process has a pseudo-terminal as its standard streams */
    public boolean hasTty() {
        return tty;
    }

    /** @return the process's standard input, or with a terminal the keys typed into it */
    public OutputStream stdin() {
        return process.stdin();
    }

    /** @return the process's standard output, or with a terminal what the terminal shows */
    public InputStream stdout() {
        return process.stdout();
    }

    /** @return the process's standard error; empty with a terminal, whose output has both */
    public InputStream stderr() {
        return process.stderr();
    }

    /**
     * Changes the size of the process's terminal; its foreground processes get {@code SIGWINCH}.
     *
     * @param columns the width in characters, 1 to 65535
     * @param rows the height in lines, 1 to 65535
     * @throws IllegalStateException when the process has no terminal
     */
    public void resizeTerminal(int columns, int rows) {
        if (!tty) {
            throw new IllegalStateException("cannot resize the terminal of exec " + command + " in container \""
                    + containerId + "\": it has no terminal; start it with execStartWithTty");
        }
        ContainerConfig.Terminal.check(columns, rows);
        process.resizeTerminal(columns, rows);
    }

    /**
     * Sends a signal to the process.
     *
     * @param signal a name ({@code TERM}, {@code SIGINT}) or a number ({@code 9})
     * @throws IllegalArgumentException when it names no signal
     */
    public void kill(String signal) {
        process.kill(Signals.parse(signal));
    }

    /**
     * Waits until the process has exited.
     *
     * @return its exit code, or 128 + the signal that ended it
     */
    public int waitFor() {
        return process.waitFor();
    }

    /**
     * Waits until the process has exited, at most {@code timeout}.
     *
     * @param timeout how long to wait
     * @return its exit code (or 128 + the signal that ended it), or empty if it still runs
     */
    public OptionalInt waitFor(Duration timeout) {
        return process.waitFor(Objects.requireNonNull(timeout, "timeout"));
    }

    /** Kills the process (SIGKILL) if it still runs, and waits for it. */
    @Override
    public void close() {
        if (process.waitFor(Duration.ZERO).isEmpty()) {
            process.kill(Signals.KILL);
            process.waitFor();
        }
    }

    @Override
    public String toString() {
        return "ExecProcess{container=" + containerId + ", command=" + command + ", pid=" + process.pid()
                + (tty ? ", tty" : "") + "}";
    }
}
