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
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One running helper: the process (whose exit status is the container process's) and the
 * socket Java talks to it over.
 */
final class Helper {

    /** A message from the helper: type, a number (pid, errno or status) and up to three strings. */
    record Message(char type, int value, String step, String path, String path2) {
        String error() {
            return Errors.message(step, path, path2, value);
        }
    }

    private static final long JVM_PID = ProcessHandle.current().pid();

    final java.lang.Process process;
    private final SocketChannel channel;
    private final long pid;
    /** Held while talking to the helper; the channel is closed under it once the helper has exited. */
    private final Object lock = new Object();

    private Helper(java.lang.Process process, SocketChannel channel, long pid) {
        this.process = process;
        this.channel = channel;
        this.pid = pid;
    }

    /**
     * Starts the helper, sends it the plan and waits until the process is set up and waits for
     * the go-ahead (or failed).
     *
     * @param launcher the one long-lived thread helpers are started from: the helper's parent-death
     *     signal fires when the thread that forked it ends, so that must not be a caller's thread
     */
    static Helper launch(Path executable, Path socket, Plan plan, Stdio stdio, ExecutorService launcher) {
        ServerSocketChannel server = null;
        java.lang.Process process = null;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(socket));
            ProcessBuilder pb = new ProcessBuilder(executable.toString(), socket.toString(), Long.toString(JVM_PID))
                    .redirectInput(stdio.stdin()).redirectOutput(stdio.stdout()).redirectError(stdio.stderr());
            process = launcher.submit(pb::start).get();
            ServerSocketChannel listening = server;
            // A helper that dies before connecting must not leave accept() blocked forever.
            process.onExit().thenRun(() -> closeQuietly(listening));
            SocketChannel channel;
            try {
                channel = server.accept();
            } catch (IOException e) {
                throw new ContainerBackendException("the helper '" + executable + "' exited with status "
                        + process.waitFor() + " before connecting to '" + socket + "'", null, e);
            }
            Helper helper = new Helper(process, channel, 0);
            channel.write(ByteBuffer.wrap(plan.encode()));
            Message first = helper.read();
            if (first.type() != 'P') {
                throw helper.failure(first, "create");
            }
            Helper started = new Helper(process, channel, first.value());
            Message ready = started.read();
            if (ready.type() != 'R') {
                throw started.failure(ready, "create");
            }
            process.onExit().thenRun(started::close);
            return started;
        } catch (IOException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            throw new ContainerBackendException("cannot talk to the helper over '" + socket + "': " + e, null, e);
        } catch (ExecutionException e) {
            throw new ContainerBackendException("cannot start the helper '" + executable + "': " + e.getCause(),
                    null, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (process != null) {
                process.destroyForcibly();
            }
            throw new ContainerBackendException("interrupted while creating a container", null, e);
        } catch (RuntimeException e) {
            if (process != null) {
                process.destroyForcibly();
            }
            throw e;
        } finally {
            closeQuietly(server);
            try {
                Files.deleteIfExists(socket);
            } catch (IOException e) {
                // The state directory is removed with the container anyway.
            }
        }
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
    }

    /** Asks the helper to signal its child; does nothing once the child is gone. */
    void kill(int signal) {
        ByteBuffer buf = ByteBuffer.allocate(5).order(ByteOrder.nativeOrder()).put((byte) 'K').putInt(signal).flip();
        try {
            synchronized (lock) {
                if (channel.isOpen()) {
                    channel.write(buf);
                }
            }
        } catch (IOException e) {
            // The helper has exited: so has the process.
        }
    }

    OptionalInt waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    ? OptionalInt.of(process.exitValue()) : OptionalInt.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for pid " + pid, null, e);
        }
    }

    int waitFor() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for pid " + pid, null, e);
        }
    }

    OutputStream stdin() {
        return process.getOutputStream();
    }

    InputStream stdout() {
        return process.getInputStream();
    }

    InputStream stderr() {
        return process.getErrorStream();
    }

    void close() {
        synchronized (lock) {
            closeQuietly(channel);
        }
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
                process.destroyForcibly();
            }
            return new ContainerBackendException(m.error(), status, null);
        }
        int status = waitFor();
        return new ContainerBackendException("the container process ended (status " + status + ") before it was "
                + (phase.equals("start") ? "executed" : "set up"), status, null);
    }

    private Message read() throws IOException {
        ByteBuffer size = readFully(4);
        ByteBuffer body = readFully(size.getInt());
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

    private ByteBuffer readFully(int size) throws IOException {
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
