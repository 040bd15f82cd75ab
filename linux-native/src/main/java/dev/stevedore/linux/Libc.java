package dev.stevedore.linux;

import jnr.constants.platform.Errno;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * The C library calls that neither the JDK nor jnr-posix offer (netlink sockets, Unix sockets that
 * receive descriptors, poll, ioctl, setns, umount2) and those that start and reap helpers without
 * the JDK's process machinery (posix_spawn, pipes, waitpid, raw reads and writes with errno).
 * Public only for jnr-ffi and {@code dev.stevedore.linux.net}.
 */
public interface Libc {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    int connect(int fd, @In byte[] address, int length);

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
    int open(String path, int flags, int mode);

    @SaveError
    int pipe2(@Out int[] fds, int flags);

    @SaveError
    long read(int fd, @Out byte[] buffer, long length);

    @SaveError
    long write(int fd, @In byte[] buffer, long length);

    @SaveError
    int kill(int pid, int signal);

    @SaveError
    int waitpid(int pid, @Out int[] status, int options);

    /** For calls libc may lack a wrapper for, such as pidfd_open (glibc 2.36). */
    @SaveError
    long syscall(long number, long argument1, long argument2);

    /**
     * The posix_spawn_file_actions_t is opaque: callers pass a buffer larger than any C library's
     * (80 bytes in glibc and in musl), which the library initializes, fills and frees.
     *
     * @return 0 or an error number (posix_spawn functions do not set errno)
     */
    int posix_spawn_file_actions_init(@Out byte[] actions);

    int posix_spawn_file_actions_adddup2(@In @Out byte[] actions, int fd, int newFd);

    int posix_spawn_file_actions_destroy(@In @Out byte[] actions);

    /** With no attributes: the child keeps the calling thread's signal mask, as the JDK's children do. */
    int posix_spawn(@Out int[] pid, String path, @In byte[] actions, Pointer attributes, @In String[] argv,
            @In String[] envp);

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
                lib = JffiStub.withBootPath(Loaded::bind);
            } catch (Throwable t) {
                failure = t;
            }
            LIBC = lib;
            FAILURE = failure;
        }

        private Loaded() {
        }

        private static Libc bind() {
            Libc libc = LibraryLoader.create(Libc.class).load("c");
            // First uses that cost milliseconds each, made here rather than by the first
            // container's spawn: the conversion of a string argument (opening "" fails, ENOENT),
            // and jnr-ffi's native memory for string arrays, with the finalizer thread that frees it.
            int fd = libc.open("", 0);
            if (fd >= 0) {
                libc.close(fd);
            }
            jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 1);
            return libc;
        }
    }
}
