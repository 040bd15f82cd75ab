package dev.stevedore.internal.store;

import dev.stevedore.internal.fs.FileTrees;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.ExtractResult;
import dev.stevedore.internal.layer.LayerException;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Unpacked layers, each extracted once into {@code layers/<algorithm>/<encoded diffID>} of the
 * store and shared by every container whose image has it. A layer keeps its whiteouts in
 * overlayfs form (see {@link ExtractOptions.WhiteoutMode#OVERLAY}), so the directory serves as an
 * overlayfs lower dir as is, and the copying snapshotter applies them itself.
 *
 * <p>Preparation is safe under concurrency: each preparer extracts into its own directory under
 * {@code layers/ingest/} and renames it into place; when another one was faster the rename fails
 * and the copy is dropped. A directory under {@code layers/<algorithm>/} is therefore always
 * complete.
 */
public final class LayerCache {

    private final ContentStore store;
    private final Path root;
    private final Path ingest;

    /**
     * @param store the store whose blobs are unpacked, and under whose root they are kept
     */
    public LayerCache(ContentStore store) {
        this.store = store;
        this.root = store.root().resolve("layers");
        this.ingest = root.resolve("ingest");
        try {
            Files.createDirectories(ingest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create '" + ingest + "'", e);
        }
    }

    /**
     * @param diffId a layer's diffID
     * @return where the unpacked layer lives (it may not exist)
     */
    public Path path(Digest diffId) {
        return root.resolve(diffId.algorithm()).resolve(diffId.encoded());
    }

    /**
     * @param diffId a layer's diffID
     * @return whether it is unpacked
     */
    public boolean contains(Digest diffId) {
        return Files.isDirectory(path(diffId));
    }

    /**
     * Returns the unpacked layer, extracting it from its blob first when needed.
     *
     * @param blob the layer blob's descriptor (any compression the extractor reads)
     * @param diffId the diffID the image config gives for it, checked against the tar
     * @param options how to extract; whiteouts are always kept in overlayfs form
     * @param lease protects the unpacked layer (by its diffID) from {@link ContentStore#gc()}
     *        while it is used, such as for the life of a container; null when the image is named
     *        and the caller accepts that removing the name makes the layer collectable
     * @return the unpacked layer's directory
     * @throws BlobMismatchException when the tar does not have the expected diffID; nothing is kept
     * @throws LayerException naming the blob when it is corrupt (its digest no longer matches,
     *         or it cannot be decompressed) or the extractor refuses an entry; nothing is kept
     */
    public Path unpack(Descriptor blob, Digest diffId, ExtractOptions options, Lease lease) {
        Path target = path(diffId);
        try (FileLocks.Held held = store.holdOffGc()) {
            if (lease != null) {
                lease.add(diffId);
            }
            if (Files.isDirectory(target)) {
                return target;
            }
        }
        OwnedFile created;
        try (FileLocks.Held held = store.holdOffGc()) {
            // Created and locked under the lock, so no gc takes it for a dead preparer's.
            created = OwnedFile.create(ingest, "unpack-", ".lock");
        }
        try (OwnedFile marker = created) {
            Path work = workDir(marker.path());
            Files.createDirectory(work);
            try {
                ExtractResult result;
                // The store's stream verifies the blob's digest and size as the extractor drains it.
                try (InputStream in = store.openVerified(blob)) {
                    result = LayerExtractor.extract(in, work,
                            options.withWhiteouts(ExtractOptions.WhiteoutMode.OVERLAY).withDigestBlob(false));
                } catch (LayerException e) {
                    throw new LayerException("cannot unpack layer " + blob.digest() + " of store '" + store.root()
                            + "': " + e.getMessage(), e);
                }
                if (!result.diffId().equals(diffId)) {
                    throw BlobMismatchException.digest("the tar of layer " + blob.digest(), diffId, result.diffId());
                }
                Files.createDirectories(target.getParent());
                try (FileLocks.Held held = store.holdOffGc()) {
                    Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileSystemException e) {
                    // rename(2) onto a non-empty directory fails (ENOTEMPTY): another preparer
                    // won, and its copy is as good as ours.
                    if (!Files.isDirectory(target)) {
                        throw e;
                    }
                }
                ContentStore.syncDirectory(target.getParent());
                return target;
            } finally {
                FileTrees.deleteIfExists(work);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack layer " + blob.digest() + " into '" + target + "'", e);
        }
    }

    /** @return the diffIDs of every unpacked layer */
    Set<Digest> unpacked() {
        Set<Digest> result = new HashSet<>();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(root, p -> !p.equals(ingest))) {
            for (Path algorithmDir : algorithms) {
                try (DirectoryStream<Path> layers = Files.newDirectoryStream(algorithmDir)) {
                    for (Path layer : layers) {
                        String text = algorithmDir.getFileName() + ":" + layer.getFileName();
                        if (Digest.isValid(text)) {
                            result.add(Digest.parse(text));
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list unpacked layers in '" + root + "'", e);
        }
        return result;
    }

    /**
     * Moves an unpacked layer out of the cache (called by gc under its exclusive lock).
     *
     * @return where it went, to be deleted once the lock is released
     */
    Path evict(Digest diffId) throws IOException {
        Path trash = ingest.resolve("evicted-" + diffId.encoded() + "-" + System.nanoTime() + ".dir");
        Files.move(path(diffId), trash, StandardCopyOption.ATOMIC_MOVE);
        return trash;
    }

    /**
     * Removes the half-extracted directories of preparers that died, and evicted layers whose
     * deletion was interrupted.
     *
     * @return how many were removed
     */
    public int removeStale() {
        int removed = 0;
        List<Path> markers = new ArrayList<>();
        List<Path> evicted = new ArrayList<>();
        // One listing, its names compared as strings: a glob filter compiles a regular expression, which
        // costs an engine's start in a fresh JVM more than the listing.
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(ingest)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (name.endsWith(".lock")) {
                    markers.add(entry);
                } else if (name.startsWith("evicted-")) {
                    evicted.add(entry);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list '" + ingest + "'", e);
        }
        for (Path marker : markers) {
            if (OwnedFile.deleteIfStale(marker)) {
                FileTrees.deleteIfExists(workDir(marker));
                removed++;
            }
        }
        // Layers a gc evicted but could not finish deleting (it died, or another gc races it).
        for (Path dir : evicted) {
            FileTrees.deleteIfExists(dir);
            removed++;
        }
        return removed;
    }

    private static Path workDir(Path marker) {
        String name = marker.getFileName().toString();
        return marker.resolveSibling(name.substring(0, name.length() - ".lock".length()) + ".dir");
    }

}
