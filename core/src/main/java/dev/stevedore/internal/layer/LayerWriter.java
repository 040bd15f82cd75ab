package dev.stevedore.internal.layer;

import dev.stevedore.oci.Digest;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * Writes layers: a whole directory, or a list of changes with whiteouts for deletions, or an
 * overlayfs upper directory. Output is reproducible: entries sorted by path component, owner
 * names left empty, timestamps fixed by the options, so the same files give the same digests
 * on every run and machine, whatever order they were created in.
 */
public final class LayerWriter {
    private static final String XATTR_PAX = "SCHILY.xattr.";
    private static final int COPY_BUFFER = 128 * 1024;

    /** Orders paths component by component, an opaque marker right after its directory. */
    static final Comparator<List<String>> PATH_ORDER = (a, b) -> {
        int n = Math.min(a.size(), b.size());
        for (int i = 0; i < n; i++) {
            String x = a.get(i);
            String y = b.get(i);
            if (!x.equals(y)) {
                if (x.equals(LayerExtractor.OPAQUE)) {
                    return -1;
                }
                if (y.equals(LayerExtractor.OPAQUE)) {
                    return 1;
                }
                return x.compareTo(y);
            }
        }
        return Integer.compare(a.size(), b.size());
    };

    private final TarArchiveOutputStream tar;
    private final LayerWriteOptions options;
    private final Map<String, String> firstPathOfInode = new HashMap<>();
    private final byte[] buffer = new byte[COPY_BUFFER];

    private LayerWriter(TarArchiveOutputStream tar, LayerWriteOptions options) {
        this.tar = tar;
        this.options = options;
    }

    /**
     * Writes every file below {@code dir} (not {@code dir} itself) as a layer. Sockets are left
     * out; files with several links inside {@code dir} become hard link entries.
     *
     * @param out receives the compressed layer; not closed
     * @throws LayerException naming the file that could not be read
     */
    public static LayerDigests write(Path dir, OutputStream out, LayerWriteOptions options) {
        return session(out, options, w -> w.walk(dir, ""));
    }

    /**
     * Writes the given changes of {@code root} as a layer: added and modified paths as entries
     * taken from {@code root} (their parent directories too, so owners and modes carry over),
     * deleted paths as {@code .wh.NAME} whiteouts, opaque directories with {@code .wh..wh..opq}.
     * A changed directory is written alone; list its changed contents as changes of their own.
     *
     * @throws LayerException when an added or modified path does not exist under {@code root}
     */
    public static LayerDigests writeChanges(Path root, List<LayerChange> changes, OutputStream out,
            LayerWriteOptions options) {
        TreeMap<List<String>, LayerChange.Kind> items = new TreeMap<>(PATH_ORDER);
        // Parents are written when they exist, so owners and modes carry over; a deleted file's
        // parent may be gone too.
        java.util.Set<String> parentsOnly = new java.util.HashSet<>();
        for (LayerChange change : changes) {
            List<String> parts = change.path().isEmpty() ? List.of()
                    : List.of(change.path().split("/"));
            for (int i = 1; i < parts.size(); i++) {
                if (items.putIfAbsent(parts.subList(0, i), LayerChange.Kind.MODIFIED) == null) {
                    parentsOnly.add(String.join("/", parts.subList(0, i)));
                }
            }
            switch (change.kind()) {
                case DELETED: {
                    List<String> whiteout = new ArrayList<>(parts.subList(0, parts.size() - 1));
                    whiteout.add(LayerExtractor.WHITEOUT_PREFIX + parts.get(parts.size() - 1));
                    items.put(whiteout, LayerChange.Kind.DELETED);
                    break;
                }
                case OPAQUE: {
                    if (!parts.isEmpty()) {
                        items.putIfAbsent(parts, LayerChange.Kind.MODIFIED);
                        parentsOnly.remove(change.path());
                    }
                    List<String> marker = new ArrayList<>(parts);
                    marker.add(LayerExtractor.OPAQUE);
                    items.put(marker, LayerChange.Kind.OPAQUE);
                    break;
                }
                default:
                    if (!parts.isEmpty()) {
                        items.put(parts, change.kind());
                        parentsOnly.remove(change.path());
                    }
            }
        }
        return session(out, options, w -> {
            for (Map.Entry<List<String>, LayerChange.Kind> item : items.entrySet()) {
                String rel = String.join("/", item.getKey());
                if (item.getValue() == LayerChange.Kind.DELETED
                        || item.getValue() == LayerChange.Kind.OPAQUE) {
                    w.whiteout(rel);
                    continue;
                }
                Path p = root.resolve(rel);
                if (ContainedRoot.lstat(p) == null) {
                    if (parentsOnly.contains(rel)) {
                        continue;
                    }
                    throw new LayerException("changed path '" + rel + "' does not exist under '"
                            + root + "'");
                }
                w.entry(p, rel);
            }
        });
    }

