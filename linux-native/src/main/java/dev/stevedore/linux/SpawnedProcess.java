package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jnr.constants.platform.Errno;

/**
 * A child started with posix_spawn (glibc: a vfork, then the child's exec), what the helper needs
 * of {@link java.lang.Process} without its cost: ProcessBuilder starts a jspawnhelper process that
 * execs the child, and waits for every child on a reaper thread of its own.
 *
 * <p>Nothing waits for the exit in the background. Whoever needs it reaps the child (waitpid on its
 * pid only: the JDK reaps its own children by pid too); a child whose exit is due but that nobody
 * waits for is handed to {@link #reapLater()}, and reaped when a later child is started.
 */
final class SpawnedProcess implements ChildProcess {
    /** The JVM's environment, which children inherit as the JDK's do. */
    private static final String[] ENVIRONMENT = environment();
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final int O_CLOEXEC = 02000000;
    private static final int WNOHANG = 1;
    private static final int EINTR = 4;
    private static final int SIGKILL = 9;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final short POLLIN = 1;
    /** How long an uninterruptible native wait lasts before an interrupt is looked for. */
    private static final int WAIT_SLICE_MILLIS = 100;
    /** Children whose exit is due and that nobody waits for. */
    private static final Set<SpawnedProcess> DUE = ConcurrentHashMap.newKeySet();

    private final int pid;
    /** The parent's ends of the pipes of standard input, output and error; null for what is no pipe. */
    private final NativeFd[] pipes;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    /** Held while reaping or signalling: a pid not yet reaped is still this child's. */
    private final Object exitLock = new Object();
    /** The exit value once reaped. */
    private volatile Integer exitValue;
    private volatile Runnable whenReaped;

