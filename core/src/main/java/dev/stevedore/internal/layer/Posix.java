package dev.stevedore.internal.layer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.SaveError;

/**
 * The few libc calls layers need that the JDK does not offer: mknod (fifos, devices, overlayfs
 * whiteouts) and extended attributes in every namespace (the JDK only reaches {@code user.*}).
 * All of them act on the link itself, never on what a symlink points to.
 */
final class Posix {
    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final int ENODATA = 61;
    private static final int ENOTSUP = 95;
    private static final int ERANGE = 34;

    /** jnr-ffi binding; public only because jnr generates an implementation of it. */
    public interface LibC {
        @SaveError
        int mknod(String path, int mode, long dev);

        int geteuid();

        @SaveError
        int lchown(String path, int uid, int gid);

        @SaveError
        int chmod(String path, int mode);

        @SaveError
        int utimensat(int dirfd, String path, long[] times, int flags);

        @SaveError
        int lsetxattr(String path, String name, byte[] value, long size, int flags);

        @SaveError
        long lgetxattr(String path, String name, byte[] value, long size);

        @SaveError
        long llistxattr(String path, byte[] list, long size);

        String strerror(int errnum);
    }

    private static final class Holder {
        static final LibC LIBC;
        static final Throwable FAILURE;

        static {
            LibC lib = null;
            Throwable failure = null;
            try {
                lib = LibraryLoader.create(LibC.class).load("c");
            } catch (Throwable t) {
                failure = t;
            }
            LIBC = lib;
            FAILURE = failure;
        }
    }

    private Posix() {}

    /** @return this process's effective uid; -1 without the C library (not Linux) */
    static long euid() {
        return Holder.LIBC == null ? -1 : Holder.LIBC.geteuid();
    }

    private static LibC libc(String what) {
        if (Holder.LIBC == null) {
            throw new LayerException(what + " needs the C library, which could not be loaded on "
                    + System.getProperty("os.name") + ": " + Holder.FAILURE);
        }
        return Holder.LIBC;
    }

    private static int errno() {
        return jnr.ffi.Runtime.getRuntime(Holder.LIBC).getLastError();
    }

    private static String error(String call, Path path, int errno) {
        return call + " '" + path + "': " + Holder.LIBC.strerror(errno) + " (errno " + errno + ")";
    }

    /** Linux's makedev(3), which glibc only offers as a macro. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    static long major(long dev) {
        return ((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL);
    }

    static long minor(long dev) {
        return ((dev >>> 12) & 0xffffff00L) | (dev & 0xffL);
    }

    static void mknod(Path path, int typeAndMode, long dev) {
        LibC c = libc("creating device node '" + path + "'");
        if (c.mknod(path.toString(), typeAndMode, dev) != 0) {
            throw new LayerException(error("mknod", path, errno()));
        }
    }

    /** chown without following a final symlink; falls back to the JDK where libc is missing. */
    static void lchown(Path path, int uid, int gid) {
        if (Holder.LIBC == null) {
            try {
                java.nio.file.Files.setAttribute(path, "unix:uid", uid,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
                java.nio.file.Files.setAttribute(path, "unix:gid", gid,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS);
            } catch (java.io.IOException e) {
                throw new LayerException("chown '" + path + "' to " + uid + ":" + gid + ": " + e, e);
            }
            return;
        }
        if (Holder.LIBC.lchown(path.toString(), uid, gid) != 0) {
            throw new LayerException(error("lchown(" + uid + ":" + gid + ")", path, errno()));
        }
    }

    /**
     * chmod by path. The JDK's NOFOLLOW variant opens the file to fchmod it, which blocks
     * forever on a fifo; callers only pass paths whose last component they just created.
     */
    static void chmod(Path path, int mode) {
        if (Holder.LIBC == null) {
            try {
                java.nio.file.Files.setAttribute(path, "unix:mode", mode);
            } catch (java.io.IOException e) {
                throw new LayerException("chmod '" + path + "': " + e, e);
            }
            return;
        }
        if (Holder.LIBC.chmod(path.toString(), mode) != 0) {
            throw new LayerException(error(String.format("chmod(%o)", mode), path, errno()));
        }
    }

    /** Sets the mtime (and atime to the same) of the link itself, without opening the file. */
    static void setMtime(Path path, java.nio.file.attribute.FileTime mtime) {
        long nanos = mtime.to(java.util.concurrent.TimeUnit.NANOSECONDS);
        long sec = Math.floorDiv(nanos, 1_000_000_000L);
        long nsec = Math.floorMod(nanos, 1_000_000_000L);
        if (Holder.LIBC == null) {
            try {
                java.nio.file.Files.getFileAttributeView(path,
                        java.nio.file.attribute.BasicFileAttributeView.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(mtime, mtime, null);
            } catch (java.io.IOException e) {
                throw new LayerException("set mtime of '" + path + "': " + e, e);
            }
            return;
        }
        if (Holder.LIBC.utimensat(AT_FDCWD, path.toString(), new long[] {sec, nsec, sec, nsec},
                AT_SYMLINK_NOFOLLOW) != 0) {
            throw new LayerException(error("utimensat", path, errno()));
        }
    }

    static void setXattr(Path path, String name, byte[] value) {
        LibC c = libc("setting xattr " + name + " on '" + path + "'");
        if (c.lsetxattr(path.toString(), name, value, value.length, 0) != 0) {
            throw new LayerException(error("lsetxattr(" + name + ")", path, errno()));
        }
    }

    /** @return the extended attributes of {@code path} by name, sorted as the kernel lists them */
    static Map<String, byte[]> xattrs(Path path) {
        LibC c = libc("reading xattrs of '" + path + "'");
        String p = path.toString();
        byte[] names = new byte[1024];
        long n;
        while ((n = c.llistxattr(p, names, names.length)) < 0) {
            int err = errno();
            if (err == ENOTSUP) {
                return Map.of();
            }
            if (err != ERANGE) {
                throw new LayerException(error("llistxattr", path, err));
            }
            names = new byte[names.length * 4];
        }
        if (n == 0) {
            return Map.of();
        }
        Map<String, byte[]> result = new LinkedHashMap<>();
        for (String name : splitNames(names, (int) n)) {
            byte[] value = xattr(c, p, path, name);
            if (value != null) {
                result.put(name, value);
            }
        }
        return result;
    }

    /** @return the value of one attribute, or null if {@code path} does not have it */
    static byte[] xattr(Path path, String name) {
        return xattr(libc("reading xattr " + name + " of '" + path + "'"), path.toString(), path,
                name);
    }

    private static byte[] xattr(LibC c, String p, Path path, String name) {
        byte[] value = new byte[256];
        long n;
        while ((n = c.lgetxattr(p, name, value, value.length)) < 0) {
            int err = errno();
            if (err == ENODATA || err == ENOTSUP) {
                return null;
            }
            if (err != ERANGE) {
                throw new LayerException(error("lgetxattr(" + name + ")", path, err));
            }
            value = new byte[value.length * 16];
        }
        byte[] exact = new byte[(int) n];
        System.arraycopy(value, 0, exact, 0, (int) n);
        return exact;
    }

    private static List<String> splitNames(byte[] buf, int length) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (buf[i] == 0) {
                if (i > start) {
                    names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return names;
    }
}
