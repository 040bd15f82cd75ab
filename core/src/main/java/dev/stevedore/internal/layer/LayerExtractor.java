package dev.stevedore.internal.layer;

import dev.stevedore.internal.fs.FileTrees;
import dev.stevedore.internal.layer.ExtractOptions.DevicePolicy;
import dev.stevedore.internal.layer.ExtractOptions.WhiteoutMode;
import dev.stevedore.oci.Digest;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Unpacks a layer blob (tar, tar+gzip or tar+zstd) into a directory.
 *
 * <p>Every name is resolved inside the target by {@link ContainedRoot}: {@code ../}, absolute
 * names and symlinks (from the tar or from lower layers) cannot make it write elsewhere; the
 * final component of a name is replaced, never followed. The tar is parsed on the calling thread
 * while another thread decompresses ahead of it and a small pool creates the small files, since
 * creating files, not parsing, dominates on real disks. Everything that changes which name means
 * what (directories, links, deletions, replacements) stays on the parsing thread in tar order;
 * it first waits for any pending write to the names it touches, so the result is the same as
 * extracting one entry after the other.
 */
public final class LayerExtractor {
    private static final System.Logger LOG = System.getLogger(LayerExtractor.class.getName());
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";

    /**
     * The opaque mark an unprivileged user can set ({@code trusted.*} needs CAP_SYS_ADMIN), which
     * overlayfs reads when mounted with {@code userxattr}, as it is in a rootless container.
     */
    static final String USER_OPAQUE_XATTR = "user.overlay.opaque";

    /** The mark this process writes: root's, or the unprivileged one. */
    private static final String OPAQUE_XATTR = Posix.euid() == 0 ? OVERLAY_OPAQUE_XATTR : USER_OPAQUE_XATTR;
    private static final String XATTR_PAX = "SCHILY.xattr.";
    private static final String LIBARCHIVE_XATTR_PAX = "LIBARCHIVE.xattr.";
    /** Files up to this size are read into memory and handed to a writer thread. */
    private static final int SMALL_FILE = 1 << 20;
    /** Bytes of file content waiting for writer threads at most. */
    private static final int IN_FLIGHT_BYTES = 16 << 20;

    private final ContainedRoot root;
    private final ExtractOptions options;
    private final ExecutorService writers;
    private final Semaphore inFlight = new Semaphore(IN_FLIGHT_BYTES);
    private final Map<String, CompletableFuture<Void>> pending = new ConcurrentHashMap<>();
    private final AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    /** Real paths this layer created: an opaque whiteout hides only what lower layers made. */
    private final Set<String> layerPaths = new HashSet<>();
    private final List<DirMetadata> dirs = new ArrayList<>();
    private final AtomicInteger files = new AtomicInteger();
    private TarHeaderGuard guard;
    private int directories;
    private int symlinks;
    private int hardLinks;
    private int specialFiles;
    private int whiteouts;
    private int skipped;

    private record DirMetadata(String rel, int mode, FileTime mtime) {}

    private LayerExtractor(Path target, ExtractOptions options) {
        this.root = new ContainedRoot(target);
        this.options = options;
        this.writers = options.writerThreads() == 0 ? null
                : Executors.newFixedThreadPool(options.writerThreads(), r -> {
                    Thread t = new Thread(r, "stevedore-layer-writer");
                    t.setDaemon(true);
                    return t;
                });
    }

