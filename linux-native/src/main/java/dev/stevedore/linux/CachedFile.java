package dev.stevedore.linux;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

/**
 * A file this jar carries (the helper, jffi's native stub), written once under the runtime's state
 * directory and reused while its content is intact.
 */
final class CachedFile {

    private CachedFile() {
    }

    /**
     * Makes {@code target} hold exactly {@code bytes} unless it already does. A new copy is written
     * beside it and moved into place, so a runtime in another JVM never sees a partial file.
     *
     * @param target the file; its directory is created readable by its owner only
     * @param bytes the content
     * @param permissions the file's permissions, such as {@code r-x------}
     */
    static void install(Path target, byte[] bytes, String permissions) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        // Comparing the bytes checks the same as hashing the file again, at a fraction of the cost.
        if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), bytes)) {
            return;
        }
        Path temp = Files.createTempFile(dir, target.getFileName() + "-", ".tmp");
        try {
            Files.write(temp, bytes);
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString(permissions));
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
