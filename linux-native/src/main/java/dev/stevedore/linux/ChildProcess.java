package dev.stevedore.linux;

import java.io.InputStream;
import java.io.OutputStream;

/**
 * What a {@link Helper} needs of its process: {@link SpawnedProcess} (posix_spawn through the C
 * library binding, the fast way once that is bound) or {@link JdkProcess} (the JDK's own process
 * start, which needs no binding: the first helper of a fresh JVM does not wait for it).
 */
interface ChildProcess {
    long pid();

    /** @return the pipe to its standard input; when that is no pipe, a stream that refuses writes */
    OutputStream stdin();

    /** @return the pipe of its standard output; when that is no pipe, an empty stream */
    InputStream stdout();

    /** @return the pipe of its standard error; when that is no pipe, an empty stream */
    InputStream stderr();

    /**
     * Sets what to do once the child is reaped; keep it short, as it may run under the lock that
     * reaps the child. Set right after the start, before anything waited for the child.
     */
    void whenReaped(Runnable action);

    /** @return whether the child runs */
    boolean isAlive();

    /** Sends a signal unless the child has exited. */
    void signal(int signal);

    /** Kills the child (SIGKILL) unless it has exited. */
    void destroy();

    /** @return the exit value, as the JDK's: the exit code, or 128 + the signal that ended it; null until reaped */
    Integer exitValue();

    /**
     * Waits until the child has exited and is reaped.
     *
     * @param nanos the longest wait; {@code Long.MAX_VALUE}: no limit
     * @param interruptible whether an interrupt ends the wait; if not, the interrupt is kept for later
     * @return whether it exited in time
     */
    boolean awaitExit(long nanos, boolean interruptible) throws InterruptedException;

    /** Its exit is due and nobody waits for it: it is to be reaped without a caller waiting. */
    void reapLater();

    /** Closes the parent's ends of the pipes, which nobody is to read or write. */
    void closePipes();
}
