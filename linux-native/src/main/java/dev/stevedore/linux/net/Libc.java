package dev.stevedore.linux.net;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/** The libc calls netlink needs; the JDK has no AF_NETLINK sockets. Public only for jnr-ffi. */
public interface Libc {
    @SaveError
    int socket(int domain, int type, int protocol);

    @SaveError
    int bind(int fd, @In byte[] address, int length);

    @SaveError
    long send(int fd, @In byte[] buffer, long length, int flags);

    @SaveError
    long recv(int fd, @Out byte[] buffer, long length, int flags);

    @SaveError
    int open(String path, int flags);

    @SaveError
    int setns(int fd, int nstype);

    int close(int fd);

    /** Loaded on first use. */
    final class Holder {
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

        private Holder() {
        }

        static int errno() {
            return jnr.ffi.Runtime.getRuntime(LIBC).getLastError();
        }
    }
}
