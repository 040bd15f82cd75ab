package dev.stevedore.internal.store;

import dev.stevedore.internal.fs.FileTrees;
import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.ImageLayout;
import dev.stevedore.oci.image.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Blobs by digest in a directory that is itself an OCI image layout ({@code oci-layout},
 * {@code index.json}, {@code blobs/<algorithm>/<encoded>}), so skopeo, umoci and other OCI tools
 * read it directly. Safe for many threads and several processes at once.
 *
 * <p>Beside the layout the store keeps {@code ingest/} (blobs being written), {@code leases/}
 * (what ongoing operations protect from gc), {@code locks/} and {@code layers/} (unpacked layers,
 * see {@link LayerCache}). All of it lives on one filesystem, so moving a blob into place is a
 * single atomic link.
 *
 * <p>Concurrency: a writer streams into its own locked temporary file and links it into place;
 * the first writer of a digest wins and later identical ones just drop their copy. {@link #gc()}
 * takes the store's lock exclusively; writers take it shared only for the instant they create a
 * temporary file, add to a lease or link a blob, so a gc never sees a blob between "written" and
 * "leased".
 */
public final class ContentStore {

    /**
     * The largest document {@link #read} loads whole. Registries cap manifests at 4 MiB; configs
     * with long histories stay far below this, so anything bigger is an error or an attack.
     */
    public static final long MAX_DOCUMENT_SIZE = 32L << 20;

    /**
     * The {@code oci-layout} file exactly as this library writes it. A store holding these bytes needs no
     * parsing to be opened, which keeps Jackson's start (tens of milliseconds in a fresh JVM) off the
     * path of commands that never read another document; any other content is parsed and validated.
     */
    static final byte[] CURRENT_LAYOUT = ("{\"imageLayoutVersion\":\"" + ImageLayout.VERSION + "\"}")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    private final Path root;
    private final Path blobs;
    private final Path ingest;
    private final Path leases;
    private final FileLocks gcLock;
    private final ImageNames names;

    private ContentStore(Path root) {
        this.root = root;
        this.blobs = root.resolve(ImageLayout.BLOBS_DIRECTORY);
        this.ingest = root.resolve("ingest");
        this.leases = root.resolve("leases");
        this.gcLock = FileLocks.of(root.resolve("locks").resolve("gc.lock"));
        this.names = new ImageNames(this, FileLocks.of(root.resolve("locks").resolve("index.lock")));
    }

    /**
     * Opens a store, creating the layout when the directory is empty or missing.
     *
     * @param root the store's directory
     * @return the store
     * @throws dev.stevedore.oci.OciFormatException when the directory holds an image layout of
     *         a version this library does not read
     */
    public static ContentStore open(Path root) {
        Path absolute = root.toAbsolutePath().normalize();
        ContentStore store = new ContentStore(absolute);
        store.initialize();
        return store;
    }

    private void initialize() {
        try {
            Files.createDirectories(blobs.resolve(Digest.SHA256));
            Files.createDirectories(ingest);
            Files.createDirectories(leases);
            Path layoutFile = root.resolve(ImageLayout.FILE_NAME);
            byte[] layout;
            try {
                layout = Files.readAllBytes(layoutFile);
            } catch (NoSuchFileException e) {
                layout = null;
            }
            if (layout == null) {
                writeAtomically(layoutFile, OciJson.write(ImageLayout.current()), false);
            } else if (!Arrays.equals(layout, CURRENT_LAYOUT)) {
                // Reading validates the version: another major version is refused, naming the file.
                OciJson.read(layout, ImageLayout.class, layoutFile.toString());
            }
            names.initialize();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open content store '" + root + "'", e);
        }
    }

    /** @return the store's directory, an OCI image layout */
    public Path root() {
        return root;
    }

    /** @return the image names kept in {@code index.json} */
    public ImageNames names() {
        return names;
    }

    /**
     * Starts a lease: blobs added to it survive {@link #gc()} until it is closed.
     *
     * @param purpose what the lease is for, kept in the lease file for people reading it
     * @return the lease; close it when the work is named by an image or abandoned
     */
    public Lease lease(String purpose) {
        try (FileLocks.Held held = gcLock.shared()) {
            return Lease.create(leases, purpose);
        }
    }

    /**
     * Opens a writer for one blob.
     *
     * @param expected the digest the content must have, or null to compute a sha256 one
     * @param expectedSize the size the content must have, or -1 when unknown
     * @param lease the lease that protects the blob once written, or null when the caller names
     *        it right away under its own protection
     * @return the writer; {@link BlobWriter#commit()} it, and close it in any case
     */
    public BlobWriter writer(Digest expected, long expectedSize, Lease lease) {
        if (expected != null) {
            expected.newMessageDigest();
        }
        OwnedFile temp;
        try (FileLocks.Held held = gcLock.shared()) {
            temp = OwnedFile.create(ingest, "blob-", ".tmp");
        }
        return new BlobWriter(this, temp, expected, expectedSize, lease);
    }

    /**
     * Opens a writer for content its writer hashes anyway as it produces it (a layer writer digests its
     * tar): the store counts the bytes without hashing them a second time, and
     * {@link BlobWriter#commit(Digest)} takes the writer's sha256 of exactly the bytes it wrote.
     *
     * @param lease the lease that protects the blob once written, or null
     * @return the writer; commit it with the digest, and close it in any case
     */
    public BlobWriter writerForHashedContent(Lease lease) {
        OwnedFile temp;
        try (FileLocks.Held held = gcLock.shared()) {
            temp = OwnedFile.create(ingest, "blob-", ".tmp");
        }
        return new BlobWriter(this, temp, DigestCheck.counting("blob"), lease);
    }

    /**
     * Opens a writer whose received bytes survive a failure: they stay in
     * {@code ingest/partial-<algorithm>-<encoded>} and the next resumable writer of the same
     * digest continues after them ({@link BlobWriter#resumedAt()}), so an interrupted download
     * need not start over. The kept bytes are verified with the rest at commit; content found
     * corrupt is discarded. A gc removes partial files nobody is writing.
     *
     * <p>When another thread or process is writing the same blob right now, this returns a plain
     * writer starting from nothing.
     *
     * @param expected the digest the content must have
     * @param expectedSize the size the content must have, or -1 when unknown
     * @param lease the lease that protects the blob once written, or null
     * @return the writer; {@link BlobWriter#commit()} it, and close it in any case
     */
    public BlobWriter resumableWriter(Digest expected, long expectedSize, Lease lease) {
        Objects.requireNonNull(expected, "expected");
        expected.newMessageDigest();
        OwnedFile partial;
        try (FileLocks.Held held = gcLock.shared()) {
            partial = OwnedFile.openNamed(ingest.resolve("partial-" + expected.algorithm() + "-" + expected.encoded()));
        }
        if (partial == null) {
            return writer(expected, expectedSize, lease);
        }
        return new BlobWriter(this, partial, expected, expectedSize, lease, true);
    }

    /**
     * Stores a stream's content. When {@code expected} is given and the blob is already present,
     * the stream is not read at all.
     *
     * @param content the content, read to its end (not closed)
     * @param expected the digest it must have, or null to compute one
     * @param expectedSize its size, or -1 when unknown
     * @param lease protects the blob until an image names it; may be null
     * @return the blob's digest
     * @throws BlobMismatchException naming expected and actual digest or size; nothing is kept
     */
    public Digest put(InputStream content, Digest expected, long expectedSize, Lease lease) {
        if (expected != null && holdIfPresent(expected, lease)) {
            return expected;
        }
        try (BlobWriter writer = writer(expected, expectedSize, lease)) {
            content.transferTo(writer);
            return writer.commit();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store a blob in '" + root + "': " + e.getMessage(), e);
        }
    }

    /**
     * Stores a small blob such as a manifest or config.
     *
     * @param content the bytes
     * @param lease protects the blob until an image names it; may be null
     * @return the blob's sha256 digest
     */
    public Digest put(byte[] content, Lease lease) {
        return put(new ByteArrayInputStream(content), Digest.sha256(content), content.length, lease);
    }

    /**
     * Adds a blob to a lease when the store holds it, atomically with respect to gc: when this
     * returns true the blob stays until the lease is closed.
     *
     * @param digest the blob
     * @param lease the lease to add it to, or null just to check
     * @return whether the blob is present
     */
    public boolean holdIfPresent(Digest digest, Lease lease) {
        try (FileLocks.Held held = gcLock.shared()) {
            if (!exists(digest)) {
                return false;
            }
            if (lease != null) {
                lease.add(digest);
            }
            return true;
        }
    }

    /** Runs an action while gc cannot remove a blob, which must be present. */
    void holdWhile(Digest digest, Runnable action) {
        try (FileLocks.Held held = gcLock.shared()) {
            if (!exists(digest)) {
                throw new BlobNotFoundException(digest, root);
            }
            action.run();
        }
    }

    /** Called by a writer once its temporary file is verified and flushed. */
    void install(Path temp, Digest digest, Lease lease) throws IOException {
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        Path target = blobPath(digest);
        try (FileLocks.Held held = gcLock.shared()) {
            if (lease != null) {
                lease.add(digest);
            }
            Files.createDirectories(target.getParent());
            try {
                // link(2) never replaces: the first writer of a digest wins, the others see EEXIST.
                Files.createLink(target, temp);
            } catch (FileAlreadyExistsException e) {
                return;
            } catch (UnsupportedOperationException | IOException e) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            syncDirectory(target.getParent());
        }
    }

    /**
     * @param digest a blob's digest
     * @return whether the store holds it
     */
    public boolean exists(Digest digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    /**
     * @param digest a blob's digest
     * @return its size in bytes
     * @throws BlobNotFoundException when the store does not hold it
     */
    public long size(Digest digest) {
        try {
            return Files.size(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest, root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read blob " + digest + " in '" + root + "'", e);
        }
    }

    /**
     * Where a blob lives; it may not exist. Read it through {@link #open} unless a path is needed.
     *
     * @param digest a blob's digest
     * @return {@code blobs/<algorithm>/<encoded>} under the root
     */
    public Path blobPath(Digest digest) {
        Objects.requireNonNull(digest, "digest");
        return blobs.resolve(digest.algorithm()).resolve(digest.encoded());
    }

    /**
     * Opens a blob for reading, as stored.
     *
     * @param digest the blob's digest
     * @return its content; the caller closes it
     * @throws BlobNotFoundException when the store does not hold it
     */
    public InputStream open(Digest digest) {
        try {
            return Files.newInputStream(blobPath(digest));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(digest, root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read blob " + digest + " in '" + root + "'", e);
        }
    }

    /**
     * Opens a blob for reading and checks, at its end, that it still has its digest and the size
     * a descriptor announced: blobs on disk can be damaged after they were written.
     *
     * @param descriptor the blob's descriptor
     * @return its content, failing at the end with {@link BlobMismatchException} when corrupt
     */
    public InputStream openVerified(Descriptor descriptor) {
        return new VerifyingInputStream(open(descriptor.digest()), "blob", descriptor.digest(), descriptor.size());
    }

    /**
     * Reads a small blob whole (a manifest, config or index), verified against its digest.
     *
     * @param digest the blob's digest
     * @return its bytes
     * @throws BlobMismatchException when the stored bytes no longer have that digest
     * @throws IllegalArgumentException when the blob is larger than {@link #MAX_DOCUMENT_SIZE}
     */
    public byte[] read(Digest digest) {
        long size = size(digest);
        if (size > MAX_DOCUMENT_SIZE) {
            throw new IllegalArgumentException("blob " + digest + " is " + size + " bytes long; manifests, indexes "
                    + "and configs are read whole and may be at most " + MAX_DOCUMENT_SIZE + " bytes");
        }
        try (InputStream in = new VerifyingInputStream(open(digest), "blob", digest, -1)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read blob " + digest + " in '" + root + "'", e);
        }
    }

    /** @return the digests of every blob the store holds */
    public Set<Digest> blobs() {
        Set<Digest> result = new HashSet<>();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs)) {
            for (Path algorithmDir : algorithms) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(algorithmDir)) {
                    for (Path file : files) {
                        String text = algorithmDir.getFileName() + ":" + file.getFileName();
                        if (Digest.isValid(text)) {
                            result.add(Digest.parse(text));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list blobs in '" + root + "'", e);
        }
        return result;
    }

    /**
     * What a {@link #gc()} removed.
     *
     * @param removed the blobs removed
     * @param bytesFreed their total size
     * @param staleFilesRemoved temporary files, leases and half-unpacked layers of dead processes removed
     * @param layersRemoved the diffIDs of the unpacked layers removed
     */
    public record GcResult(Set<Digest> removed, long bytesFreed, int staleFilesRemoved, Set<Digest> layersRemoved) {
        public GcResult {
            removed = Set.copyOf(removed);
            layersRemoved = Set.copyOf(layersRemoved);
        }
    }

    /**
     * Removes every blob that no image name reaches and no open lease (in any process) holds,
     * every unpacked layer that no named image's config lists and no lease holds (by diffID),
     * and the temporary files, leases and half-unpacked layers of processes that died. Blobs
     * being written are never touched: they are not in {@code blobs/} yet.
     *
     * @return what was removed
     */
    public GcResult gc() {
        LayerCache layers = new LayerCache(this);
        List<Path> evicted = new ArrayList<>();
        GcResult result;
        try (FileLocks.Held held = gcLock.exclusive()) {
            Set<Digest> live = new HashSet<>();
            Set<Digest> liveDiffIds = new HashSet<>();
            markReachableFromNames(live, liveDiffIds);
            int stale = 0;
            for (Path leaseFile : list(leases)) {
                Set<Digest> leased = Lease.liveDigests(leaseFile);
                live.addAll(leased);
                liveDiffIds.addAll(leased);
                if (!Files.exists(leaseFile)) {
                    stale++;
                }
            }
            for (Path temp : list(ingest)) {
                if (OwnedFile.deleteIfStale(temp)) {
                    stale++;
                }
            }
            stale += names.removeStaleTemporaryFiles();
            stale += layers.removeStale();
            Set<Digest> removed = new HashSet<>();
            long freed = 0;
            for (Digest digest : blobs()) {
                if (!live.contains(digest)) {
                    Path path = blobPath(digest);
                    long size = Files.size(path);
                    if (Files.deleteIfExists(path)) {
                        removed.add(digest);
                        freed += size;
                    }
                }
            }
            Set<Digest> layersRemoved = new HashSet<>();
            for (Digest diffId : layers.unpacked()) {
                if (!liveDiffIds.contains(diffId)) {
                    evicted.add(layers.evict(diffId));
                    layersRemoved.add(diffId);
                }
            }
            result = new GcResult(removed, freed, stale, layersRemoved);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot collect garbage in '" + root + "'", e);
        }
        // Evicted layers were moved out of the cache under the lock; deleting them can take long.
        evicted.forEach(FileTrees::deleteIfExists);
        log().log(Level.DEBUG, () -> "gc of '" + root + "' removed " + result.removed().size() + " blobs and "
                + result.layersRemoved().size() + " unpacked layers");
        return result;
    }

    private void markReachableFromNames(Set<Digest> live, Set<Digest> liveDiffIds) {
        Deque<Descriptor> pending = new ArrayDeque<>(names.index().manifests());
        while (!pending.isEmpty()) {
            Descriptor d = pending.pop();
            if (!live.add(d.digest()) || !exists(d.digest())) {
                continue;
            }
            if (MediaTypes.isConfig(d.mediaType())) {
                liveDiffIds.addAll(OciJson.read(read(d.digest()), ImageConfig.class,
                        "config " + d.digest()).rootfs().diffIds());
            }
            pending.addAll(children(d));
        }
    }

    /** The store's gc lock, shared: gc cannot run while it is held. */
    FileLocks.Held holdOffGc() {
        return gcLock.shared();
    }

    /**
     * The descriptors a stored manifest or index refers to; nothing for other blobs.
     *
     * @param descriptor a blob's descriptor
     * @return its config and layers, its manifests, and its subject
     */
    public List<Descriptor> children(Descriptor descriptor) {
        return ImageGraph.hasChildren(descriptor) ? ImageGraph.children(descriptor, read(descriptor.digest())) : List.of();
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(result::add);
        }
        return result;
    }

    /**
     * Replaces a small file so readers see the old or the new content, never a mix: write a
     * temporary file beside it, flush, rename over it, flush the directory.
     */
    static void writeAtomically(Path target, byte[] content, boolean replace) throws IOException {
        TempFiles.Created created = TempFiles.createOpen(target.getParent(), "." + target.getFileName(), ".tmp");
        Path temp = created.path();
        try {
            try (FileChannel channel = created.channel()) {
                ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            if (replace) {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                try {
                    Files.createLink(target, temp);
                } catch (FileAlreadyExistsException e) {
                    return;
                }
            }
            syncDirectory(target.getParent());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /**
     * The logger, looked up when there is something to log: the logging back end's start-up (with
     * java.util.logging, tens of milliseconds on a fresh JVM) is not for every engine start to pay.
     */
    private static System.Logger log() {
        return System.getLogger(ContentStore.class.getName());
    }
}