    /**
     * Extracts {@code layerBlob} into {@code target}, which must be an existing directory
     * (lower layers may already be extracted there when whiteouts are applied).
     *
     * @param layerBlob the blob as stored, compressed or not; read to its end, not closed
     * @return the diffID, blob digest and counts
     * @throws LayerException naming the entry when the tar is corrupt or an entry is refused
     * @throws UncheckedIOException when the target cannot be written
     */
    public static ExtractResult extract(InputStream layerBlob, Path target, ExtractOptions options) {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new LayerException("extraction target '" + target
                    + "' is not a directory; create it first");
        }
        LayerExtractor extractor = new LayerExtractor(target.toAbsolutePath().normalize(), options);
        try {
            return extractor.run(layerBlob);
        } finally {
            if (extractor.writers != null) {
                extractor.writers.shutdownNow();
                extractor.awaitWritersGone();
            }
        }
    }

    /**
     * A refused layer returns only once its writers are gone: none may still create a file in the
     * target when the caller, told of the failure, cleans it up. (They were interrupted; a file
     * system that holds one longer than a minute is not waited for.)
     */
    private void awaitWritersGone() {
        boolean interrupted = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try {
            for (;;) {
                try {
                    writers.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private ExtractResult run(InputStream layerBlob) {
        MessageDigest blobDigest = options.digestBlob() ? Digest.newMessageDigest(Digest.SHA256)
                : null;
        MessageDigest diffId = Digest.newMessageDigest(Digest.SHA256);
        LayerCompression compression;
        long tarSize;
        try {
            InputStream source = new NonClosing(layerBlob);
            BufferedInputStream blob = new BufferedInputStream(blobDigest == null ? source
                    : new DigestInputStream(source, blobDigest), 64 * 1024);
            compression = LayerCompression.detect(blob);
            CountingDigestInputStream tar;
            try (PipelinedInputStream decompressed = new PipelinedInputStream(
                    drainAfter(compression.decompress(blob), blob), "stevedore-layer-decompress")) {
                tar = new CountingDigestInputStream(decompressed, diffId);
                guard = new TarHeaderGuard(tar);
                TarArchiveInputStream entries = new TarArchiveInputStream(guard, "UTF-8");
                TarArchiveEntry entry;
                while ((entry = nextEntry(entries)) != null) {
                    checkWriters();
                    try {
                        apply(entry, entries);
                    } catch (LayerException e) {
                        throw e;
                    } catch (IOException | RuntimeException e) {
                        throw new LayerException("entry '" + ContainedRoot.abbreviate(entry.getName())
                                + "': " + e, e);
                    }
                }
                // The diffID covers the whole tar, end-of-archive blocks and padding included.
                tar.transferTo(OutputSink.INSTANCE);
            }
            tarSize = tar.count();
            awaitAllWriters();
            applyDirectoryMetadata();
        } catch (IOException e) {
            throw new LayerException("cannot read layer: " + e.getMessage(), e);
        }
        return new ExtractResult(Digest.fromMessageDigest(Digest.SHA256, diffId),
                blobDigest == null ? null : Digest.fromMessageDigest(Digest.SHA256, blobDigest),
                compression, tarSize,
                files.get(), directories, symlinks, hardLinks, specialFiles, whiteouts, skipped);
    }

    /** Reading the compressed stream to its end also puts its trailing bytes in the blob digest. */
    private static InputStream drainAfter(InputStream decompressed, InputStream blob) {
        return new java.io.FilterInputStream(decompressed) {
            @Override
            public void close() throws IOException {
                try {
                    blob.transferTo(OutputSink.INSTANCE);
                } finally {
                    super.close();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n < 0) {
                    blob.transferTo(OutputSink.INSTANCE);
                }
                return n;
            }
        };
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream in) {
        try {
            return in.getNextEntry();
        } catch (IOException | IllegalArgumentException e) {
            throw new LayerException("corrupt layer tar: " + e.getMessage(), e);
        }
    }

    private void apply(TarArchiveEntry entry, InputStream content) throws IOException {
        String name = entry.getName();
        List<String> parts = ContainedRoot.clean(name, name);
        if (parts.isEmpty()) {
            if (!entry.isDirectory()) {
                throw new LayerException("entry '" + name + "': names the root of the layer but is "
                        + "not a directory");
            }
            applyDirectoryEntry(entry, "");
            return;
        }
        String last = parts.get(parts.size() - 1);
        if (last.startsWith(WHITEOUT_PREFIX)) {
            applyWhiteout(name, parts, last);
            return;
        }
        String parent = root.resolveDirectory(name, parts, parts.size() - 1, true, this::awaitPath);
        String rel = parent.isEmpty() ? last : parent + "/" + last;
        layerPaths.add(rel);
        if (entry.isDirectory()) {
            applyDirectoryEntry(entry, rel);
        } else if (entry.isSymbolicLink()) {
            replace(rel);
            Path p = root.path(rel);
            Files.createSymbolicLink(p, Path.of(checkLinkName(name, entry.getLinkName())));
            finishMetadata(p, entry, true, xattrsOf(entry));
            symlinks++;
        } else if (entry.isLink()) {
            applyHardLink(name, entry.getLinkName(), rel);
        } else if (entry.isCharacterDevice() || entry.isBlockDevice()) {
            if (options.devices() == DevicePolicy.REFUSE) {
                throw new LayerException("entry '" + name + "': device nodes are not allowed "
                        + "in this extraction (" + (entry.isBlockDevice() ? "block" : "character")
                        + " device " + entry.getDevMajor() + ":" + entry.getDevMinor() + ")");
            }
            if (options.devices() == DevicePolicy.SKIP) {
                layerPaths.remove(rel);
                skipped++;
                return;
            }
            replace(rel);
            Path p = root.path(rel);
            int type = entry.isBlockDevice() ? Posix.S_IFBLK : Posix.S_IFCHR;
            Posix.mknod(p, type | (entry.getMode() & 07777),
                    Posix.makedev(entry.getDevMajor(), entry.getDevMinor()));
            finishMetadata(p, entry, false, xattrsOf(entry));
            specialFiles++;
        } else if (entry.isFIFO()) {
            replace(rel);
            Path p = root.path(rel);
            Posix.mknod(p, Posix.S_IFIFO | (entry.getMode() & 07777), 0);
            finishMetadata(p, entry, false, xattrsOf(entry));
            specialFiles++;
        } else if (entry.isFile()) {
            applyFile(entry, content, rel);
        } else {
            throw new LayerException("entry '" + name + "': unsupported tar entry type '"
                    + (char) entry.getLinkFlag() + "'");
        }
    }

    private static String checkLinkName(String entry, String link) {
        if (link.isEmpty() || ContainedRoot.clean(entry, link) == null) {
            throw new LayerException("entry '" + entry + "': empty link target");
        }
        return link;
    }

    private void applyDirectoryEntry(TarArchiveEntry entry, String rel) throws IOException {
        Path p = root.path(rel);
        if (!rel.isEmpty() && !root.isKnownDirectory(rel)) {
            awaitPath(rel);
            BasicFileAttributes a = ContainedRoot.lstat(p);
            if (a != null && !a.isDirectory()) {
                remove(rel, a);
                a = null;
            }
            if (a == null) {
                Files.createDirectory(p);
            }
            root.knownDirectory(rel);
        }
        if (options.preserveOwnership()) {
            Posix.lchown(p, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        }
        setXattrs(p, xattrsOf(entry));
        dirs.add(new DirMetadata(rel, entry.getMode() & 07777, entry.getLastModifiedTime()));
        directories++;
    }

    private void applyHardLink(String name, String linkName, String rel) throws IOException {
        List<String> target = ContainedRoot.clean(name, checkLinkName(name, linkName));
        if (target.isEmpty()) {
            throw new LayerException("entry '" + name + "': hard link to the layer root");
        }
        String targetParent = root.resolveDirectory(name, target, target.size() - 1, false,
                this::awaitPath);
        String targetLast = target.get(target.size() - 1);
        String targetRel = targetParent == null ? null
                : targetParent.isEmpty() ? targetLast : targetParent + "/" + targetLast;
        BasicFileAttributes a = null;
        if (targetRel != null) {
            awaitPath(targetRel);
            a = ContainedRoot.lstat(root.path(targetRel));
        }
        if (a == null) {
            throw new LayerException("entry '" + name + "': hard link target '" + linkName
                    + "' does not exist in this layer or below it");
        }
        if (a.isDirectory()) {
            throw new LayerException("entry '" + name + "': hard link target '" + linkName
                    + "' is a directory");
        }
        if (targetRel.equals(rel)) {
            return;
        }
        replace(rel);
        Files.createLink(root.path(rel), root.path(targetRel));
        hardLinks++;
    }

    private void applyFile(TarArchiveEntry entry, InputStream content, String rel)
            throws IOException {
        Map<String, byte[]> xattrs = xattrsOf(entry);
        replace(rel);
        Path p = root.path(rel);
        long size = entry.getSize();
        if (writers == null || size > SMALL_FILE) {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                byte[] buf = new byte[(int) Math.min(size, 256 * 1024)];
                long left = size;
                while (left > 0) {
                    int n = content.read(buf, 0, (int) Math.min(buf.length, left));
                    if (n < 0) {
                        throw new LayerException("entry '" + entry.getName() + "': tar ends inside "
                                + "the file's content");
                    }
                    writeFully(ch, ByteBuffer.wrap(buf, 0, n));
                    left -= n;
                }
            }
            finishMetadata(p, entry, false, xattrs);
            files.incrementAndGet();
            return;
        }
        int permits = (int) Math.max(1, size);
        acquire(permits);
        byte[] data;
        try {
            data = content.readNBytes((int) size);
        } catch (IOException | RuntimeException e) {
            inFlight.release(permits);
            throw e;
        }
        if (data.length != size) {
            inFlight.release(permits);
            throw new LayerException("entry '" + entry.getName() + "': tar ends inside the file's "
                    + "content");
        }
        CompletableFuture<Void> f = CompletableFuture.runAsync(() -> {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                writeFully(ch, ByteBuffer.wrap(data));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                inFlight.release(permits);
            }
            try {
                finishMetadata(p, entry, false, xattrs);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            files.incrementAndGet();
        }, writers);
        pending.put(rel, f);
        f.whenComplete((v, e) -> {
            pending.remove(rel, f);
            if (e != null) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                writerFailure.compareAndSet(null, new LayerException("entry '" + entry.getName()
                        + "': " + cause, cause));
            }
        });
    }

    private void acquire(int permits) throws InterruptedIOException {
        try {
            inFlight.acquire(Math.min(permits, IN_FLIGHT_BYTES));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while extracting layer");
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    /** Owner, then mode (chown clears setuid bits), xattrs, then mtime. */
    private void finishMetadata(Path p, TarArchiveEntry entry, boolean symlink,
            Map<String, byte[]> xattrs) throws IOException {
        if (options.preserveOwnership()) {
            Posix.lchown(p, (int) entry.getLongUserId(), (int) entry.getLongGroupId());
        }
        if (!symlink) {
            Posix.chmod(p, entry.getMode() & 07777);
        }
        setXattrs(p, xattrs);
        Posix.setMtime(p, entry.getLastModifiedTime());
    }

    /** Read on the parsing thread: the guard's raw values belong to the entry just returned. */
    private Map<String, byte[]> xattrsOf(TarArchiveEntry entry) {
        if (!options.preserveXattrs()) {
            return Map.of();
        }
        Map<String, String> pax = entry.getExtraPaxHeaders();
        if (pax.isEmpty()) {
            return Map.of();
        }
        Map<String, byte[]> result = new java.util.TreeMap<>();
        for (Map.Entry<String, String> e : pax.entrySet()) {
            String key = e.getKey();
            String xattr;
            byte[] value;
            if (key.startsWith(XATTR_PAX)) {
                xattr = key.substring(XATTR_PAX.length());
                value = guard.entryXattrs().get(xattr);
                if (value == null) {
                    value = e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
            } else if (key.startsWith(LIBARCHIVE_XATTR_PAX)) {
                xattr = java.net.URLDecoder.decode(key.substring(LIBARCHIVE_XATTR_PAX.length()),
                        java.nio.charset.StandardCharsets.UTF_8);
                value = java.util.Base64.getDecoder().decode(e.getValue().strip());
            } else {
                continue;
            }
            // Overlay's own attributes (redirect, metacopy, opaque) in a tar could make overlayfs
            // look up paths the layer does not contain; whiteouts say what overlay needs to know.
            if (xattr.startsWith("trusted.overlay.") || xattr.startsWith("user.overlay.")) {
                LOG.log(System.Logger.Level.WARNING, "ignoring xattr {0} of entry ''{1}''",
                        xattr, entry.getName());
                continue;
            }
            result.put(xattr, value);
        }
        return result;
    }

    private static void setXattrs(Path p, Map<String, byte[]> xattrs) {
        xattrs.forEach((name, value) -> Posix.setXattr(p, name, value));
    }

    private void applyWhiteout(String name, List<String> parts, String last) throws IOException {
        whiteouts++;
        if (options.whiteouts() == WhiteoutMode.OVERLAY) {
            String parent = root.resolveDirectory(name, parts, parts.size() - 1, true,
                    this::awaitPath);
            if (last.equals(OPAQUE)) {
                Posix.setXattr(root.path(parent), OPAQUE_XATTR, new byte[] {'y'});
                return;
            }
            if (last.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
                whiteouts--;
                skipped++;
                return;
            }
            String rel = child(parent, hiddenName(name, last));
            layerPaths.add(rel);
            replace(rel);
            Posix.mknod(root.path(rel), Posix.S_IFCHR, 0);
            return;
        }
        String parent = root.resolveDirectory(name, parts, parts.size() - 1, false,
                this::awaitPath);
        if (parent == null) {
            return;
        }
        if (last.equals(OPAQUE)) {
            awaitAllWriters();
            List<String> lower = new ArrayList<>();
            try (DirectoryStream<Path> children = Files.newDirectoryStream(root.path(parent))) {
                for (Path child : children) {
                    String rel = child(parent, child.getFileName().toString());
                    if (!layerPaths.contains(rel)) {
                        lower.add(rel);
                    }
                }
            }
            for (String rel : lower) {
                remove(rel, ContainedRoot.lstat(root.path(rel)));
            }
            return;
        }
        if (last.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
            whiteouts--;
            skipped++;
            return;
        }
        String rel = child(parent, hiddenName(name, last));
        if (layerPaths.contains(rel)) {
            return;
        }
        awaitPath(rel);
        BasicFileAttributes a = ContainedRoot.lstat(root.path(rel));
        if (a != null) {
            remove(rel, a);
        }
    }

    private static String hiddenName(String entry, String last) {
        String hidden = last.substring(WHITEOUT_PREFIX.length());
        if (hidden.isEmpty() || hidden.equals(".") || hidden.equals("..")) {
            throw new LayerException("entry '" + entry + "': whiteout names no file");
        }
        return hidden;
    }

    private static String child(String parent, String name) {
        return parent.isEmpty() ? name : parent + "/" + name;
    }

    /** Makes room for a new non-directory entry at {@code rel}. */
    private void replace(String rel) throws IOException {
        awaitPath(rel);
        BasicFileAttributes a = ContainedRoot.lstat(root.path(rel));
        if (a != null) {
            remove(rel, a);
        }
    }

    private void remove(String rel, BasicFileAttributes a) throws IOException {
        if (a == null) {
            return;
        }
        Path p = root.path(rel);
        if (!a.isDirectory()) {
            Files.delete(p);
            root.forget(rel);
            return;
        }
        awaitAllWriters();
        root.forget(rel);
        FileTrees.delete(p);
    }

    private void awaitPath(String rel) {
        CompletableFuture<Void> f = pending.get(rel);
        if (f != null) {
            await(f);
        }
    }

    private void awaitAllWriters() {
        for (CompletableFuture<Void> f : List.copyOf(pending.values())) {
            await(f);
        }
        checkWriters();
    }

    private void await(CompletableFuture<Void> f) {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerException("interrupted while extracting layer", e);
        } catch (ExecutionException e) {
            checkWriters();
        }
    }

    private void checkWriters() {
        Throwable failure = writerFailure.get();
        if (failure instanceof LayerException le) {
            throw new LayerException(le.getMessage(), le);
        }
        if (failure != null) {
            throw new LayerException("writing a file failed: " + failure, failure);
        }
    }

    /** Modes and mtimes of directories last: creating their children changed the mtimes. */
    private void applyDirectoryMetadata() throws IOException {
        for (int i = dirs.size() - 1; i >= 0; i--) {
            DirMetadata d = dirs.get(i);
            Path p = root.path(d.rel);
            BasicFileAttributes a = ContainedRoot.lstat(p);
            if (a == null || !a.isDirectory()) {
                continue;
            }
            Posix.chmod(p, d.mode);
            Posix.setMtime(p, d.mtime);
        }
    }

    /** Counts and digests what the tar parser reads. */
    private static final class CountingDigestInputStream extends ObservingInputStream {
        private final MessageDigest digest;
        private long count;

        CountingDigestInputStream(InputStream in, MessageDigest digest) {
            super(in);
            this.digest = digest;
        }

        long count() {
            return count;
        }

        @Override
        void observe(byte[] b, int off, int len) {
            digest.update(b, off, len);
            count += len;
        }
    }

    /** Leaves the caller's stream open: they own it. */
    private static final class NonClosing extends java.io.FilterInputStream {
        NonClosing(InputStream in) {
            super(in);
        }

        @Override
        public void close() {}
    }

    private static final class OutputSink extends java.io.OutputStream {
        static final OutputSink INSTANCE = new OutputSink();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
