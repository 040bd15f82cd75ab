package dev.stevedore.linux.net;

import jnr.constants.platform.Errno;

/** A netlink request the kernel refused, with what was asked and the kernel's errno. */
public final class NetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The kernel's errno (positive). */
    private final int errno;

    NetlinkException(String what, int errno) {
        super(what + ": " + describe(errno));
        this.errno = errno;
    }

    /** @return the kernel's errno */
    public int errno() {
        return errno;
    }

    private static String describe(int errno) {
        Errno e = Errno.valueOf(errno);
        String text = e == null || e == Errno.__UNKNOWN_CONSTANT__ ? "errno " + errno : e.description();
        return text.toLowerCase(java.util.Locale.ROOT) + " (errno " + errno + ")";
    }
}
