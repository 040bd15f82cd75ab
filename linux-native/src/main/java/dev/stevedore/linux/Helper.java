package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ProcessBuilder.Redirect;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jnr.constants.platform.Errno;

/**
 * One running helper: the process (whose exit status is the container process's) and the
 * socket Java talks to it over.
 *
 * <p>It is started with posix_spawn (a vfork, then the helper's exec) rather than the JDK's
 * ProcessBuilder, which starts a jspawnhelper process first and a reaper thread for every child. Its
 * socket is connected before it starts, so a helper that dies early shows as an end of file. Nothing
 * waits for its exit in the background: whoever needs the status reaps it (waitpid on its pid only,
 * the JDK reaps its own children), and helpers whose exit is due are reaped when the next one starts.
 */
final class Helper {

    /** A message from the helper: type, a number (pid, errno or status) and up to three strings. */
    record Message(char type, int value, String step, String path, String path2) {
        String error() {
            return Errors.message(step, path, path2, value);
        }
    }

    private static final long JVM_PID = ProcessHandle.current().pid();
    /** The JVM's environment, which helpers inherit as the JDK's children do. */
    private static final String[] ENVIRONMENT = System.getenv().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    /** The helper's end of its socket, in the helper (its first argument says so). */
    private static final int SOCKET_FD = 3;
    private static final int O_RDONLY = 0;
    private static final int O_WRONLY = 1;
    private static final int O_CREAT = 0100;
    private static final int O_TRUNC = 01000;
    private static final int O_APPEND = 02000;
    private static final int O_CLOEXEC = 02000000;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int WNOHANG = 1;
    private static final int EINTR = 4;
    private static final int SIGKILL = 9;
    private static final long SYS_PIDFD_OPEN = 434;
    private static final short POLLIN = 1;
    /** How long an uninterruptible native wait lasts before an interrupt is looked for. */
    private static final int WAIT_SLICE_MILLIS = 100;
    private static final Duration KILLED_EXIT = Duration.ofSeconds(5);
    /** Helpers whose exit is due (their status was reported, or Java let go of them) and not yet reaped. */
    private static final Set<Helper> EXITING = ConcurrentHashMap.newKeySet();

    private final Path executable;
    private final int helperPid;
    private final SocketChannel channel;
    /** The parent's ends of the pipes of standard input, output and error; null for what is no pipe. */
    private final NativeFd[] pipes;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private volatile long pid;
    /** Held while talking to the helper; the channel is closed under it once the helper has exited. */
    private final Object lock = new Object();
    /** Held while reading the exit status; {@link #kill} must not wait for it. */
    private final Object statusLock = new Object();
    /** Held while reaping or signalling the helper: its pid is not reused before it is reaped. */
    private final Object exitLock = new Object();
    /** Set once the process was executed: from then on the only message left is the exit status. */
    private volatile boolean executed;
    /** The exit status the helper reported, before it exits itself; null until read. */
    private volatile Integer reported;
    /** The helper's own exit status once reaped. */
    private volatile Integer exitStatus;

    private Helper(Path executable, int helperPid, SocketChannel channel, NativeFd[] pipes) {
        this.executable = executable;
        this.helperPid = helperPid;
        this.channel = channel;
        this.pipes = pipes;
        OutputStream noInput = OutputStream.nullOutputStream();
        closeQuietly(noInput);
        // As the JDK's Process: a stream that is not a pipe is empty, or refuses writes.
        this.stdin = pipes[0] == null ? noInput : pipes[0].output(true);
        this.stdout = pipes[1] == null ? InputStream.nullInputStream() : pipes[1].input(true);
        this.stderr = pipes[2] == null ? InputStream.nullInputStream() : pipes[2].input(true);
    }

    /**
     * Starts a helper, connected; it then waits for its plan.
     * Call it from a long-lived launcher thread: the helper's parent-death signal fires
     * when the thread that forked it ends, so that must not be a caller's thread.
     *
     * @param socket where the socket is bound while the helper's end is connected; removed again
     */
    static Helper spawn(Path executable, Path socket, Stdio stdio) {
        return spawn(executable, socket, stdio, List.of());
    }

    /**
     * Starts a helper that outlives this JVM (for the runc-style command line): it listens on
     * {@code control} for later commands and writes the exit status to {@code exitFile}.
     */
    static Helper spawnDetached(Path executable, Path socket, Stdio stdio, Path control, Path exitFile) {
        return spawn(executable, socket, stdio, List.of(control.toString(), exitFile.toString()));
    }

