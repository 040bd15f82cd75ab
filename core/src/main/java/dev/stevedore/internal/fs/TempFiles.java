package dev.stevedore.internal.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Files and directories with new unique names, as {@link Files#createTempFile} and
 * {@link Files#createTempDirectory} make them (the prefix, a random number, the suffix; readable and
 * writable by the owner only), but named from {@link ThreadLocalRandom}: the JDK's draw from a
 * {@code SecureRandom}, whose start in a fresh JVM (the security providers, the system's entropy
 * source) took a first container or an unchanged rebuild milliseconds of CPU. Unpredictable names
 * are not what protects these files: they are created exclusively ({@code O_EXCL}, which follows
 * no link), in the store's own directories, and a name taken already is drawn again.
 */
public final class TempFiles {

    private static final Set<StandardOpenOption> NEW_FILE =
            EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_FILE = PosixFilePermissions.asFileAttribute(
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_DIRECTORY = PosixFilePermissions.asFileAttribute(
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE));

    private TempFiles() {
    }

    /**
     * A new empty file that this call created, open for reading and writing.
     *
     * @param path where it is
     * @param channel its channel, which the caller closes
     */
    public record Created(Path path, FileChannel channel) {}

    /**
     * Creates a new empty file and opens it, in one system call.
     *
     * @param dir the directory
     * @param prefix the start of its name
     * @param suffix the end of its name
     * @return the file and its open channel
     * @throws IOException when the file cannot be created
     * @throws IllegalArgumentException when the prefix or suffix holds a {@code /}
     */
    public static Created createOpen(Path dir, String prefix, String suffix) throws IOException {
        while (true) {
            Path path = dir.resolve(name(prefix, suffix));
            try {
                return new Created(path, FileChannel.open(path, NEW_FILE, OWNER_FILE));
            } catch (FileAlreadyExistsException taken) {
                // Another file has the name drawn: draw again.
            }
        }
    }

    /**
     * Creates a new empty file.
     *
     * @param dir the directory
     * @param prefix the start of its name
     * @param suffix the end of its name
     * @return the file
     * @throws IOException when the file cannot be created
     */
    public static Path create(Path dir, String prefix, String suffix) throws IOException {
        Created created = createOpen(dir, prefix, suffix);
        created.channel().close();
        return created.path();
    }

    /**
     * Creates a new empty directory.
     *
     * @param dir the parent directory
     * @param prefix the start of its name
     * @return the directory
     * @throws IOException when the directory cannot be created
     */
    public static Path createDirectory(Path dir, String prefix) throws IOException {
        while (true) {
            Path path = dir.resolve(name(prefix, ""));
            try {
                return Files.createDirectory(path, OWNER_DIRECTORY);
            } catch (FileAlreadyExistsException taken) {
                // Another file has the name drawn: draw again.
            }
        }
    }

    private static String name(String prefix, String suffix) {
        if (prefix.indexOf('/') >= 0 || suffix.indexOf('/') >= 0) {
            // As the JDK's: a name, not a path that would put the file elsewhere.
            throw new IllegalArgumentException("a temporary file's prefix and suffix may not hold '/': \"" + prefix
                    + "\", \"" + suffix + "\"");
        }
        return prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + suffix;
    }
}
