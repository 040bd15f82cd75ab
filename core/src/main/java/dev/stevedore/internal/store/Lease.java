package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Protects blobs from {@link ContentStore#gc()} while an operation (a pull, an import, a build)
 * has written them but not yet named an image that reaches them. Close it once the image is
 * tagged, or to give up. Thread-safe.
 *
 * <p>On disk a lease is a file under {@code leases/} listing digests one per line, locked by its
 * owner: a gc in another process honours it while the lock is held, and deletes it once the
 * owner has died.
 */
public final class Lease implements AutoCloseable {

    private static final Map<Path, Lease> OPEN_HERE = new ConcurrentHashMap<>();

    private final OwnedFile file;
    private final Set<Digest> digests = new LinkedHashSet<>();

    private Lease(OwnedFile file) {
        this.file = file;
    }

    static Lease create(Path leasesDir, String purpose) {
        OwnedFile file = OwnedFile.create(leasesDir, "lease-", "");
        Lease lease = new Lease(file);
        lease.append("# " + purpose.replace('\n', ' ') + "\n");
        OPEN_HERE.put(file.path(), lease);
        return lease;
    }

    /**
     * Adds blobs to the lease. Call it before writing them or, for blobs that already exist,
     * through {@link ContentStore#holdIfPresent}, so a concurrent gc cannot slip in between.
     *
     * @param added the digests to protect
     */
    public synchronized void add(Digest... added) {
        if (!file.channel().isOpen()) {
            throw new IllegalStateException("lease '" + file.path().getFileName() + "' is closed");
        }
        StringBuilder lines = new StringBuilder();
        for (Digest d : added) {
            if (digests.add(d)) {
                lines.append(d).append('\n');
            }
        }
        if (lines.length() > 0) {
            append(lines.toString());
        }
    }

    /** @return the digests this lease protects */
    public synchronized Set<Digest> digests() {
        return Set.copyOf(digests);
    }

    private void append(String text) {
        try {
            FileChannel channel = file.channel();
            ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            channel.position(channel.size());
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write lease '" + file.path() + "'", e);
        }
    }

    /** Releases the protection; the blobs become collectable unless an image reaches them. */
    @Override
    public synchronized void close() {
        OPEN_HERE.remove(file.path());
        file.close();
    }

    /**
     * The digests a lease file protects, or nothing when its owner is gone (the file is then
     * deleted). Called by gc under the store's exclusive lock.
     */
    static Set<Digest> liveDigests(Path leaseFile) {
        Lease here = OPEN_HERE.get(leaseFile.toAbsolutePath().normalize());
        if (here != null) {
            return here.digests();
        }
        if (OwnedFile.ownedHere(leaseFile)) {
            // Being created or closed by this JVM right now; opening it would drop its lock.
            return Set.of();
        }
        return OwnedFile.deleteIfStale(leaseFile) ? Set.of() : readLines(leaseFile);
    }

    private static Set<Digest> readLines(Path leaseFile) {
        Set<Digest> result = new LinkedHashSet<>();
        try {
            // A line cut short by a crash of its writer is simply not a digest.
            for (String line : Files.readAllLines(leaseFile, StandardCharsets.UTF_8)) {
                if (Digest.isValid(line)) {
                    result.add(Digest.parse(line));
                }
            }
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read lease '" + leaseFile + "'", e);
        }
        return result;
    }
}
