package dev.stevedore.internal.archive;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.docker.DockerArchiveManifest;
import dev.stevedore.oci.docker.DockerArchiveManifestEntry;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Images to and from docker-archive tarballs, the format of {@code docker save} and
 * {@code docker load}: {@code manifest.json} listing each image's config file, tags and layer
 * tars, the config JSON, one directory per layer with its uncompressed {@code layer.tar}, and the
 * legacy {@code repositories} file.
 */
public final class DockerArchives {

    private static final String MANIFEST = DockerArchiveManifest.FILE_NAME;
    private static final String REPOSITORIES = "repositories";

    private DockerArchives() {
    }

    /**
     * Writes images as a docker-archive. Layers are written uncompressed, as docker does, and
     * checked against the config's diffIDs; a multi-platform image contributes its manifest for
     * this machine's platform.
     *
     * @param store where the images are
     * @param images names, digests or unique digest prefixes
     * @param out where the tar goes (not closed)
     */
    public static void exportArchive(ContentStore store, List<String> images, OutputStream out) {
        if (images.isEmpty()) {
            throw new IllegalArgumentException("no image to export");
        }
        try {
            TarArchiveOutputStream tar = Tars.writer(new NonClosingOutputStream(out));
            List<DockerArchiveManifestEntry> entries = new ArrayList<>();
            Map<String, Map<String, String>> repositories = new TreeMap<>();
            Set<String> written = new HashSet<>();
            for (String query : images) {
                ImageNames.NamedImage image = store.names().resolve(query);
                Descriptor manifestDescriptor = platformManifest(store, image.descriptor(), query);
                Manifest manifest = OciJson.read(store.read(manifestDescriptor.digest()), Manifest.class,
                        "manifest of " + query);
                byte[] configBytes = store.read(manifest.config().digest());
                ImageConfig config = OciJson.read(configBytes, ImageConfig.class, "config of " + query);
                List<Digest> diffIds = config.rootfs().diffIds();
                if (diffIds.size() != manifest.layers().size()) {
                    throw new ArchiveException("cannot export " + query + ": its config lists " + diffIds.size()
                            + " diffIDs for " + manifest.layers().size() + " layers");
                }
                List<String> layerPaths = new ArrayList<>();
                String parent = null;
                for (int i = 0; i < diffIds.size(); i++) {
                    // Docker's legacy per-layer ids: a chain over the diffIDs, so equal stacks share directories.
                    String id = Digest.sha256(((parent == null ? "" : parent + " ") + diffIds.get(i)).getBytes(StandardCharsets.UTF_8))
                            .encoded();
                    if (written.add(id)) {
                        writeLayer(tar, store, manifest.layers().get(i), diffIds.get(i), id, parent, query);
                    }
                    layerPaths.add(id + "/layer.tar");
                    parent = id;
                }
                String configPath = manifest.config().digest().encoded() + ".json";
                if (written.add(configPath)) {
                    Tars.file(tar, configPath, configBytes);
                }
                List<String> repoTags = new ArrayList<>();
                if (image.name() != null && ImageReference.isValid(image.name())) {
                    ImageReference ref = ImageReference.parse(image.name());
                    if (ref.tag().isPresent() && ref.digest().isEmpty()) {
                        String familiar = ref.familiar();
                        repoTags.add(familiar);
                        String repository = familiar.substring(0, familiar.length() - ref.tag().get().length() - 1);
                        if (parent != null) {
                            repositories.computeIfAbsent(repository, r -> new TreeMap<>()).put(ref.tag().get(), parent);
                        }
                    }
                }
                entries.add(DockerArchiveManifestEntry.of(configPath, repoTags, layerPaths));
            }
            Tars.file(tar, MANIFEST, OciJson.write(new DockerArchiveManifest(entries)));
            Tars.file(tar, REPOSITORIES, OciJson.write(repositories));
            tar.finish();
            tar.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write docker archive", e);
        }
    }