    private SpawnedProcess(int pid, NativeFd[] pipes) {
        this.pid = pid;
        this.pipes = pipes;
        OutputStream noInput = OutputStream.nullOutputStream();
        try {
            noInput.close();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        // As the JDK's Process: a stream that is not a pipe is empty, or refuses writes.
        this.stdin = pipes[0] == null ? noInput : pipes[0].output(true);
        this.stdout = pipes[1] == null ? InputStream.nullInputStream() : pipes[1].input(true);
        this.stderr = pipes[2] == null ? InputStream.nullInputStream() : pipes[2].input(true);
    }

    /**
     * Loops rather than streams and lambdas in this class: the first helper is spawned in a fresh JVM,
     * where each lambda is a class made at run time.
     */
    private static String[] environment() {
        Map<String, String> env = System.getenv();
        String[] entries = new String[env.size()];
        int i = 0;
        for (Map.Entry<String, String> e : env.entrySet()) {
            entries[i++] = e.getKey() + "=" + e.getValue();
        }
        return entries;
    }

    /**
     * Starts {@code argv}, the executable first, with the standard streams of {@code stdio}.
     *
     * @param extra becomes the child's descriptor 3 (then closed here), or -1; every other
     *     descriptor of the JVM without close-on-exec is inherited too, which the child must close
     * @throws IOException naming what could not be opened or started
     */
    static SpawnedProcess start(List<String> argv, Stdio stdio, int extra) throws IOException {
        for (SpawnedProcess due : DUE) {
            if (due.reaped()) {
                DUE.remove(due);
            }
        }
        Libc libc = Libc.get();
        int[] childEnds = {-1, -1, -1, extra};
        NativeFd[] pipes = new NativeFd[3];
        boolean started = false;
        try {
            childEnds[0] = childEnd(stdio.stdin(), 0, pipes);
            childEnds[1] = childEnd(stdio.stdout(), 1, pipes);
            childEnds[2] = childEnd(stdio.stderr(), 2, pipes);
            byte[] actions = new byte[256];
            check(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
            try {
                // Descriptor 3 last: a pipe that happens to be descriptor 3 here is copied to its target first.
                for (int target = 0; target < childEnds.length; target++) {
                    if (childEnds[target] >= 0) {
                        check(libc.posix_spawn_file_actions_adddup2(actions, childEnds[target], target),
                                "posix_spawn_file_actions_adddup2");
                    }
                }
                int[] pid = new int[1];
                check(libc.posix_spawn(pid, argv.get(0), actions, null, argv.toArray(new String[0]), ENVIRONMENT),
                        "posix_spawn");
                started = true;
                return new SpawnedProcess(pid[0], pipes);
            } finally {
                libc.posix_spawn_file_actions_destroy(actions);
            }
        } finally {
            for (int fd : childEnds) {
                if (fd >= 0) {
                    libc.close(fd);
                }
            }
            if (!started) {
                closePipes(pipes);
            }
        }
    }

    /**
     * Opens what the child's standard stream {@code target} is, close-on-exec as every descriptor
     * of this JVM; the parent's end of a pipe goes to {@code pipes}.
     *
     * @return the descriptor to give the child, or -1 to let it inherit the JVM's
     */
    private static int childEnd(Redirect redirect, int target, NativeFd[] pipes) throws IOException {
        String stream = target == 0 ? "standard input" : target == 1 ? "standard output" : "standard error";
        return switch (redirect.type()) {
            case INHERIT -> -1;
            case PIPE -> {
                int[] fds = new int[2];
                if (Libc.get().pipe2(fds, O_CLOEXEC) < 0) {
                    throw new IOException("cannot make a pipe for " + stream + ": " + Libc.error());
                }
                pipes[target] = new NativeFd(target == 0 ? fds[1] : fds[0], "the pipe of " + stream);
                yield target == 0 ? fds[0] : fds[1];
            }
            case READ -> open(redirect, O_RDONLY, stream);
            case WRITE -> open(redirect, O_WRONLY | O_CREAT | O_TRUNC, stream);
            case APPEND -> open(redirect, O_WRONLY | O_CREAT | O_APPEND, stream);
        };
    }

    private static int open(Redirect redirect, int flags, String stream) throws IOException {
        int fd = Libc.get().open(redirect.file().getPath(), flags | O_CLOEXEC, 0666);
        if (fd < 0) {
            throw new IOException("cannot open '" + redirect.file() + "' for " + stream + ": " + Libc.error());
        }
        return fd;
    }

    private static void check(int error, String call) throws IOException {
        if (error != 0) {
            Errno e = Errno.valueOf(error);
            throw new IOException(call + ": " + (e == null ? "errno " + error : e.description()));
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public OutputStream stdin() {
        return stdin;
    }

    @Override
    public InputStream stdout() {
        return stdout;
    }

    @Override
    public InputStream stderr() {
        return stderr;
    }

    /** Sets what to do once the child is reaped (under the lock that reaps it, so keep it short); called once. */
    @Override
    public void whenReaped(Runnable action) {
        whenReaped = action;
    }

    /** @return whether the child runs; it is reaped if it has exited */
    @Override
    public boolean isAlive() {
        return !reaped();
    }

    /** Sends a signal unless the child has exited. */
    @Override
    public void signal(int signal) {
        synchronized (exitLock) {
            if (!reaped()) {
                Libc.get().kill(pid, signal);
            }
        }
    }

    @Override
    public void destroy() {
        signal(SIGKILL);
    }

    /** @return the exit value, as the JDK's: the exit code, or 128 + the signal that ended it; null until reaped */
    @Override
    public Integer exitValue() {
        return exitValue;
    }

    /** Its exit is due and nobody waits for it: the next child started reaps it. */
    @Override
    public void reapLater() {
        if (exitValue == null) {
            DUE.add(this);
        }
    }

    /** Closes the parent's ends of the pipes, which nobody is to read or write. */
    @Override
    public void closePipes() {
        closePipes(pipes);
    }

    private static void closePipes(NativeFd[] pipes) {
        for (NativeFd pipe : pipes) {
            if (pipe != null) {
                pipe.close();
            }
        }
    }

    /**
     * Waits until the child has exited and reaps it. A pidfd makes the wait end with the exit; it
     * is polled in slices so that an interrupt is seen.
     *
     * @param nanos the longest wait; {@code Long.MAX_VALUE}: no limit
     * @return whether it exited in time
     */
    @Override
    public boolean awaitExit(long nanos, boolean interruptible) throws InterruptedException {
        int pidfd;
        synchronized (exitLock) {
            if (reaped()) {
                return true;
            }
            pidfd = (int) Libc.get().syscall(SYS_PIDFD_OPEN, pid, 0);
        }
        if (pidfd < 0) {
            throw new ContainerBackendException("cannot wait for process " + pid + ": pidfd_open: " + Libc.error()
                    + " (Linux 5.3 or later has it)", null, null);
        }
        try {
            byte[] pollfd = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putInt(pidfd).putShort(POLLIN)
                    .array();
            long deadline = System.nanoTime() + nanos;
            for (;;) {
                if (interruptible && Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long left = nanos == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
                if (left <= 0) {
                    return reaped();
                }
                int millis = (int) Math.min(WAIT_SLICE_MILLIS, (left + 999_999) / 1_000_000);
                if (Libc.get().poll(pollfd, 1, millis) > 0 && reaped()) {
                    return true;
                }
            }
        } finally {
            Libc.get().close(pidfd);
        }
    }

    /** @return whether the child has exited, reaping it then */
    private boolean reaped() {
        synchronized (exitLock) {
            if (exitValue != null) {
                return true;
            }
            int[] status = new int[1];
            int r;
            do {
                r = Libc.get().waitpid(pid, status, WNOHANG);
            } while (r < 0 && Libc.errno() == EINTR);
            if (r == 0) {
                return false;
            }
            // Should other native code have taken the status all the same (ECHILD), 0, as the JDK says then.
            exitValue = r < 0 ? 0 : decode(status[0]);
            DUE.remove(this);
            // As the JDK's Process: nothing reads standard input any more. Output pipes close when read to
            // their end, or when their streams are dropped.
            if (pipes[0] != null) {
                pipes[0].close();
            }
            Runnable action = whenReaped;
            if (action != null) {
                action.run();
            }
            return true;
        }
    }

    private static int decode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : signal == 0x7f ? status : 0x80 + signal;
    }
}
