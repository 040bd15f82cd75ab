package dev.stevedore.internal.network;

import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * TCP sockets as plain descriptors, for splice(2). The JDK keeps a channel's descriptor private
 * ({@code SocketChannelImpl.fdVal} and {@code FileDescriptor.fd} are only reachable with
 * {@code --add-opens java.base/...}, which a library cannot ask of its users), so the forwarder
 * opens, binds, accepts and connects its TCP sockets itself through the C library. All
 * descriptors are close-on-exec. The constants are Linux's (the same on x86-64 and arm64).
 */
final class SpliceSockets {
    static final int SHUT_WR = 1;
    static final int SHUT_RDWR = 2;
    static final int EINTR = 4;
    private static final int EINVAL = 22;
    private static final int ECONNABORTED = 103;

    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_REUSEADDR = 2;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_NODELAY = 1;
    private static final int F_SETPIPE_SZ = 1031;
    private static final int SPLICE_F_MOVE = 1;
    private static final int EADDRINUSE = 98;
    private static final int EADDRNOTAVAIL = 99;
    private static final int ECONNREFUSED = 111;
    private static final int EHOSTUNREACH = 113;
    private static final int ENETUNREACH = 101;

    /** jnr-ffi binding; public only because jnr generates an implementation of it. */
    public interface LibC {
        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int setsockopt(int fd, int level, int name, @In int[] value, int length);

        @SaveError
        int bind(int fd, @In byte[] address, int length);

        @SaveError
        int listen(int fd, int backlog);

        @SaveError
        int getsockname(int fd, @Out byte[] address, @In @Out int[] length);

        @SaveError
        int accept4(int fd, Pointer address, Pointer length, int flags);

        @SaveError
        int connect(int fd, @In byte[] address, int length);

        @SaveError
        int shutdown(int fd, int how);

        @SaveError
        int pipe2(@Out int[] fds, int flags);

        @SaveError
        int fcntl(int fd, int cmd, int arg);

        @SaveError
        long splice(int in, Pointer inOffset, int out, Pointer outOffset, long length, int flags);

        int close(int fd);

        String strerror(int errnum);
    }

    private static final class Holder {
        static final LibC LIBC;
        static final Throwable FAILURE;

        static {
            LibC lib = null;
            Throwable failure = null;
            if (!System.getProperty("os.name").equals("Linux")) {
                failure = new UnsupportedOperationException("splice(2) is Linux only");
            } else {
                try {
                    lib = LibraryLoader.create(LibC.class).load("c");
                } catch (Throwable t) {
                    failure = t;
                }
            }
            LIBC = lib;
            FAILURE = failure;
        }
    }

    private SpliceSockets() {
    }

    private static LibC libc() throws IOException {
        if (Holder.LIBC == null) {
            throw new IOException("forwarding TCP ports needs Linux's C library (for splice(2)), which could not be"
                    + " loaded on " + System.getProperty("os.name") + ": " + Holder.FAILURE);
        }
        return Holder.LIBC;
    }

    static int errno() {
        return jnr.ffi.Runtime.getRuntime(Holder.LIBC).getLastError();
    }

    private static String error(String call, int errno) {
        return call + ": " + Holder.LIBC.strerror(errno) + " (errno " + errno + ")";
    }

