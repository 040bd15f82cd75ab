package dev.stevedore.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A process running in a container: a container's own process or one added by exec.
 *
 * <p>A process whose configuration asks for a terminal ({@code process.terminal}) has one
 * pseudo-terminal as its standard input, output and error: {@link #stdin()} writes to the
 * terminal as keys typed, {@link #stdout()} reads what the terminal shows (the process's output,
 * both streams, and the echo of what was typed) and ends once every process holding the terminal
 * has closed it, and {@link #stderr()} is empty. Closing {@link #stdin()} sends no end of file on
 * a terminal: write the terminal's end-of-file character ({@code 0x04}, Ctrl-D) at the start of a
 * line instead.
 */
public interface ContainerProcess {

    /** @return the process id as the host sees it */
    long pid();

    /**
     * @return the process's standard input when it was {@link Stdio#pipes() piped}, the input of its
     *     terminal when it has one, otherwise a null stream
     */
    OutputStream stdin();

    /**
     * @return the process's standard output when it was piped, its terminal's output when it has one,
     *     otherwise an empty stream
     */
    InputStream stdout();

    /** @return the process's standard error when it was piped, otherwise (and with a terminal) an empty stream */
    InputStream stderr();

    /**
     * Changes the size of the process's terminal; the processes in its foreground get
     * {@code SIGWINCH}, as when a terminal window is resized.
     *
     * @param columns the width in characters, 1 to 65535
     * @param rows the height in lines, 1 to 65535
     * @throws IllegalStateException when the process has no terminal
     * @throws UnsupportedOperationException when the backend gives processes no terminals
     */
    default void resizeTerminal(int columns, int rows) {
        throw new UnsupportedOperationException("this backend gives processes no terminals");
    }

    /**
     * Sends a signal to the process.
     *
     * @param signal a signal number such as 15 (SIGTERM) or 9 (SIGKILL)
     */
    void kill(int signal);

    /**
     * Waits until the process has exited.
     *
     * @param timeout how long to wait at most
     * @return its exit status (the exit code, or 128 + the signal that killed it), or empty on timeout
     */
    OptionalInt waitFor(Duration timeout);

    /**
     * Waits until the process has exited.
     *
     * @return its exit status: the exit code, or 128 + the signal that killed it
     */
    int waitFor();
}
