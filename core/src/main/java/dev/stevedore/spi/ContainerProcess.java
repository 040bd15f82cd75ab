package dev.stevedore.spi;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/** A process running in a container: a container's own process or one added by exec. */
public interface ContainerProcess {

    /** @return the process id as the host sees it */
    long pid();

    /** @return the process's standard input when it was {@link Stdio#pipes() piped}, otherwise a null stream */
    OutputStream stdin();

    /** @return the process's standard output when it was piped, otherwise an empty stream */
    InputStream stdout();

    /** @return the process's standard error when it was piped, otherwise an empty stream */
    InputStream stderr();

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