    /**
     * A listening socket on an address, with {@code SO_REUSEADDR} (connections this port accepted and
     * closed may linger in TIME_WAIT; they carry the flag too, so the port can be bound again right
     * after a container goes).
     *
     * @throws BindException when the address is in use or not the host's
     */
    static int listen(InetSocketAddress address, int backlog) throws IOException {
        int fd = socket(address.getAddress());
        try {
            LibC c = libc();
            c.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, new int[] {1}, 4);
            byte[] sa = sockaddr(address);
            if (c.bind(fd, sa, sa.length) < 0) {
                int e = errno();
                String message = error("bind " + address, e);
                throw e == EADDRINUSE || e == EADDRNOTAVAIL ? new BindException(message) : new IOException(message);
            }
            if (c.listen(fd, backlog) < 0) {
                throw new IOException(error("listen " + address, errno()));
            }
            return fd;
        } catch (IOException | RuntimeException e) {
            Holder.LIBC.close(fd);
            throw e;
        }
    }

    /** @return the address a socket is bound to */
    static InetSocketAddress localAddress(int fd) throws IOException {
        byte[] sa = new byte[28];
        int[] length = {sa.length};
        if (libc().getsockname(fd, sa, length) < 0) {
            throw new IOException(error("getsockname", errno()));
        }
        ByteBuffer b = ByteBuffer.wrap(sa);
        int family = b.order(ByteOrder.nativeOrder()).getShort(0);
        int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
        byte[] ip = family == AF_INET ? java.util.Arrays.copyOfRange(sa, 4, 8) : java.util.Arrays.copyOfRange(sa, 8, 24);
        try {
            return new InetSocketAddress(InetAddress.getByAddress(ip), port);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Waits for the next connection.
     *
     * @return its socket, or -1 once the listening socket was shut down
     */
    static int accept(int listener) throws IOException {
        LibC c = libc();
        for (;;) {
            int fd = c.accept4(listener, null, null, SOCK_CLOEXEC);
            if (fd >= 0) {
                noDelay(fd);
                return fd;
            }
            int e = errno();
            if (e == EINVAL) {
                return -1;
            }
            // ECONNABORTED: that client gave up while queued; the next may be fine.
            if (e != EINTR && e != ECONNABORTED) {
                throw new IOException(error("accept", e));
            }
        }
    }

    /** A blocking TCP socket for {@link #connect}, opened first so that it can be shut down meanwhile. */
    static int socket(InetAddress family) throws IOException {
        int fd = libc().socket(family instanceof Inet4Address ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException(error("socket", errno()));
        }
        return fd;
    }

    static void connect(int fd, InetSocketAddress target) throws IOException {
        byte[] sa = sockaddr(target);
        LibC c = libc();
        if (c.connect(fd, sa, sa.length) < 0) {
            int e = errno();
            String message = error("connect " + target, e);
            throw e == ECONNREFUSED ? new ConnectException(message)
                    : e == EHOSTUNREACH || e == ENETUNREACH ? new NoRouteToHostException(message) : new IOException(message);
        }
        noDelay(fd);
    }

    /** Relayed bytes go out as they come: an interactive protocol must not wait for Nagle's timer. */
    private static void noDelay(int fd) {
        Holder.LIBC.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, new int[] {1}, 4);
    }

    /**
     * A pipe for splicing, enlarged to {@code size} bytes where the user's pipe quota allows
     * (fewer, larger splices); the default 64 KiB works too.
     *
     * @return the read end and the write end
     */
    static int[] pipe(int size) throws IOException {
        int[] fds = new int[2];
        LibC c = libc();
        if (c.pipe2(fds, O_CLOEXEC) < 0) {
            throw new IOException(error("pipe2", errno()));
        }
        c.fcntl(fds[1], F_SETPIPE_SZ, size);
        return fds;
    }

    /**
     * Moves up to {@code length} bytes between a socket and a pipe inside the kernel, blocking
     * until some can go.
     *
     * @return the bytes moved, 0 at end of stream, or -errno
     */
    static long splice(int from, int to, long length) {
        long n = Holder.LIBC.splice(from, null, to, null, length, SPLICE_F_MOVE);
        return n >= 0 ? n : -errno();
    }

    static void shutdown(int fd, int how) {
        Holder.LIBC.shutdown(fd, how);
    }

    static void close(int fd) {
        Holder.LIBC.close(fd);
    }

    private static byte[] sockaddr(InetSocketAddress address) throws IOException {
        if (address.isUnresolved()) {
            throw new UnknownHostException("cannot resolve host address '" + address.getHostString() + "'");
        }
        byte[] ip = address.getAddress().getAddress();
        ByteBuffer b = ByteBuffer.allocate(ip.length == 4 ? 16 : 28);
        b.order(ByteOrder.nativeOrder()).putShort(0, (short) (ip.length == 4 ? AF_INET : AF_INET6));
        b.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) address.getPort());
        b.put(ip.length == 4 ? 4 : 8, ip);
        if (address.getAddress() instanceof java.net.Inet6Address a6) {
            b.order(ByteOrder.nativeOrder()).putInt(24, a6.getScopeId());
        }
        return b.array();
    }
}
