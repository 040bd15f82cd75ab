package dev.stevedore.internal.build;

import dev.stevedore.internal.fs.TempFiles;
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
 *
 * <p>What a reused digest notices: any write through the file system (it sets the ctime, which no
 * tool can set back), so also a content change whose mtime was put back ({@code touch -r},
 * {@code cp -p}, {@code rsync -t}) whatever its size; a file replaced by another (a new inode), a
 * chmod or chown (ctime). What it cannot notice: a change the kernel does not report in the stat
 * data, such as a file system that keeps no ctime, or a block device written under a mounted file
 * system. BuildKit's context transfer compares mode, owner, size and mtime only (so it misses an
 * in-place rewrite of the same size with the mtime put back); Jib compares mtimes only; Docker's
 * classic builder hashed every file.
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
    private volatile Map<String, Entry> entries;
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
        for (int i = 0; i < n && at >= 0; i++) {
            at = readEntry(bytes, at, entries);
        }
        if (at < 0) {
            entries.clear(); // cut short: nothing in it is worth the doubt
        }
        return new StatCache(file, entries);
    }

    /** Reads the entry at {@code at} into the map; @return where the next one starts, or -1 when the bytes end first. */
    private static int readEntry(byte[] bytes, int at, Map<String, Entry> entries) {
        int length = bytes.length - at < FIXED ? -1 : intAt(bytes, at);
        if (length < 0 || bytes.length - at < length + FIXED) {
            return -1;
        }
        String path = new String(bytes, at + 4, length, StandardCharsets.UTF_8);
        int stat = at + 4 + length;
        entries.put(path, new Entry(new Stat(longAt(bytes, stat), longAt(bytes, stat + 8), longAt(bytes, stat + 16),
                longAt(bytes, stat + 24)), Arrays.copyOfRange(bytes, stat + 32, stat + 64)));
        return stat + 64;
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
     * @param present the context's file paths now: only their entries are written, and kept
     */
    void save(Iterable<String> present) {
        if (!dirty) {
            return;
        }
        byte[] out = new byte[1 << 16];
        int at = 8;
        int count = 0;
        Map<String, Entry> kept = new ConcurrentHashMap<>(entries.size() * 4 / 3 + 1);
        for (String path : present) {
            Entry e = entries.get(path);
            if (e != null) {
                kept.put(path, e);
                byte[] name = path.getBytes(StandardCharsets.UTF_8);
                if (out.length - at < name.length + FIXED) {
                    out = Arrays.copyOf(out, Math.max(out.length * 2, at + name.length + FIXED));
                }
                at = writeEntry(out, at, name, e);
                count++;
            }
        }
        putInt(out, 0, MAGIC);
        putInt(out, 4, count);
        try {
            Files.createDirectories(file.getParent());
            Path temp = TempFiles.create(file.getParent(), file.getFileName().toString(), ".tmp");
            try {
                try (var stream = Files.newOutputStream(temp)) {
                    stream.write(out, 0, at);
                }
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                // Paths gone from the context go from memory too (a digest another build records meanwhile may
                // be lost with the old map: it is only hashed again).
                entries = kept;
                dirty = false;
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the build stat cache '" + file + "'", e);
        }
    }

    /** Writes an entry at {@code at}; @return where the next one goes. */
    private static int writeEntry(byte[] out, int at, byte[] name, Entry e) {
        putInt(out, at, name.length);
        System.arraycopy(name, 0, out, at + 4, name.length);
        int stat = at + 4 + name.length;
        putLong(out, stat, e.stat().size());
        putLong(out, stat + 8, e.stat().mtimeNanos());
        putLong(out, stat + 16, e.stat().ctimeNanos());
        putLong(out, stat + 24, e.stat().inode());
        System.arraycopy(e.sha256(), 0, out, stat + 32, 32);
        return stat + 64;
    }

    // A cold JVM interprets a loop of a few thousand turns throughout (only its callees get compiled), so
    // the loops above only call, and the bytes are big-endian by hand: ByteBuffer's accessors are many
    // calls deep.

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
