package dev.stevedore.linux;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Where a runtime keeps what lives only as long as its containers (each container's {@code /etc}
 * files, the helpers' sockets): a directory on tmpfs when the host has one we can own, as runc and
 * containerd keep theirs under {@code /run}. Every container creates and deletes several of these
 * files; on a disk file system that costs inode allocation and, on ext4 without a journal, a scan
 * past every recently deleted inode, which grows with the rate of containers.
 */
final class VolatileDir {

    private static final List<Path> TMPFS_CANDIDATES = List.of(Path.of("/run"), Path.of("/dev/shm"));
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    private VolatileDir() {
    }

    /**
     * @param stateDir the runtime's state directory, on disk
     * @return a directory only this user can use, on tmpfs, named after {@code stateDir}; or
     *     {@code stateDir} itself when no tmpfs is usable
     */
    static Path forState(Path stateDir) {
        // Runtimes of different state directories never share an instance name that is in use, so
        // a hash collision would be harmless; the name only keeps the directories apart.
        String name = "stevedore-" + Integer.toHexString(stateDir.toAbsolutePath().toString().hashCode());
        for (Path base : TMPFS_CANDIDATES) {
            Path dir = base.resolve(name);
            if (isTmpfs(base) && ownedByUsOnly(dir)) {
                return dir;
            }
        }
        return stateDir;
    }

    private static boolean isTmpfs(Path dir) {
        try {
            return Files.isDirectory(dir) && Files.getFileStore(dir).type().equals("tmpfs");
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Creates the directory, or accepts an existing one only if our user (root, or the rootless
     * caller) owns it, nobody else may
     * use it and it is no link: {@code /dev/shm} is writable by everyone, and the files placed here
     * are mounted into containers.
     */
    private static boolean ownedByUsOnly(Path dir) {
        try {
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
            } catch (FileAlreadyExistsException e) {
                // Checked below, like a new one.
            }
            PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            Object uid = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return attrs.isDirectory() && !attrs.isSymbolicLink() && attrs.permissions().equals(OWNER_ONLY)
                    && uid instanceof Number n && n.longValue() == LinuxBackend.effectiveUid();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
