package dev.stevedore.linux;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Collection;
import java.util.List;
import java.util.Map;
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
            LibcBinding.attempted();
        }

        private Loaded() {
        }

        private static Libc bind() {
            Libc libc = bindByReflection();
            if (libc == null) {
                libc = LibraryLoader.create(Libc.class).load("c");
            }
            // First uses that cost milliseconds each, made here rather than by the first
            // container's spawn: the conversion of a string argument (opening "" fails, ENOENT),
            // which with the reflection loader also initializes the proxy's class (it looks up all
            // its methods), and jnr-ffi's native memory for string arrays, with the finalizer thread
            // that frees it.
            int fd = libc.open("", 0);
            if (fd >= 0) {
                libc.close(fd);
            }
            jnr.ffi.Memory.allocateDirect(jnr.ffi.Runtime.getRuntime(libc), 1);
            return libc;
        }

        /**
         * Binds the C library with jnr-ffi's reflection loader, which calls through a proxy. Its
         * default loader generates bytecode and compiles machine-code stubs for every method, loading
         * ASM and an assembler to do it: about 30 ms more CPU on the loading thread (40 ms for the
         * process) before the first container, to save 0.2 to 0.5 us per call, of which a container
         * makes about ten. jnr-ffi chooses between the two only by a system property read once per
         * JVM ({@code jnr.ffi.asm.enabled}), which would change every other jnr-ffi library in the
         * application too, so the reflection loader is reached directly.
         *
         * @return the library, or null when this jnr-ffi version no longer has what this reaches
         *     (LibcTest says so), for the default loader to bind it instead
         */
        private static Libc bindByReflection() {
            Object loader;
            Object library;
            Method load;
            try {
                Class<?> loaderClass = Class.forName("jnr.ffi.provider.jffi.ReflectionLibraryLoader");
                Class<?> libraryClass = Class.forName("jnr.ffi.provider.jffi.NativeLibrary");
                var newLoader = loaderClass.getDeclaredConstructor();
                var newLibrary = libraryClass.getDeclaredConstructor(Collection.class, Collection.class, Map.class);
                load = loaderClass.getDeclaredMethod("loadLibrary", libraryClass, Class.class, Map.class,
                        boolean.class);
                newLoader.setAccessible(true);
                newLibrary.setAccessible(true);
                load.setAccessible(true);
                loader = newLoader.newInstance();
                library = newLibrary.newInstance(List.of("c"), List.of(), Map.of());
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
            try {
                // Binding every method now loads the classes their argument conversions need (and
                // fails at once on a missing symbol): ~15 ms kept off the first container's path.
                // jnr-ffi makes each method's invoker again on its first call, a fraction of that.
                return Libc.class.cast(load.invoke(loader, library, Libc.class, Map.of(), true));
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(e.getCause().toString(), e.getCause());
            } catch (IllegalAccessException e) {
                return null;
            }
        }
    }
}
