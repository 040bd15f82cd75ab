package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.UncheckedIOException;
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
        if (bytes.length < 8 || intAt(bytes, 0) != MAGIC) {
            return new StatCache(file, new ConcurrentHashMap<>());
        }
        int n = intAt(bytes, 4);
        Map<String, Entry> entries = new ConcurrentHashMap<>(Math.max(16, Math.min(n, bytes.length / FIXED) * 4 / 3 + 1));
        int at = 8;
        for (int i = 0; i < n; i++) {
            int length = bytes.length - at < FIXED ? -1 : intAt(bytes, at);
            if (length < 0 || bytes.length - at < length + FIXED) {
                entries.clear(); // cut short: nothing in it is worth the doubt
                break;
            }
            String path = new String(bytes, at + 4, length, StandardCharsets.UTF_8);
            at += 4 + length;
            Stat stat = new Stat(longAt(bytes, at), longAt(bytes, at + 8), longAt(bytes, at + 16), longAt(bytes, at + 24));
            entries.put(path, new Entry(stat, Arrays.copyOfRange(bytes, at + 32, at + 64)));
            at += 64;
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
        byte[] out = new byte[1 << 16];
        int at = 8;
        int count = 0;
        for (String path : present) {
            Entry e = entries.get(path);
            if (e == null) {
                continue;
            }
            byte[] name = path.getBytes(StandardCharsets.UTF_8);
            if (out.length - at < name.length + FIXED) {
                out = Arrays.copyOf(out, Math.max(out.length * 2, at + name.length + FIXED));
            }
            putInt(out, at, name.length);
            System.arraycopy(name, 0, out, at + 4, name.length);
            at += 4 + name.length;
            Stat s = e.stat();
            putLong(out, at, s.size());
            putLong(out, at + 8, s.mtimeNanos());
            putLong(out, at + 16, s.ctimeNanos());
            putLong(out, at + 24, s.inode());
            System.arraycopy(e.sha256(), 0, out, at + 32, 32);
            at += 64;
            count++;
        }
        putInt(out, 0, MAGIC);
        putInt(out, 4, count);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (var stream = Files.newOutputStream(temp)) {
                    stream.write(out, 0, at);
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

    // Big-endian by hand: a cold JVM runs these thousands of times before any loop is compiled, and
    // ByteBuffer's accessors are many calls deep.

    private static int intAt(byte[] b, int i) {
        return (b[i] & 0xff) << 24 | (b[i + 1] & 0xff) << 16 | (b[i + 2] & 0xff) << 8 | b[i + 3] & 0xff;
    }

    private static long longAt(byte[] b, int i) {
        return (long) intAt(b, i) << 32 | intAt(b, i + 4) & 0xffffffffL;
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    private static void putLong(byte[] b, int i, long v) {
        putInt(b, i, (int) (v >>> 32));
        putInt(b, i + 4, (int) v);
    }
}
