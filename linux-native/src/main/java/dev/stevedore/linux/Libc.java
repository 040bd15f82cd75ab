package dev.stevedore.linux;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The C library calls that neither the JDK nor jnr-posix offer: netlink sockets, Unix sockets that
 * receive descriptors, poll, ioctl, setns, umount2. Public only for jnr-ffi and
 * {@code dev.stevedore.linux.net}.
 */
public interface Libc {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    int listen(int fd, int backlog);

    @SaveError
    int accept4(int fd, @Out byte[] address, @In @Out int[] length, int flags);

    @SaveError
    long send(int fd, @In byte[] buffer, long length, int flags);

    @SaveError
    long recv(int fd, @Out byte[] buffer, long length, int flags);

    @SaveError
    int poll(@In @Out byte[] fds, int count, int timeoutMillis);

    @SaveError
    int ioctl(int fd, long request, @In @Out byte[] argument);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int nstype);

    @SaveError
    int umount2(String target, int flags);

    int close(int fd);

    /** For the calls the C library has no wrapper for, such as bpf(2); arguments as the kernel takes them. */
    @SaveError
    long syscall(long number, long a, jnr.ffi.Pointer b, long c);

    /**
     * @return the C library
     * @throws IllegalStateException saying why it could not be loaded
     */
    static Libc get() {
        if (Loaded.LIBC == null) {
            throw new IllegalStateException(unavailableReason());
        }
        return Loaded.LIBC;
    }

    /** @return null when the C library is loaded, otherwise why it is not */
    static String unavailableReason() {
        return Loaded.LIBC == null ? "the C library could not be loaded: " + Loaded.FAILURE : null;
    }

    /** @return the errno of the calling thread's last call */
    static int errno() {
        return jnr.ffi.Runtime.getRuntime(get()).getLastError();
    }

    /** @return the system's words for the calling thread's last errno */
    static String error() {
        int errno = errno();
        Errno e = Errno.valueOf(errno);
        return e == null ? "errno " + errno : e.description();
    }

    /** Loaded on first use, so a host without it fails only the features that need it. */
    final class Loaded {
        static final Libc LIBC;
        static final Throwable FAILURE;

        static {
            Libc lib = null;
            Throwable failure = null;
            try {
                lib = LibraryLoader.create(Libc.class).load("c");
            } catch (Throwable t) {
                failure = t;
            }
            LIBC = lib;
            FAILURE = failure;
        }

        private Loaded() {
        }
    }
}