    private static Descriptor platformManifest(ContentStore store, Descriptor d, String query) {
        if (MediaTypes.isManifest(d.mediaType())) {
            return d;
        }
        if (!MediaTypes.isIndex(d.mediaType())) {
            throw new ArchiveException("cannot export " + query + " as a docker archive: " + d.digest()
                    + " is a " + d.mediaType() + ", not an image");
        }
        String arch = hostArchitecture();
        Index index = OciJson.read(store.read(d.digest()), Index.class, "index of " + query);
        for (Descriptor m : index.manifests()) {
            if (m.platform() != null && "linux".equals(m.platform().os()) && arch.equals(m.platform().architecture())) {
                return platformManifest(store, m, query);
            }
        }
        throw new ArchiveException("cannot export " + query + " as a docker archive: its index has no manifest for linux/"
                + arch);
    }

    private static String hostArchitecture() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> arch;
        };
    }

    private static void writeLayer(TarArchiveOutputStream tar, ContentStore store, Descriptor blob, Digest diffId,
            String id, String parent, String query) throws IOException {
        // Docker archives hold uncompressed tars, whose size the header needs before the data:
        // a first pass measures (and checks the diffID), the second one writes.
        long size;
        try (InputStream tarStream = uncompressed(store, blob)) {
            MessageDigest md = diffId.newMessageDigest();
            size = new DigestInputStream(tarStream, md).transferTo(OutputStream.nullOutputStream());
            Digest actual = Digest.fromMessageDigest(diffId.algorithm(), md);
            if (!actual.equals(diffId)) {
                throw new ArchiveException("cannot export " + query + ": layer " + blob.digest()
                        + " uncompresses to " + actual + " but the config's diffID is " + diffId);
            }
        }
        Tars.directory(tar, id + "/");
        Tars.file(tar, id + "/VERSION", "1.0".getBytes(StandardCharsets.US_ASCII));
        Map<String, String> json = new LinkedHashMap<>();
        json.put("id", id);
        if (parent != null) {
            json.put("parent", parent);
        }
        Tars.file(tar, id + "/json", OciJson.write(json));
        try (InputStream tarStream = uncompressed(store, blob)) {
            Tars.file(tar, id + "/layer.tar", size, tarStream);
        }
    }

    private static InputStream uncompressed(ContentStore store, Descriptor blob) throws IOException {
        BufferedInputStream in = new BufferedInputStream(store.openVerified(blob), 64 * 1024);
        return LayerCompression.detect(in).decompress(in);
    }

    /**
     * Imports every image of a docker-archive, streaming: each file of the tar goes into the
     * store as it comes, and once {@code manifest.json} has been read (docker writes it last) the
     * images are assembled as OCI images over those blobs, their layers checked against the
     * config's diffIDs, and tagged with their {@code RepoTags}.
     *
     * @param store where the images go
     * @param in the tar stream (not closed)
     * @param source the archive's name for messages, such as its path
     * @return the imported images
     * @throws ArchiveException when the archive is malformed or inconsistent
     */
    public static List<ImageNames.NamedImage> importArchive(ContentStore store, InputStream in, String source) {
        Map<String, Descriptor> files = new HashMap<>();
        Map<String, String> links = new HashMap<>();
        try (Lease lease = store.lease("import of " + source)) {
            TarArchiveInputStream tar = Tars.reader(in);
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = Tars.normalize(source, entry.getName());
                if (entry.isSymbolicLink()) {
                    String dir = name.contains("/") ? name.substring(0, name.lastIndexOf('/') + 1) : "";
                    links.put(name, Tars.normalize(source, Path.of(dir + entry.getLinkName())
                            .normalize().toString()));
                } else if (entry.isLink()) {
                    links.put(name, Tars.normalize(source, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Digest digest = store.put(Tars.content(tar, entry, source), null, entry.getSize(), lease);
                    files.put(name, Descriptor.of(MediaTypes.LAYER_TAR, digest, entry.getSize()));
                }
            }
            Descriptor manifestFile = resolve(files, links, MANIFEST, source, "its manifest");
            DockerArchiveManifest manifest;
            try {
                manifest = OciJson.read(store.read(manifestFile.digest()), DockerArchiveManifest.class,
                        source + " " + MANIFEST);
            } catch (OciFormatException e) {
                throw new ArchiveException(source + " is not a valid docker archive: " + e.getMessage(), e);
            }
            List<ImageNames.NamedImage> result = new ArrayList<>();
            for (DockerArchiveManifestEntry image : manifest.entries()) {
                Descriptor m = assemble(store, lease, image, files, links, source);
                if (image.repoTags().isEmpty()) {
                    store.names().addUnnamed(m);
                    result.add(new ImageNames.NamedImage(null, m));
                }
                for (String tag : image.repoTags()) {
                    result.add(new ImageNames.NamedImage(store.names().tag(tag, m), m));
                }
            }
            return result;
        } catch (IOException e) {
            throw new ArchiveException(source + " cannot be read as a tar (" + e.getMessage()
                    + "); the archive is truncated or corrupt", e);
        }
    }

    private static Descriptor assemble(ContentStore store, Lease lease, DockerArchiveManifestEntry image,
            Map<String, Descriptor> files, Map<String, String> links, String source) throws IOException {
        Descriptor configFile = resolve(files, links, image.config(), source, "the config of " + image.repoTags());
        byte[] configBytes = store.read(configFile.digest());
        ImageConfig config;
        try {
            config = OciJson.read(configBytes, ImageConfig.class, source + " " + image.config());
        } catch (OciFormatException e) {
            throw new ArchiveException(source + ": " + e.getMessage(), e);
        }
        List<Digest> diffIds = config.rootfs().diffIds();
        if (diffIds.size() != image.layers().size()) {
            throw new ArchiveException(source + ": " + image.config() + " lists " + diffIds.size() + " diffIDs but "
                    + MANIFEST + " lists " + image.layers().size() + " layers");
        }
        List<Descriptor> layers = new ArrayList<>();
        for (int i = 0; i < diffIds.size(); i++) {
            String path = image.layers().get(i);
            Descriptor file = resolve(files, links, path, source, "layer " + path);
            LayerCompression compression;
            Digest diffId;
            try (BufferedInputStream in = new BufferedInputStream(store.open(file.digest()), 64 * 1024)) {
                compression = LayerCompression.detect(in);
                diffId = compression == LayerCompression.NONE ? file.digest()
                        : Digest.sha256(compression.decompress(in));
            }
            if (!diffId.equals(diffIds.get(i))) {
                throw new ArchiveException(source + ": layer " + path + " has diffID " + diffId + " but "
                        + image.config() + " says " + diffIds.get(i));
            }
            layers.add(Descriptor.of(compression.ociMediaType(), file.digest(), file.size()));
        }
        Descriptor configDescriptor = Descriptor.of(MediaTypes.IMAGE_CONFIG, configFile.digest(), configFile.size());
        byte[] manifestBytes = OciJson.write(Manifest.of(configDescriptor, layers));
        Digest digest = store.put(manifestBytes, lease);
        return new Descriptor(MediaTypes.IMAGE_MANIFEST, digest, manifestBytes.length, null, null, null, null,
                config.platform(), null);
    }

    private static Descriptor resolve(Map<String, Descriptor> files, Map<String, String> links, String path,
            String source, String what) {
        String current = Tars.normalize(source, path);
        Map<String, Boolean> seen = new LinkedHashMap<>();
        while (links.containsKey(current)) {
            if (seen.put(current, true) != null) {
                throw new ArchiveException(source + ": " + what + " '" + path + "' is a link loop");
            }
            current = links.get(current);
        }
        Descriptor file = files.get(current);
        if (file == null) {
            throw new ArchiveException(source + " is not a complete docker archive: " + what + " '" + path
                    + "' is missing");
        }
        return file;
    }
}