    /**
     * Writes an overlayfs upper directory as a layer, its whiteouts (0/0 character devices) and
     * opaque directories turned into OCI whiteouts; see {@link OverlayDiff}.
     */
    public static LayerDigests writeOverlayUpper(Path upperDir, OutputStream out,
            LayerWriteOptions options) {
        return writeChanges(upperDir, OverlayDiff.changes(upperDir), out, options);
    }

    private interface Body {
        void run(LayerWriter writer) throws IOException;
    }

    private static LayerDigests session(OutputStream out, LayerWriteOptions options, Body body) {
        // An uncompressed blob is the tar itself: one digest serves as both.
        MessageDigest blobDigest = options.compression() == LayerCompression.NONE ? null
                : Digest.newMessageDigest(Digest.SHA256);
        MessageDigest diffId = Digest.newMessageDigest(Digest.SHA256);
        CountingOutputStream blob = new CountingOutputStream(out, blobDigest);
        try {
            OutputStream compressed = options.compression().compress(blob, options.level());
            TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(
                    new BufferedOutputStream(compressed, COPY_BUFFER), diffId),
                    StandardCharsets.UTF_8.name());
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            tar.setAddPaxHeadersForNonAsciiNames(true);
            try (tar) {
                body.run(new LayerWriter(tar, options));
                tar.finish();
            }
            out.flush();
        } catch (IOException e) {
            throw new LayerException("cannot write layer: " + e.getMessage(), e);
        }
        Digest tarDigest = Digest.fromMessageDigest(Digest.SHA256, diffId);
        return new LayerDigests(tarDigest,
                blobDigest == null ? tarDigest : Digest.fromMessageDigest(Digest.SHA256, blobDigest), blob.count,
                options.compression());
    }

    private void walk(Path dir, String prefix) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort(Comparator.comparing(p -> p.getFileName().toString()));
        // The entries' attributes and small contents are read ahead on other threads, a window at a time,
        // while this one writes them in order.
        List<Future<Loaded>> ahead = new ArrayList<>(children.size());
        for (int i = 0; i < children.size(); i++) {
            for (int j = ahead.size(); j < children.size() && j <= i + READ_AHEAD; j++) {
                Path child = children.get(j);
                ahead.add(READERS.submit(() -> load(child)));
            }
            Loaded loaded = await(ahead.get(i));
            ahead.set(i, null);
            String rel = prefix + children.get(i).getFileName();
            if (write(loaded, rel)) {
                walk(children.get(i), rel + "/");
            }
        }
    }

    private static Loaded await(Future<Loaded> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing a layer");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Files read ahead of the tar: opening and reading thousands of them is mostly waiting in the kernel. */
    private static final int READ_AHEAD = 32;
    /** Files up to this size are read whole ahead of the tar; larger ones stream into it. */
    private static final long SMALL_FILE = 64 * 1024;
    private static final ExecutorService READERS = Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
                Thread t = new Thread(r, "stevedore-layer-reader");
                t.setDaemon(true);
                return t;
            });

    /** One file system object as the tar needs it; {@code content} is null for a file read as it is written. */
    private record Loaded(Path path, Map<String, Object> attributes, Map<String, byte[]> xattrs, String linkTarget,
            byte[] content) {}

    private Loaded load(Path p) throws IOException {
        // Named, not "unix:*": that would also look up the owner's and group's names, two NSS queries a file.
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,nlink,dev,ino,size,rdev,lastModifiedTime",
                LinkOption.NOFOLLOW_LINKS);
        int type = (Integer) a.get("mode") & Posix.S_IFMT;
        if (type == Posix.S_IFSOCK) {
            return new Loaded(p, a, Map.of(), null, null);
        }
        String link = type == Posix.S_IFLNK ? Files.readSymbolicLink(p).toString() : null;
        byte[] content = null;
        long size = (Long) a.get("size");
        if (type == Posix.S_IFREG && size <= SMALL_FILE) {
            try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
                content = in.readNBytes((int) size);
            }
        }
        return new Loaded(p, a, options.xattrs() ? Posix.xattrs(p) : Map.of(), link, content);
    }

    /** Writes one file system object; @return whether it was a directory. */
    boolean entry(Path p, String rel) throws IOException {
        return write(load(p), rel);
    }

    private boolean write(Loaded loaded, String rel) throws IOException {
        Map<String, Object> a = loaded.attributes();
        int mode = (Integer) a.get("mode");
        int type = mode & Posix.S_IFMT;
        TarArchiveEntry e;
        boolean content = false;
        switch (type) {
            case Posix.S_IFDIR:
                e = new TarArchiveEntry(rel + "/", TarConstants.LF_DIR);
                break;
            case Posix.S_IFREG: {
                String first = null;
                if ((Integer) a.get("nlink") > 1) {
                    String inode = a.get("dev") + ":" + a.get("ino");
                    first = firstPathOfInode.putIfAbsent(inode, rel);
                }
                if (first != null) {
                    e = new TarArchiveEntry(rel, TarConstants.LF_LINK);
                    e.setLinkName(first);
                } else {
                    e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL);
                    e.setSize((Long) a.get("size"));
                    content = true;
                }
                break;
            }
            case Posix.S_IFLNK:
                e = new TarArchiveEntry(rel, TarConstants.LF_SYMLINK);
                e.setLinkName(loaded.linkTarget());
                break;
            case Posix.S_IFCHR:
            case Posix.S_IFBLK: {
                e = new TarArchiveEntry(rel, type == Posix.S_IFCHR ? TarConstants.LF_CHR
                        : TarConstants.LF_BLK);
                long rdev = (Long) a.get("rdev");
                e.setDevMajor((int) Posix.major(rdev));
                e.setDevMinor((int) Posix.minor(rdev));
                break;
            }
            case Posix.S_IFIFO:
                e = new TarArchiveEntry(rel, TarConstants.LF_FIFO);
                break;
            default:
                return false; // sockets belong to a running process, not to an image
        }
        e.setMode(mode & 07777);
        e.setUserId(Integer.toUnsignedLong((Integer) a.get("uid")));
        e.setGroupId(Integer.toUnsignedLong((Integer) a.get("gid")));
        e.setUserName("");
        e.setGroupName("");
        e.setLastModifiedTime(options.mtime() != null ? FileTime.from(options.mtime())
                : (FileTime) a.get("lastModifiedTime"));
        for (Map.Entry<String, byte[]> x : new TreeMap<>(loaded.xattrs()).entrySet()) {
            if (exportable(x.getKey())) {
                e.addPaxHeader(XATTR_PAX + x.getKey(), utf8(x.getKey(), x.getValue(), rel));
            }
        }
        tar.putArchiveEntry(e);
        if (content) {
            if (loaded.content() == null) {
                copy(loaded.path(), rel, e.getSize());
            } else if (loaded.content().length < e.getSize()) {
                throw shrank(rel, e.getSize());
            } else {
                tar.write(loaded.content());
            }
        }
        tar.closeArchiveEntry();
        return type == Posix.S_IFDIR;
    }

    private static LayerException shrank(String rel, long size) {
        return new LayerException("file '" + rel + "' shrank while it was written to the layer (" + size
                + " bytes expected); retry when it is not in use");
    }

    /**
     * commons-compress writes PAX values as UTF-8 text, so a binary value that is not valid UTF-8
     * (file capabilities naming cap_setuid, for one) cannot be written faithfully; refuse rather
     * than write a different value.
     */
    private static String utf8(String name, byte[] value, String rel) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(value)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new LayerException("xattr " + name + " of '" + rel + "' has a binary value that "
                    + "this writer cannot store yet (PAX values are written as UTF-8); remove the "
                    + "attribute or write the layer without xattrs");
        }
    }

    /** Overlay's bookkeeping and the host's SELinux labels describe this host, not the image. */
    private static boolean exportable(String xattr) {
        return !xattr.startsWith("trusted.overlay.") && !xattr.startsWith("user.overlay.")
                && !xattr.equals("security.selinux");
    }

    private void copy(Path p, String rel, long size) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw shrank(rel, size);
                }
                tar.write(buffer, 0, n);
                left -= n;
            }
        }
    }

    private void whiteout(String rel) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(rel, TarConstants.LF_NORMAL);
        e.setMode(0);
        e.setSize(0);
        e.setUserId(0L);
        e.setGroupId(0L);
        e.setUserName("");
        e.setGroupName("");
        e.setLastModifiedTime(FileTime.from(options.mtime() != null ? options.mtime()
                : java.time.Instant.EPOCH));
        tar.putArchiveEntry(e);
        tar.closeArchiveEntry();
    }

    /** Counts and digests the blob bytes; leaves the caller's stream open. */
    private static final class CountingOutputStream extends FilterOutputStream {
        private final MessageDigest digest;
        long count;

        CountingOutputStream(OutputStream out, MessageDigest digest) {
            super(out);
            this.digest = digest;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            if (digest != null) {
                digest.update((byte) b);
            }
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            if (digest != null) {
                digest.update(b, off, len);
            }
            count += len;
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }

}
