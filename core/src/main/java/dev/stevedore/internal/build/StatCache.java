package dev.stevedore.internal.build;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The content digests of a build context's files, kept with the stat data they were computed for
 * (size, mtime, ctime, inode), so a later build hashes again only the files that changed. A touched
 * file (mtime changed) is hashed again but gives the same digest, so the cache keys built from it do
 * not change. One file per context directory under the store's {@code build-cache/stat/}; it is only
 * a speed-up, so a damaged or missing one just means hashing everything.
 */
final class StatCache {

    private static final int MAGIC = 0x53544331; // "STC1"

    /** What a file's digest was computed for. */
    record Stat(long size, long mtimeNanos, long ctimeNanos, long inode) {
        // Written out: a record's generated equals and hashCode are linked on their first call, which
        // costs a fresh JVM (every command-line build) milliseconds.
        @Override
        public boolean equals(Object o) {
            return o instanceof Stat s && size == s.size && mtimeNanos == s.mtimeNanos && ctimeNanos == s.ctimeNanos
                    && inode == s.inode;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(size) * 31 * 31 * 31 + Long.hashCode(mtimeNanos) * 31 * 31
                    + Long.hashCode(ctimeNanos) * 31 + Long.hashCode(inode);
        }
    }

    private record Entry(Stat stat, byte[] sha256) {}

    private final Path file;
    private final Map<String, Entry> entries;
    private volatile boolean dirty;

    private StatCache(Path file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /** Loads the cache kept in {@code file}, or starts an empty one. */
    static StatCache load(Path file) {
        Map<String, Entry> entries = new ConcurrentHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readInt() != MAGIC) {
                return new StatCache(file, entries);
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String path = in.readUTF();
                Stat stat = new Stat(in.readLong(), in.readLong(), in.readLong(), in.readLong());
                byte[] sha = new byte[32];
                in.readFully(sha);
                entries.put(path, new Entry(stat, sha));
            }
        } catch (NoSuchFileException e) {
            // First build of this context.
        } catch (EOFException e) {
            entries.clear();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build stat cache '" + file + "'", e);
        }
        return new StatCache(file, entries);
    }

    /** @return the digest recorded for the path when its stat data is unchanged, else null */
    byte[] get(String path, Stat stat) {
        Entry e = entries.get(path);
        return e != null && e.stat().equals(stat) ? e.sha256() : null;
    }

    /**
     * Records a digest. {@code trusted} is false when the file changed so recently that a change in the
     * same clock tick could leave its stat data equal: such an entry is not kept for the next build.
     */
    void put(String path, Stat stat, byte[] sha256, boolean trusted) {
        Entry old = trusted ? entries.put(path, new Entry(stat, sha256)) : entries.remove(path);
        if (trusted ? old == null || !old.stat().equals(stat) || !Arrays.equals(old.sha256(), sha256) : old != null) {
            dirty = true;
        }
    }

    /** @return whether a digest was recorded or dropped since the cache was loaded or saved */
    boolean changed() {
        return dirty;
    }

    /**
     * Writes the cache back when it changed, atomically (a rename), without syncing: it is a hint.
     *
     * @param present the context's paths now: entries of other paths are dropped
     */
    void save(java.util.Set<String> present) {
        if (!dirty) {
            return;
        }
        entries.keySet().retainAll(present);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                Map<String, Entry> snapshot = new HashMap<>(entries);
                try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp), 1 << 16))) {
                    out.writeInt(MAGIC);
                    out.writeInt(snapshot.size());
                    for (Map.Entry<String, Entry> e : snapshot.entrySet()) {
                        out.writeUTF(e.getKey());
                        Stat s = e.getValue().stat();
                        out.writeLong(s.size());
                        out.writeLong(s.mtimeNanos());
                        out.writeLong(s.ctimeNanos());
                        out.writeLong(s.inode());
                        out.write(e.getValue().sha256());
                    }
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                dirty = false;
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the build stat cache '" + file + "'", e);
        }
    }
}
