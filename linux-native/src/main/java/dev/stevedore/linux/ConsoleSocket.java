package dev.stevedore.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The receiving end of a console socket (runc's {@code --console-socket}): a listening Unix socket
 * to which a runtime sends the master of a container's terminal as an {@code SCM_RIGHTS} message.
 * The JDK's Unix sockets cannot receive file descriptors, hence libc.
 */
final class ConsoleSocket implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 02000000;
    private static final int SOL_SOCKET = 1;
    private static final int SCM_RIGHTS = 1;
    private static final short POLLIN = 1;
    private static final long TIOCGWINSZ = 0x5413;
    private static final long TIOCSWINSZ = 0x5414;

    private static final class Native {
        static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    }

    private final Path path;
    private final int fd;

    private ConsoleSocket(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Binds and listens on {@code path}, which must not exist.
     *
     * @throws IllegalStateException naming the path and the system's reason
     */
    static ConsoleSocket listen(Path path) {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= 108) {
            throw new IllegalArgumentException("console socket path '" + path + "' is longer than 107 bytes");
        }
        byte[] address = new byte[2 + name.length + 1];
        address[0] = AF_UNIX;
        System.arraycopy(name, 0, address, 2, name.length);
        int fd = Libc.get().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("cannot make a console socket: " + Libc.error());
        }
        if (Libc.get().bind(fd, address, address.length) < 0 || Libc.get().listen(fd, 1) < 0) {
            String error = Libc.error();
            Native.POSIX.close(fd);
            throw new IllegalStateException("cannot listen on the console socket '" + path + "': " + error);
        }
        return new ConsoleSocket(path, fd);
    }

    Path path() {
        return path;
    }

    /**
     * Waits for a runtime to connect and send a terminal.
     *
     * @throws IllegalStateException when none comes within {@code timeout} or the message holds no descriptor
     */
    Terminal receive(Duration timeout) {
        byte[] pollfd = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putInt(fd).putShort(POLLIN)
                .array();
        int ready = Libc.get().poll(pollfd, 1, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        if (ready <= 0) {
            throw new IllegalStateException("no terminal arrived on the console socket '" + path + "' within "
                    + timeout.toMillis() + " ms" + (ready < 0 ? ": " + Libc.error() : ""));
        }
        int conn = Libc.get().accept4(fd, null, null, SOCK_CLOEXEC);
        if (conn < 0) {
            throw new IllegalStateException("cannot accept on the console socket '" + path + "': " + Libc.error());
        }
        try {
            MsgHdr message = Native.POSIX.allocateMsgHdr();
            message.setIov(new ByteBuffer[] {ByteBuffer.allocateDirect(4096)});
            message.allocateControl(4);
            if (Native.POSIX.recvmsg(conn, message, 0) < 0) {
                throw new IllegalStateException("cannot read the console socket '" + path + "': "
                        + Native.POSIX.errno());
            }
            for (CmsgHdr control : message.getControls()) {
                if (control.getLevel() == SOL_SOCKET && control.getType() == SCM_RIGHTS) {
                    return new Terminal(control.getData().order(java.nio.ByteOrder.nativeOrder()).getInt(0));
                }
            }
            throw new IllegalStateException("the message on the console socket '" + path + "' holds no terminal");
        } finally {
            Native.POSIX.close(conn);
        }
    }

    @Override
    public void close() {
        Native.POSIX.close(fd);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // A socket file left in a state directory goes with it.
        }
    }

    /**
     * The master side of a pty: what the container writes comes out of {@link #input()}. Closing
     * either stream leaves the terminal open; it closes when its output has ended (every process
     * holding the slave closed it) or on {@link #close()}.
     */
    static final class Terminal implements AutoCloseable {
        private final NativeFd fd;

        Terminal(int fd) {
            this.fd = new NativeFd(fd, "the terminal");
        }

        int fd() {
            return fd.fd();
        }

        /** Reads end when every process holding the slave has closed it (the kernel reports EIO). */
        InputStream input() {
            return fd.input(false);
        }

        OutputStream output() {
            return fd.output(false);
        }

        /** Gives the terminal the size of the terminal on {@code fromFd}, if that is one. */
        void copySizeFrom(int fromFd) {
            byte[] winsize = new byte[8];
            if (Libc.get().ioctl(fromFd, TIOCGWINSZ, winsize) == 0) {
                Libc.get().ioctl(fd.fd(), TIOCSWINSZ, winsize);
            }
        }

        /**
         * Sets the size; the kernel sends {@code SIGWINCH} to the terminal's foreground processes.
         *
         * @throws IllegalArgumentException when a dimension is outside 1 to 65535
         * @throws IllegalStateException when the terminal is closed or the kernel refuses
         */
        void resize(int columns, int rows) {
            if (columns < 1 || columns > 0xffff || rows < 1 || rows > 0xffff) {
                throw new IllegalArgumentException("terminal size " + columns + "x" + rows
                        + " is invalid: columns and rows go from 1 to 65535");
            }
            if (fd.isClosed()) {
                throw new IllegalStateException("cannot resize the terminal: its processes have ended");
            }
            byte[] winsize = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder()).putShort((short) rows)
                    .putShort((short) columns).array();
            if (Libc.get().ioctl(fd.fd(), TIOCSWINSZ, winsize) < 0) {
                throw new IllegalStateException("cannot resize the terminal to " + columns + "x" + rows + ": "
                        + Libc.error());
            }
        }

        @Override
        public void close() {
            fd.close();
        }
    }
}
