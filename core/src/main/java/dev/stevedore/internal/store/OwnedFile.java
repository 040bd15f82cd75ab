package dev.stevedore.internal.store;

import dev.stevedore.internal.fs.TempFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A file that exists only while its owner is alive: a blob being written or a lease. The owner
 * holds an exclusive {@code fcntl} lock on it, so another process that can take the lock knows
 * the owner died and the file is garbage.
 *
 * <p>Files owned by this JVM are also listed in memory and never opened by anyone else here:
 * closing any descriptor of a file would drop this process's lock on it (POSIX semantics).
 */
final class OwnedFile implements AutoCloseable {

    private static final Set<Path> OWNED_HERE = ConcurrentHashMap.newKeySet();

    private final Path path;
    private final FileChannel channel;

    private OwnedFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** Creates and locks a new file; the caller holds the store's shared gc lock. */
    static OwnedFile create(Path dir, String prefix, String suffix) {
        Path path = null;
        FileChannel channel = null;
        try {
            TempFiles.Created created = TempFiles.createOpen(dir, prefix, suffix);
            path = created.path().toAbsolutePath().normalize();
            OWNED_HERE.add(path);
            channel = created.channel();
            channel.lock();
            return new OwnedFile(path, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            if (path != null) {
                deleteQuietly(path);
                OWNED_HERE.remove(path);
            }
            throw new UncheckedIOException("cannot create a file in '" + dir + "'", e);
        }
    }

    /**
     * Opens and locks a file with a fixed name, creating it when missing, so the content a dead or
     * finished owner left there can be continued; the caller holds the store's shared gc lock.
     *
     * @return the file, or null when another owner (a thread here or another process) holds it
     */
    static OwnedFile openNamed(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        // Checked before opening: a second channel closed here would drop this JVM's lock on it.
        if (!OWNED_HERE.add(absolute)) {
            return null;
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(absolute, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (channel.tryLock() == null) {
                closeQuietly(channel);
                OWNED_HERE.remove(absolute);
                return null;
            }
            return new OwnedFile(absolute, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            OWNED_HERE.remove(absolute);
            throw new UncheckedIOException("cannot open '" + absolute + "'", e);
        }
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    static boolean ownedHere(Path file) {
        return OWNED_HERE.contains(file.toAbsolutePath().normalize());
    }

    /**
     * Deletes the file when its owner is gone.
     *
     * @return true when it was stale and deleted, false when its owner is alive (here or elsewhere)
     */
    static boolean deleteIfStale(Path file) {
        if (ownedHere(file)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            Files.deleteIfExists(file);
            return true;
        } catch (NoSuchFileException | OverlappingFileLockException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check whether '" + file + "' is stale", e);
        }
    }

    /** Deletes the file and releases it. Idempotent. */
    @Override
    public void close() {
        if (!channel.isOpen()) {
            return;
        }
        deleteQuietly(path);
        closeQuietly(channel);
        OWNED_HERE.remove(path);
    }

    /**
     * Releases the file but leaves it on disk for a later owner; until one takes it, gc treats it
     * as stale like any unlocked file. Idempotent.
     */
    void release() {
        if (!channel.isOpen()) {
            return;
        }
        closeQuietly(channel);
        OWNED_HERE.remove(path);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // Left behind, it is removed by the next gc once nobody holds its lock.
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // Closing releases the lock whatever happens; nothing else to do.
            }
        }
    }
}
