package dev.stevedore.linux;

import java.nio.file.Path;

/**
 * Unmounting in this process's mount namespace: what a container without a mount namespace of its
 * own leaves there (its root filesystem and everything mounted below it) goes at delete.
 */
final class HostMounts {
    private static final int MNT_DETACH = 2;
    private static final int EINVAL = 22;
    private static final int ENOENT = 2;

    private HostMounts() {
    }

    /** @return how many mounts are stacked at {@code path} in this process's mount namespace */
    static int mountsAt(Path path) {
        try {
            // mountinfo shows paths with their symbolic links resolved.
            String target = path.toRealPath().toString();
            int n = 0;
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                // Field 5 is the mount point, with space, tab, newline and backslash octal-escaped.
                String point = line.split(" ")[4].replace("\\040", " ").replace("\\011", "\t")
                        .replace("\\012", "\n").replace("\\134", "\\");
                if (point.equals(target)) {
                    n++;
                }
            }
            return n;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/mountinfo: " + e, e);
        }
    }

    /**
     * Detaches the mount at {@code path} with every mount below it; nothing when {@code path} is no
     * mount point (or is gone).
     *
     * @throws IllegalStateException naming the path and the system's reason
     */
    static void detachTree(Path path) {
        if (Libc.get().umount2(path.toString(), MNT_DETACH) < 0) {
            int errno = Libc.errno();
            if (errno != EINVAL && errno != ENOENT) {
                throw new IllegalStateException("cannot unmount '" + path + "': " + Libc.error());
            }
        }
    }
}
