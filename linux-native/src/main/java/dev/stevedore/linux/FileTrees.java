package dev.stevedore.linux;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Removal of directory trees a container leaves: its snapshot, its state directory. */
final class FileTrees {
    private static final boolean ROOT = LinuxBackend.effectiveUid() == 0;
    private static final Set<PosixFilePermission> OWNER_ALL = PosixFilePermissions.fromString("rwx------");

    private FileTrees() {
    }

    /**
     * Removes a file or a directory with everything in it, without following symbolic links;
     * nothing when it does not exist. Each entry is looked at once, so a tree of a few entries
     * costs a few system calls each.
     *
     * <p>overlayfs makes the directories of its work directory (work/work, work/incompat...) with
     * mode 000: root walks them anyway, their owner (a rootless caller) opens each up first.
     */
    static void delete(Path p) throws IOException {
        PosixFileAttributes attrs;
        try {
            attrs = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if (attrs.isDirectory()) {
            if (!ROOT && !attrs.permissions().containsAll(OWNER_ALL)) {
                Files.setPosixFilePermissions(p, OWNER_ALL);
            }
            try (DirectoryStream<Path> children = Files.newDirectoryStream(p)) {
                for (Path child : children) {
                    delete(child);
                }
            }
        }
        Files.deleteIfExists(p);
    }
}
