package dev.stevedore.internal.archive;

import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageGraph;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Annotations;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageLayout;
import dev.stevedore.oci.image.Index;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images to and from OCI image layouts: a layout directory, or an OCI archive (the same layout
 * in a tar, as {@code skopeo copy oci-archive:} writes it). Names travel as
 * {@code org.opencontainers.image.ref.name} annotations; every blob is verified against its
 * digest and size on the way in and on the way out.
 */
public final class OciArchives {

    private static final String BLOBS = ImageLayout.BLOBS_DIRECTORY + "/";

    private OciArchives() {
    }

    /**
     * Writes images into an OCI image layout directory, creating it, or adding to the layout
     * already there (entries with the same names are replaced). Blobs are written before
     * {@code index.json}, so the layout is never seen naming a blob it lacks.
     *
     * @param store where the images are
     * @param images names, digests or unique digest prefixes
     * @param dir the layout directory
     * @return the index entries written
     */
    public static List<Descriptor> exportLayout(ContentStore store, List<String> images, Path dir) {
        ExportPlan plan = ExportPlan.of(store, images);
        try {
            Path layoutFile = dir.resolve(ImageLayout.FILE_NAME);
            Path indexFile = dir.resolve(ImageLayout.INDEX_FILE_NAME);
            if (Files.isDirectory(dir) && !Files.exists(layoutFile)) {
                try (var entries = Files.list(dir)) {
                    if (entries.findAny().isPresent()) {
                        throw new ArchiveException("cannot export into '" + dir
                                + "': it is neither empty nor an OCI image layout (no oci-layout file)");
                    }
                }
            }
            Files.createDirectories(dir);
            Index existing = Files.exists(layoutFile) ? readLayout(dir) : Index.of(List.of());
            for (Descriptor blob : plan.blobs().values()) {
                copyBlobInto(store, blob, dir);
            }
            if (!Files.exists(layoutFile)) {
                Files.write(layoutFile, OciJson.write(ImageLayout.current()));
            }
            Set<String> names = new HashSet<>();
            plan.entries().forEach(e -> names.add(e.annotations().get(Annotations.REF_NAME)));
            List<Descriptor> merged = new ArrayList<>();
            for (Descriptor d : existing.manifests()) {
                String name = d.annotations().get(Annotations.REF_NAME);
                if (name == null ? !plan.entries().contains(d) : !names.contains(name)) {
                    merged.add(d);
                }
            }
            merged.addAll(plan.entries());
            Path temp = TempFiles.create(dir, ".index.json", ".tmp");
            Files.write(temp, OciJson.write(existing.withManifests(merged)));
            Files.move(temp, indexFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return plan.entries();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export to '" + dir + "'", e);
        }
    }

    private static void copyBlobInto(ContentStore store, Descriptor blob, Path dir) throws IOException {
        Path target = dir.resolve(ImageLayout.BLOBS_DIRECTORY).resolve(blob.digest().algorithm())
                .resolve(blob.digest().encoded());
        if (Files.isRegularFile(target) && Files.size(target) == blob.size()) {
            return;
        }
        Files.createDirectories(target.getParent());
        Path temp = TempFiles.create(target.getParent(), "." + blob.digest().encoded(), ".tmp");
        try {
            try (InputStream in = store.openVerified(blob)) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes images as an OCI archive: {@code oci-layout}, {@code index.json} and
     * {@code blobs/...} in a tar stream.
     *
     * @param store where the images are
     * @param images names, digests or unique digest prefixes
     * @param out where the tar goes (not closed)
     * @return the index entries written
     */
    public static List<Descriptor> exportArchive(ContentStore store, List<String> images, OutputStream out) {
        ExportPlan plan = ExportPlan.of(store, images);
        try {
            TarArchiveOutputStream tar = Tars.writer(new NonClosingOutputStream(out));
            Tars.file(tar, ImageLayout.FILE_NAME, OciJson.write(ImageLayout.current()));
            Tars.file(tar, ImageLayout.INDEX_FILE_NAME, OciJson.write(Index.of(plan.entries())));
            Tars.directory(tar, BLOBS);
            Set<String> algorithms = new HashSet<>();
            for (Descriptor blob : plan.blobs().values()) {
                String algorithm = blob.digest().algorithm();
                if (algorithms.add(algorithm)) {
                    Tars.directory(tar, BLOBS + algorithm + "/");
                }
                try (InputStream in = store.openVerified(blob)) {
                    Tars.file(tar, BLOBS + algorithm + "/" + blob.digest().encoded(), blob.size(), in);
                }
            }
            tar.finish();
            tar.close();
            return plan.entries();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write OCI archive", e);
        }
    }

    /**
     * Imports every image an OCI layout directory lists: named entries keep their names (in
     * canonical reference form), unnamed ones are listed by digest.
     *
     * @param store where the images go
     * @param dir the layout directory
     * @return the imported images
     * @throws ArchiveException when the layout is malformed or lacks a blob it refers to
     */
    public static List<ImageNames.NamedImage> importLayout(ContentStore store, Path dir) {
        Index index = readLayout(dir);
        try (Lease lease = store.lease("import of " + dir)) {
            for (Descriptor entry : index.manifests()) {
                copyIn(store, entry, dir, lease, "'" + dir + "'");
            }
            return name(store, index);
        }
    }

    private static void copyIn(ContentStore store, Descriptor d, Path dir, Lease lease, String source) {
        if (!store.holdIfPresent(d.digest(), lease)) {
            Path blob = dir.resolve(ImageLayout.BLOBS_DIRECTORY).resolve(d.digest().algorithm())
                    .resolve(d.digest().encoded());
            try (InputStream in = Files.newInputStream(blob)) {
                store.put(in, d.digest(), d.size(), lease);
            } catch (NoSuchFileException e) {
                throw missing(source, d);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read '" + blob + "'", e);
            }
        }
        checkStored(store, d, source);
        for (Descriptor child : store.children(d)) {
            copyIn(store, child, dir, lease, source);
        }
    }

    /**
     * Imports every image of an OCI archive, streaming: blobs go into the store as they come,
     * whatever their order in the tar, and names are set once the whole archive was read and
     * every image found complete.
     *
     * @param store where the images go
     * @param in the tar stream (not closed)
     * @param source the archive's name for messages, such as its path
     * @return the imported images
     * @throws ArchiveException when the archive is malformed or lacks a blob it refers to
     */
    public static List<ImageNames.NamedImage> importArchive(ContentStore store, InputStream in, String source) {
        byte[] layout = null;
        byte[] indexBytes = null;
        try (Lease lease = store.lease("import of " + source)) {
            TarArchiveInputStream tar = Tars.reader(in);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = Tars.normalize(source, entry.getName());
                if (!entry.isFile()) {
                    continue;
                }
                if (name.equals(ImageLayout.FILE_NAME)) {
                    layout = tar.readNBytes(64 * 1024);
                } else if (name.equals(ImageLayout.INDEX_FILE_NAME)) {
                    indexBytes = tar.readAllBytes();
                } else if (name.startsWith(BLOBS) && name.indexOf('/', BLOBS.length()) > 0) {
                    String digest = name.substring(BLOBS.length()).replace('/', ':');
                    if (!Digest.isValid(digest)) {
                        throw new ArchiveException(source + ": entry '" + name + "' is not named by a valid digest: "
                                + Digest.problem(digest));
                    }
                    store.put(Tars.content(tar, entry, source), Digest.parse(digest), entry.getSize(), lease);
                }
            }
            if (layout == null) {
                throw new ArchiveException(source + " is not an OCI archive: it has no oci-layout file");
            }
            OciJson.read(layout, ImageLayout.class, source + " oci-layout");
            if (indexBytes == null) {
                throw new ArchiveException(source + " is not an OCI archive: it has no index.json");
            }
            Index index = OciJson.read(indexBytes, Index.class, source + " index.json");
            for (Descriptor d : index.manifests()) {
                checkComplete(store, d, lease, source);
            }
            return name(store, index);
        } catch (IOException e) {
            throw new ArchiveException(source + " cannot be read as a tar (" + e.getMessage()
                    + "); the archive is truncated or corrupt", e);
        }
    }

    private static void checkComplete(ContentStore store, Descriptor d, Lease lease, String source) {
        if (!store.holdIfPresent(d.digest(), lease)) {
            throw missing(source, d);
        }
        checkStored(store, d, source);
        for (Descriptor child : store.children(d)) {
            checkComplete(store, child, lease, source);
        }
    }

    private static void checkStored(ContentStore store, Descriptor d, String source) {
        long size = store.size(d.digest());
        if (size != d.size()) {
            throw new ArchiveException(source + ": blob " + d.digest() + " is " + size
                    + " bytes long but its descriptor says " + d.size());
        }
    }

    private static ArchiveException missing(String source, Descriptor d) {
        return new ArchiveException(source + " lacks blob " + d.digest() + " (" + d.mediaType()
                + ") that its images refer to");
    }

    private static List<ImageNames.NamedImage> name(ContentStore store, Index index) {
        List<ImageNames.NamedImage> result = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (!ImageGraph.hasChildren(d)) {
                continue;
            }
            String name = d.annotations().get(Annotations.REF_NAME);
            if (name == null) {
                store.names().addUnnamed(d);
                result.add(new ImageNames.NamedImage(null, d));
            } else {
                result.add(new ImageNames.NamedImage(store.names().tag(name, d), d));
            }
        }
        return result;
    }

    private static Index readLayout(Path dir) {
        try {
            Path layoutFile = dir.resolve(ImageLayout.FILE_NAME);
            if (!Files.isRegularFile(layoutFile)) {
                throw new ArchiveException("'" + dir + "' is not an OCI image layout: it has no oci-layout file");
            }
            OciJson.read(Files.readAllBytes(layoutFile), ImageLayout.class, layoutFile.toString());
            Path indexFile = dir.resolve(ImageLayout.INDEX_FILE_NAME);
            if (!Files.isRegularFile(indexFile)) {
                throw new ArchiveException("'" + dir + "' is not an OCI image layout: it has no index.json");
            }
            return OciJson.read(Files.readAllBytes(indexFile), Index.class, indexFile.toString());
        } catch (OciFormatException e) {
            throw new ArchiveException("'" + dir + "' is not a valid OCI image layout: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the OCI image layout '" + dir + "'", e);
        }
    }
}