    private static Helper spawn(Path executable, Path socket, Stdio stdio, List<String> detached) {
        EXITING.removeIf(Helper::reaped);
        Libc libc = Libc.get();
        int[] childEnds = {-1, -1, -1, -1};
        NativeFd[] pipes = new NativeFd[3];
        SocketChannel channel = null;
        boolean started = false;
        try {
            try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                server.bind(UnixDomainSocketAddress.of(socket));
                childEnds[3] = connect(socket);
                channel = server.accept();
            } finally {
                Files.deleteIfExists(socket);
            }
            childEnds[0] = stdioEnd(stdio.stdin(), 0, pipes);
            childEnds[1] = stdioEnd(stdio.stdout(), 1, pipes);
            childEnds[2] = stdioEnd(stdio.stderr(), 2, pipes);
            List<String> argv = new ArrayList<>(List.of(executable.toString(), Integer.toString(SOCKET_FD),
                    Long.toString(JVM_PID)));
            argv.addAll(detached);
            int helperPid = posixSpawn(executable, childEnds, argv);
            started = true;
            return new Helper(executable, helperPid, channel, pipes);
        } catch (IOException e) {
            throw new ContainerBackendException("cannot start the helper '" + executable + "': " + e.getMessage(),
                    null, e);
        } finally {
            for (int fd : childEnds) {
                if (fd >= 0) {
                    libc.close(fd);
                }
            }
            if (!started) {
                closeQuietly(channel);
                for (NativeFd fd : pipes) {
                    if (fd != null) {
                        fd.close();
                    }
                }
            }
        }
    }

    /** @return a new socket connected to the listening {@code socket}, for the helper */
    private static int connect(Path socket) throws IOException {
        byte[] name = socket.toString().getBytes(StandardCharsets.UTF_8);
        byte[] address = new byte[2 + name.length + 1];
        address[0] = AF_UNIX;
        System.arraycopy(name, 0, address, 2, name.length);
        Libc libc = Libc.get();
        int fd = libc.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot make a socket: " + Libc.error());
        }
        if (libc.connect(fd, address, address.length) < 0) {
            String error = Libc.error();
            libc.close(fd);
            throw new IOException("cannot connect to '" + socket + "': " + error);
        }
        return fd;
    }

    /**
     * Opens what the helper's standard stream {@code target} is, close-on-exec as every descriptor
     * of this JVM; the parent's end of a pipe goes to {@code pipes}.
     *
     * @return the descriptor to give the helper, or -1 to let it inherit the JVM's
     */
    private static int stdioEnd(Redirect redirect, int target, NativeFd[] pipes) throws IOException {
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

    /**
     * @param childEnds what becomes the helper's descriptors 0 to 3 (-1: inherited); the helper
     *     closes every other descriptor it inherits at once
     * @return the helper's pid
     */
    private static int posixSpawn(Path executable, int[] childEnds, List<String> argv) throws IOException {
        Libc libc = Libc.get();
        byte[] actions = new byte[256];
        check(libc.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
        try {
            // The socket last: a pipe that happens to be descriptor 3 here is copied to its target first.
            for (int target = 0; target < childEnds.length; target++) {
                if (childEnds[target] >= 0) {
                    check(libc.posix_spawn_file_actions_adddup2(actions, childEnds[target], target),
                            "posix_spawn_file_actions_adddup2");
                }
            }
            int[] pid = new int[1];
            check(libc.posix_spawn(pid, executable.toString(), actions, null, argv.toArray(String[]::new),
                    ENVIRONMENT), "posix_spawn");
            return pid[0];
        } finally {
            libc.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void check(int error, String call) throws IOException {
        if (error != 0) {
            Errno e = Errno.valueOf(error);
            throw new IOException(call + ": " + (e == null ? "errno " + error : e.description()));
        }
    }

    /** Sends the plan up to CLONE: the helper joins namespaces and cgroups and clones the child, which waits. */
    Helper clone(Plan beforeClone) {
        try {
            channel.write(ByteBuffer.wrap(beforeClone.encode()));
            return this;
        } catch (IOException e) {
            throw lost(e, "before it read its plan");
        }
    }

    /**
     * Sends the child's operations and waits until the process is set up and waits for the go-ahead.
     *
     * @throws ContainerBackendException naming the failed step; the helper is then gone
     */
    Helper begin(Plan afterClone) {
        return begin(afterClone, pid -> { });
    }

    /**
     * As {@link #begin(Plan)}, calling {@code paused} with the pid when the child reaches a
     * {@link Op#PAUSE}; if it throws, the helper is ended and the exception passed on.
     */
    Helper begin(Plan afterClone, java.util.function.LongConsumer paused) {
        try {
            channel.write(ByteBuffer.wrap(afterClone.encode()));
            Message first = read();
            if (first.type() != 'P') {
                throw failure(first, "create");
            }
            pid = first.value();
            Message ready = read();
            if (ready.type() == 'H') {
                try {
                    paused.accept(pid);
                } catch (RuntimeException e) {
                    end();
                    throw e;
                }
                channel.write(ByteBuffer.wrap(new byte[] {'C'}));
                ready = read();
            }
            if (ready.type() != 'R') {
                throw failure(ready, "create");
            }
            return this;
        } catch (IOException e) {
            throw lost(e, "before the process was set up");
        }
    }

    /** Ends a helper that was never given a plan, or whose process is not wanted: nobody reads its pipes. */
    void discard() {
        end();
        close();
        for (NativeFd pipe : pipes) {
            if (pipe != null) {
                pipe.close();
            }
        }
    }

    /** @return the container process's pid */
    long pid() {
        return pid;
    }

    /** @return the helper's own pid, the container process's parent */
    long helperPid() {
        return helperPid;
    }

    /** Sends the go-ahead and waits until the process was executed (or failed to be). */
    void go() {
        Message m;
        synchronized (lock) {
            try {
                channel.write(ByteBuffer.wrap(new byte[] {'G'}));
                m = read();
            } catch (IOException e) {
                m = new Message('?', 0, "", "", "");
            }
        }
        if (m.type() != 'S') {
            throw failure(m, "start");
        }
        executed = true;
    }

    /** Asks the helper to signal its child; does nothing once the child is gone. */
    void kill(int signal) {
        ByteBuffer buf = ByteBuffer.allocate(5).order(ByteOrder.nativeOrder()).put((byte) 'K').putInt(signal).flip();
        try {
            synchronized (lock) {
                if (channel.isOpen()) {
                    channel.write(buf);
                    return;
                }
            }
        } catch (IOException e) {
            // The helper has exited, or an interrupted waitFor closed the channel: see below.
        }
        // The helper relays the signals it gets; SIGKILL ends it, and the container with it (parent-death
        // signal).
        if (reported == null) {
            signal(signal);
        }
    }

    /** @return whether the helper is running (it is reaped if it has exited) */
    boolean isAlive() {
        return !reaped();
    }

    /** Ends the helper with SIGKILL, unless it has exited; {@link #awaitExit} tells when it is gone. */
    void destroy() {
        signal(SIGKILL);
    }

    /** @return whether the container process has ended (its helper may still be cleaning up) */
    boolean exited() {
        return reported != null || !isAlive();
    }

    OptionalInt waitFor(Duration timeout) {
        Integer status = reported;
        if (status != null) {
            return OptionalInt.of(status);
        }
        try {
            return awaitExit(timeout.toNanos(), true) ? OptionalInt.of(exitStatus) : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for pid " + pid, null, e);
        }
    }

    /** Waits for the helper itself to exit, having released the container's mounts and left its cgroups. */
    boolean awaitExit(Duration timeout) {
        try {
            return awaitExit(timeout.toNanos(), true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for the helper of pid " + pid, null, e);
        }
    }

    /**
     * Once the process was executed, the status comes from the helper's report, which it sends
     * before it exits itself (and unmounts the container's file systems); otherwise, or if the
     * connection ends first, from the helper's exit.
     */
    int waitFor() {
        Integer status = executed ? reportedStatus() : null;
        if (status != null) {
            return status;
        }
        try {
            awaitExit(Long.MAX_VALUE, true);
            return exitStatus;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for pid " + pid, null, e);
        }
    }

    private Integer reportedStatus() {
        synchronized (statusLock) {
            try {
                while (reported == null) {
                    Message m = read();
                    if (m.type() == 'X') {
                        reported = m.value();
                        // It exits now, after unmounting: the next helper started reaps it, if nobody waited.
                        EXITING.add(this);
                    }
                }
            } catch (IOException e) {
                // Closed once the helper exited, or by an interrupt: its exit tells.
            }
            return reported;
        }
    }

    OutputStream stdin() {
        return stdin;
    }

    InputStream stdout() {
        return stdout;
    }

    InputStream stderr() {
        return stderr;
    }

    /** Closes the connection; a helper still running is reaped once it exits, when the next helper starts. */
    void close() {
        synchronized (lock) {
            closeQuietly(channel);
        }
        if (exitStatus == null) {
            EXITING.add(this);
        }
    }

    /** Sends a signal to the helper unless it has exited: a pid not yet reaped is still its. */
    private void signal(int signal) {
        synchronized (exitLock) {
            if (!reaped()) {
                Libc.get().kill(helperPid, signal);
            }
        }
    }

    /** @return whether the helper has exited; reaps it then, and closes the connection */
    private boolean reaped() {
        synchronized (exitLock) {
            if (exitStatus != null) {
                return true;
            }
            int[] status = new int[1];
            int r;
            do {
                r = Libc.get().waitpid(helperPid, status, WNOHANG);
            } while (r < 0 && Libc.errno() == EINTR);
            if (r == 0) {
                return false;
            }
            // Nothing else reaps it: the JDK waits for its own children by pid. Should some native code have
            // taken the status all the same (ECHILD), 0, as the JDK says then.
            exitStatus = r < 0 ? 0 : decode(status[0]);
        }
        EXITING.remove(this);
        synchronized (lock) {
            closeQuietly(channel);
        }
        // As the JDK's Process: nothing reads standard input any more. Output pipes close when read to
        // their end (or when their streams are dropped).
        if (pipes[0] != null) {
            pipes[0].close();
        }
        return true;
    }

    /** The JDK's exit values: the exit code, or 128 + the signal that ended the process. */
    private static int decode(int status) {
        int signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : signal == 0x7f ? status : 0x80 + signal;
    }

    /**
     * Waits until the helper has exited and reaps it. A pidfd makes the wait end with the exit; it
     * is polled in slices so that an interrupt is seen.
     *
     * @return whether it exited within {@code nanos} ({@code Long.MAX_VALUE}: no limit)
     */
    private boolean awaitExit(long nanos, boolean interruptible) throws InterruptedException {
        int pidfd;
        synchronized (exitLock) {
            if (reaped()) {
                return true;
            }
            pidfd = (int) Libc.get().syscall(SYS_PIDFD_OPEN, helperPid, 0);
        }
        if (pidfd < 0) {
            throw new ContainerBackendException("cannot wait for the helper (pid " + helperPid + "): pidfd_open: "
                    + Libc.error() + "; Linux 5.3 or later is needed", null, null);
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

    /** Kills the helper and waits (briefly, uninterrupted) until it is gone. */
    private void end() {
        destroy();
        try {
            awaitExit(KILLED_EXIT.toNanos(), false);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /** The connection ended or failed: the helper died, or is ended now; its status says why. */
    private ContainerBackendException lost(IOException e, String when) {
        end();
        Integer status = exitStatus;
        return new ContainerBackendException("the helper '" + executable + "' (pid " + helperPid + ") "
                + (status == null ? "did not exit" : "exited with status " + status) + " " + when + " ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")", null, e);
    }

    /**
     * An error report ('E') is followed by 'S' and 'X' once the process is gone; anything else
     * means the helper itself died.
     */
    private ContainerBackendException failure(Message m, String phase) {
        if (m.type() == 'E') {
            Integer status = null;
            if (phase.equals("start")) {
                status = waitFor();
            } else {
                end();
            }
            return new ContainerBackendException(m.error(), status, null);
        }
        int status = waitFor();
        return new ContainerBackendException("the container process ended (status " + status + ") before it was "
                + (phase.equals("start") ? "executed" : "set up"), status, null);
    }

    private Message read() throws IOException {
        return read(channel);
    }

    /** Reads one message from a connection to a helper, such as a detached helper's control socket. */
    static Message read(SocketChannel channel) throws IOException {
        ByteBuffer size = readFully(channel, 4);
        ByteBuffer body = readFully(channel, size.getInt());
        char type = (char) body.get();
        int value = body.getInt();
        return new Message(type, value, string(body), string(body), string(body));
    }

    private static String string(ByteBuffer body) {
        int len = body.getInt();
        String s = new String(body.array(), body.position(), len, StandardCharsets.UTF_8);
        body.position(body.position() + len);
        return s;
    }

    private static ByteBuffer readFully(SocketChannel channel, int size) throws IOException {
        if (size < 0 || size > 1 << 16) {
            throw new IOException("bad message size " + size);
        }
        ByteBuffer buf = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        while (buf.hasRemaining()) {
            if (channel.read(buf) < 0) {
                throw new IOException("the helper closed the connection");
            }
        }
        return buf.flip();
    }

    private static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // Nothing left to release.
            }
        }
    }
}
