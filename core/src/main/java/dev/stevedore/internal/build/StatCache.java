package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
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

    /** "STC2": the entries follow as path length (int), UTF-8 path, size, mtime, ctime, inode (longs), sha256. */
    private static final int MAGIC = 0x53544332;
    private static final int FIXED = 4 + 4 * 8 + 32;

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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new StatCache(file, new ConcurrentHashMap<>()); // first build of this context
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build stat cache '" + file + "'", e);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < 8 || in.getInt() != MAGIC) {
            return new StatCache(file, new ConcurrentHashMap<>());
        }
        int n = in.getInt();
        Map<String, Entry> entries = new ConcurrentHashMap<>(Math.max(16, Math.min(n, bytes.length / FIXED) * 4 / 3 + 1));
        for (int i = 0; i < n; i++) {
            if (in.remaining() < FIXED) {
                entries.clear(); // cut short: nothing in it is worth the doubt
                break;
            }
            int length = in.getInt();
            if (length < 0 || in.remaining() < length + FIXED - 4) {
                entries.clear();
                break;
            }
            String path = new String(bytes, in.position(), length, StandardCharsets.UTF_8);
            in.position(in.position() + length);
            Stat stat = new Stat(in.getLong(), in.getLong(), in.getLong(), in.getLong());
            byte[] sha = new byte[32];
            in.get(sha);
            entries.put(path, new Entry(stat, sha));
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
     * @param present the context's file paths now: only their entries are written
     */
    void save(Iterable<String> present) {
        if (!dirty) {
            return;
        }
        ByteBuffer out = ByteBuffer.allocate(1 << 16);
        out.putInt(MAGIC).putInt(0);
        int count = 0;
        for (String path : present) {
            Entry e = entries.get(path);
            if (e == null) {
                continue;
            }
            byte[] name = path.getBytes(StandardCharsets.UTF_8);
            if (out.remaining() < name.length + FIXED) {
                out = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + name.length + FIXED))
                        .put(out.flip());
            }
            Stat s = e.stat();
            out.putInt(name.length).put(name).putLong(s.size()).putLong(s.mtimeNanos()).putLong(s.ctimeNanos())
                    .putLong(s.inode()).put(e.sha256());
            count++;
        }
        out.putInt(4, count);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                Files.write(temp, Arrays.copyOf(out.array(), out.position()));
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
