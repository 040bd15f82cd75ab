package dev.stevedore.internal.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * A reader/writer lock that holds across threads and processes: a JVM-wide
 * {@link ReentrantReadWriteLock} for threads plus an {@code fcntl} lock on a file for processes.
 *
 * <p>One instance per lock file per JVM, whose channel stays open for the JVM's life: POSIX drops
 * every lock a process holds on a file as soon as any descriptor of that file is closed, so a
 * second channel opened and closed would silently release the first one's lock.
 */
public final class FileLocks {

    private static final Map<Path, FileLocks> INSTANCES = new ConcurrentHashMap<>();

    /**
     * A class rather than a constructor reference: the store opens on the first container's path, where a
     * lambda's first use makes its class at run time, several times what loading one from the jar costs.
     */
    private static final Function<Path, FileLocks> OPEN = new Function<>() {
        @Override
        public FileLocks apply(Path file) {
            return new FileLocks(file);
        }
    };

    private final Path file;
    private final ReentrantReadWriteLock threads = new ReentrantReadWriteLock();
    private final FileChannel channel;
    private int sharedHolders;
    private FileLock sharedLock;

    private FileLocks(Path file) {
        this.file = file;
        try {
            Files.createDirectories(file.getParent());
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open lock file '" + file + "'", e);
        }
    }

    /** @return the one instance for a lock file in this JVM */
    public static FileLocks of(Path file) {
        return INSTANCES.computeIfAbsent(file.toAbsolutePath().normalize(), OPEN);
    }


    /** A held lock; closing releases it. */
    public interface Held extends AutoCloseable {
        @Override
        void close();
    }

    Held shared() {
        threads.readLock().lock();
        try {
            synchronized (this) {
                if (sharedHolders == 0) {
                    sharedLock = lockFile(true);
                }
                sharedHolders++;
            }
        } catch (RuntimeException e) {
            threads.readLock().unlock();
            throw e;
        }
        return new Held() {
            @Override
            public void close() {
                synchronized (FileLocks.this) {
                    if (--sharedHolders == 0) {
                        release(sharedLock);
                        sharedLock = null;
                    }
                }
                threads.readLock().unlock();
            }
        };
    }

    /** @return the exclusive lock, held across threads and processes */
    public Held exclusive() {
        threads.writeLock().lock();
        FileLock lock;
        try {
            lock = lockFile(false);
        } catch (RuntimeException e) {
            threads.writeLock().unlock();
            throw e;
        }
        return new Held() {
            @Override
            public void close() {
                release(lock);
                threads.writeLock().unlock();
            }
        };
    }

    private FileLock lockFile(boolean shared) {
        try {
            return channel.lock(0, Long.MAX_VALUE, shared);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock '" + file + "'", e);
        }
    }

    private void release(FileLock lock) {
        try {
            lock.release();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unlock '" + file + "'", e);
        }
    }
}
