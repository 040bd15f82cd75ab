package dev.stevedore.linux;

import dev.stevedore.spi.Stdio;
import java.io.Closeable;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A child started by the JDK ({@link ProcessBuilder}): slower than {@link SpawnedProcess} (a
 * jspawnhelper process execs the child, and a reaper thread waits for it), but it needs no C library
 * binding, which a fresh JVM takes a hundred milliseconds of CPU to make. The JDK passes the child
 * no descriptor beyond its standard streams, so a helper started so connects to the JVM itself.
 */
final class JdkProcess implements ChildProcess {
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;

    private final Process process;
    private final OutputStream stdin;
    private final CompletableFuture<Process> exited;

    private JdkProcess(Process process) {
        this.process = process;
        this.stdin = new Unbuffered(process.getOutputStream());
        this.exited = process.onExit();
    }

    /**
     * Starts {@code argv}, the executable first, with the standard streams of {@code stdio}.
     *
     * @throws IOException naming what could not be opened or started
     */
    static JdkProcess start(List<String> argv, Stdio stdio) throws IOException {
        return new JdkProcess(new ProcessBuilder(argv).redirectInput(stdio.stdin()).redirectOutput(stdio.stdout())
                .redirectError(stdio.stderr()).start());
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return process.getInputStream();
    }

    @Override
    public InputStream stderr() {
        return process.getErrorStream();
    }

    /**
     * Runs {@code action} on the thread that sees the exit (or at once if the child has exited);
     * unlike {@link SpawnedProcess}, more than one action may be set.
     */
    @Override
    public void whenReaped(Runnable action) {
        exited.thenRun(action);
    }

    @Override
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * SIGTERM and SIGKILL go through the JDK, which sends none to a reaped child; any other signal
     * needs the C library binding (waiting for it to be made), as the JDK sends only those two.
     *
     * @throws IllegalStateException for another signal when the C library cannot be bound
     */
    @Override
    public void signal(int signal) {
        if (signal == SIGKILL) {
            process.destroyForcibly();
        } else if (signal == SIGTERM) {
            process.destroy();
        } else if (process.isAlive()) {
            // As the JDK's destroy: a child that exits just now and is reaped before the kill leaves a window in
            // which its pid could be reused; the helper's own relay of signals is what callers use while it runs.
            Libc.get().kill((int) process.pid(), signal);
        }
    }

    @Override
    public void destroy() {
        process.destroyForcibly();
    }

    @Override
    public Integer exitValue() {
        try {
            return process.exitValue();
        } catch (IllegalThreadStateException e) {
            return null;
        }
    }

    @Override
    public boolean awaitExit(long nanos, boolean interruptible) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    if (nanos == Long.MAX_VALUE) {
                        process.waitFor();
                        return true;
                    }
                    return process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    if (interruptible) {
                        throw e;
                    }
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Nothing to do: the JDK reaps every child it starts. */
    @Override
    public void reapLater() {
    }

    @Override
    public void closePipes() {
        closeQuietly(process.getOutputStream());
        closeQuietly(process.getInputStream());
        closeQuietly(process.getErrorStream());
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // Nothing left to release.
        }
    }

    /** The JDK buffers standard input; written through at once here, as a {@link SpawnedProcess}'s pipe is. */
    private static final class Unbuffered extends FilterOutputStream {
        Unbuffered(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            out.flush();
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            out.flush();
        }
    }
}
