package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * One running helper: the process (whose exit status is the container process's) and the
 * socket Java talks to it over. Started with posix_spawn once the C library binding is made, the
 * helper gets the socket connected before it starts; started by the JDK meanwhile, it connects
 * itself, and its exit ends the wait for that. Either way a helper that dies at any point leaves an
 * end of file or an error naming its status, never a wait.
 */
final class Helper {

    /** A message from the helper: type, a number (pid, errno or status) and up to three strings. */
    record Message(char type, int value, String step, String path, String path2) {
        String error() {
            return Errors.message(step, path, path2, value);
        }
    }

    private static final long JVM_PID = ProcessHandle.current().pid();
    /** The helper's end of its socket, in the helper (its first argument says so). */
    private static final int SOCKET_FD = 3;
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    /** The longest wait for a killed helper to be gone. */
    private static final long KILLED_EXIT_NANOS = TimeUnit.SECONDS.toNanos(5);

    /**
     * Tests set it to start every helper through the JDK, as a fresh JVM does until the C library
     * binding is made.
     */
    static volatile boolean jdkStartOnly;

    final ChildProcess process;
    private final Path executable;
    private final SocketChannel channel;
    private volatile long pid;
    /** Held while talking to the helper; the channel is closed under it once the helper has exited. */
    private final Object lock = new Object();
    /** Held while reading the exit status; {@link #kill} must not wait for it. */
    private final Object statusLock = new Object();
    /** Set once the process was executed: from then on the only message left is the exit status. */
    private volatile boolean executed;
    /** The exit status the helper reported, before it exits itself; null until read. */
    private volatile Integer reported;

    private Helper(ChildProcess process, Path executable, SocketChannel channel) {
        this.process = process;
        this.executable = executable;
        this.channel = channel;
        // As with the JDK's onExit: the connection goes with the helper.
        // A class, not a method reference: one is made at run time, in the first container's time.
        process.whenReaped(new Runnable() {
            @Override
            public void run() {
                closeChannel();
            }
        });
    }

    /**
     * Starts a helper, connected through {@code socket} (bound only meanwhile); it then waits for its plan.
     * Call it from a long-lived launcher thread: the helper's parent-death signal fires
     * when the thread that forked it ends, so that must not be a caller's thread.
     */
    static Helper spawn(Path executable, Path socket, Stdio stdio) {
        return spawn(executable, socket, null, stdio, List.of());
    }

    /**
     * As {@link #spawn(Path, Path, Stdio)}, with {@code socket} bound meanwhile on another thread ({@link #listen}):
     * the JDK starts the helper at once, and the helper connects once the socket is bound. A fresh JVM's first
     * Unix socket takes milliseconds of CPU (the JDK sets up its socket support: selector provider, network
     * classes, a SecureRandom), which then overlap the process's start.
     */
    static Helper spawn(Path executable, Path socket, Future<ServerSocketChannel> listening, Stdio stdio) {
        return spawn(executable, socket, listening, stdio, List.of());
    }

    /** @return a server socket bound at {@code socket}, for one helper to connect to */
    static ServerSocketChannel listen(Path socket) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            closeQuietly(server);
            throw e;
        }
        return server;
    }

    /**
     * Starts a helper that outlives this JVM (for the runc-style command line): it listens on
     * {@code control} for later commands and writes the exit status to {@code exitFile}.
     */
    static Helper spawnDetached(Path executable, Path socket, Stdio stdio, Path control, Path exitFile) {
        return spawn(executable, socket, null, stdio, List.of(control.toString(), exitFile.toString()));
    }

    /**
     * posix_spawn when the C library binding is made; otherwise the JDK starts the helper, rather
     * than wait for the binding: a fresh JVM's first containers do not depend on it.
     */
    private static Helper spawn(Path executable, Path socket, Future<ServerSocketChannel> listening, Stdio stdio,
            List<String> detached) {
        return !jdkStartOnly && LibcBinding.bound() ? spawnNative(executable, socket, listening, stdio, detached)
                : spawnJdk(executable, socket, listening, stdio, detached);
    }

    /** @param listening {@code socket} being bound on another thread, or null to bind it here */
    private static Helper spawnNative(Path executable, Path socket, Future<ServerSocketChannel> listening,
            Stdio stdio, List<String> detached) {
        int helperEnd = -1;
        SocketChannel channel = null;
        try {
            try (ServerSocketChannel server = listening == null ? listen(socket) : bound(listening)) {
                helperEnd = connect(socket);
                channel = server.accept();
            } finally {
                if (listening != null) {
                    closeWhenBound(listening);
                }
                Files.deleteIfExists(socket);
            }
            List<String> argv = new ArrayList<>(List.of(executable.toString(), Integer.toString(SOCKET_FD),
                    Long.toString(JVM_PID)));
            argv.addAll(detached);
            int end = helperEnd;
            helperEnd = -1;
            return new Helper(SpawnedProcess.start(argv, stdio, end), executable, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            if (helperEnd >= 0) {
                Libc.get().close(helperEnd);
            }
            throw new ContainerBackendException("cannot start the helper '" + executable + "': " + e.getMessage(),
                    null, e);
        }
    }

    /**
     * The helper connects to {@code socket} itself; the wait for that ends when it exits, as the
     * server socket is closed then.
     *
     * @param listening {@code socket} being bound on another thread, or null to bind it here before the start
     */
    private static Helper spawnJdk(Path executable, Path socket, Future<ServerSocketChannel> listening, Stdio stdio,
            List<String> detached) {
        JdkProcess process = null;
        ServerSocketChannel server = null;
        try {
            try {
                if (listening == null) {
                    server = listen(socket);
                }
                List<String> argv = new ArrayList<>(List.of(executable.toString(), socket.toString(),
                        Long.toString(JVM_PID)));
                argv.addAll(detached);
                process = JdkProcess.start(argv, stdio);
                if (server == null) {
                    // The helper tries to connect again until then.
                    server = bound(listening);
                }
                ServerSocketChannel bound = server;
                process.whenReaped(new Runnable() {
                    @Override
                    public void run() {
                        closeQuietly(bound);
                    }
                });
                SocketChannel channel;
                try {
                    channel = server.accept();
                } catch (IOException e) {
                    throw notConnected(executable, socket, process, e);
                }
                return new Helper(process, executable, channel);
            } finally {
                if (server != null) {
                    closeQuietly(server);
                } else if (listening != null) {
                    closeWhenBound(listening);
                }
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            if (process != null) {
                // Started before its socket failed to bind: gone before the caller hears of it.
                end(process);
                process.closePipes();
            }
            throw new ContainerBackendException("cannot start the helper '" + executable + "': " + e.getMessage(),
                    null, e);
        }
    }

    /** @return the server socket bound on another thread; its failure to bind as an IOException */
    private static ServerSocketChannel bound(Future<ServerSocketChannel> listening) throws IOException {
        try {
            return listening.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) {
                throw (IOException) e.getCause();
            }
            throw new IOException("cannot listen: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the socket was bound");
        }
    }

    /** Closes a server socket not used after all, once it is bound; one that failed to bind holds nothing. */
    private static void closeWhenBound(Future<ServerSocketChannel> listening) {
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    closeQuietly(listening.get());
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The accept failed: the helper exited first (which closed the server socket), or is ended now. */
    private static ContainerBackendException notConnected(Path executable, Path socket, JdkProcess process,
            IOException e) {
        end(process);
        process.closePipes();
        Integer status = process.exitValue();
        return new ContainerBackendException("the helper '" + executable + "' (pid " + process.pid() + ") "
                + (status == null ? "did not exit" : "exited with status " + status) + " before it connected to '"
                + socket + "'" + (e instanceof java.nio.channels.ClosedChannelException
                        && !(e instanceof java.nio.channels.ClosedByInterruptException) ? ""
                        : " (" + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")"),
                null, e);
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
        process.closePipes();
    }

    long pid() {
        return pid;
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
            process.signal(signal);
        }
    }

    /** @return whether the container process has ended (its helper may still be cleaning up) */
    boolean exited() {
        return reported != null || !process.isAlive();
    }

    OptionalInt waitFor(Duration timeout) {
        Integer status = reported;
        if (status != null) {
            return OptionalInt.of(status);
        }
        try {
            return process.awaitExit(timeout.toNanos(), true) ? OptionalInt.of(process.exitValue())
                    : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for pid " + pid, null, e);
        }
    }

    /** Waits for the helper itself to exit, having released the container's mounts and left its cgroups. */
    boolean awaitExit(Duration timeout) {
        try {
            return process.awaitExit(timeout.toNanos(), true);
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
            process.awaitExit(Long.MAX_VALUE, true);
            return process.exitValue();
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
                        // It exits now, after unmounting; reaped by whoever waits for that, or later.
                        process.reapLater();
                    }
                }
            } catch (IOException e) {
                // Closed once the helper exited, or by an interrupt: its exit tells.
            }
            return reported;
        }
    }

    OutputStream stdin() {
        return process.stdin();
    }

    InputStream stdout() {
        return process.stdout();
    }

    InputStream stderr() {
        return process.stderr();
    }

    /** Closes the connection; a helper still running is reaped once it has exited, when another one starts. */
    void close() {
        closeChannel();
        process.reapLater();
    }

    private void closeChannel() {
        synchronized (lock) {
            closeQuietly(channel);
        }
    }

    /** Kills the helper and waits (briefly, uninterrupted) until it is gone. */
    private void end() {
        end(process);
    }

    private static void end(ChildProcess process) {
        process.destroy();
        try {
            process.awaitExit(KILLED_EXIT_NANOS, false);
        } catch (InterruptedException e) {
            throw new AssertionError("an uninterruptible wait was interrupted", e);
        }
    }

    /** The connection ended or failed: the helper died, or is ended now; its status says why. */
    private ContainerBackendException lost(IOException e, String when) {
        end();
        Integer status = process.exitValue();
        return new ContainerBackendException("the helper '" + executable + "' (pid " + process.pid() + ") "
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
