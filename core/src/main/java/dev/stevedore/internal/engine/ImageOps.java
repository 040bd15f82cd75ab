package dev.stevedore.internal.engine;

import dev.stevedore.ImageNotFoundException;
import dev.stevedore.StevedoreException;
import dev.stevedore.TransferProgress;
import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.internal.registry.PullResult;
import dev.stevedore.internal.registry.RegistryClient;
import dev.stevedore.internal.registry.RegistryException;
import dev.stevedore.internal.registry.RegistryOptions;
import dev.stevedore.internal.registry.TransferListener;
import dev.stevedore.image.ImageFormat;
import dev.stevedore.internal.archive.ArchiveException;
import dev.stevedore.internal.archive.DockerArchives;
import dev.stevedore.internal.archive.OciArchives;
import dev.stevedore.oci.image.ImageLayout;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import dev.stevedore.image.Image;
import dev.stevedore.internal.build.BuildOptions;
import dev.stevedore.internal.build.BuildResult;
import dev.stevedore.internal.build.ImageBuilder;
import dev.stevedore.internal.build.RunStepExecutor;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.layer.LayerDigests;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
import dev.stevedore.internal.store.BlobWriter;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/** Images in the store: resolving names, reading manifests and configs, making new images. */
public final class ImageOps {

    /** Names the engine keeps for itself, such as the build cache's; not the user's images. */
    private static final String INTERNAL_NAMES = "stevedore.internal/";
    private final ContentStore store;
    private final LayerCache layerCache;
    private final ExtractOptions extractOptions;
    /** Manifests and configs never change for a digest, so parsed ones are kept. */
    private final Map<Digest, Image> parsed = new ConcurrentHashMap<>();
    /** Unpacked layers and the image files containers read, by manifest digest. */
    private final Map<Digest, StoredImage> unpacked = new ConcurrentHashMap<>();
    /**
     * Names resolved against one version of {@code index.json}: every change replaces the file by
     * a rename, which gives it a new inode and modification time, so a stat tells whether the
     * cached answers still hold. Saves parsing the index for every container.
     */
    private Lease containersLease;
    private volatile IndexVersion resolved = new IndexVersion(null, null);

    private record IndexVersion(Object fileKey, FileTime modified, Map<String, ImageNames.NamedImage> names) {
        IndexVersion(Object fileKey, FileTime modified) {
            this(fileKey, modified, new ConcurrentHashMap<>());
        }
    }

    ImageOps(ContentStore store, LayerCache layerCache, ExtractOptions extractOptions) {
        this.store = store;
        this.layerCache = layerCache;
        this.extractOptions = extractOptions;
    }

    /** @return the store's root */
    public Path root() {
        return store.root();
    }

    /**
     * @param query a name, digest or unique digest prefix
     * @return the image, its platform's manifest when the name points at an index
     * @throws ImageNotFoundException naming the query and the store
     */
    public Image inspect(String query) {
        ImageNames.NamedImage named;
        try {
            named = resolve(query);
        } catch (dev.stevedore.internal.store.ImageNotFoundException e) {
            String detail = e.getMessage();
            int semi = detail.lastIndexOf("; ");
            throw new ImageNotFoundException(query, store.root(), semi < 0 ? null : detail.substring(semi + 2));
        }
        return load(named.name(), named.descriptor());
    }

    /**
     * Finds an image for a container, pulling it when the store does not have it, as
     * {@code docker run} does.
     *
     * @param query a name, digest or unique digest prefix
     * @return the image
     * @throws ImageNotFoundException naming the query, the store and why the pull failed
     */
    public Image inspectOrPull(String query) {
        try {
            return inspect(query);
        } catch (ImageNotFoundException missing) {
            if (!ImageReference.isValid(query)) {
                throw missing;
            }
            try {
                return pull(query, RegistryOptions.defaults(), TransferProgress.NONE);
            } catch (StevedoreException e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                throw new ImageNotFoundException(query, store.root(), "pulling it failed: " + cause.getMessage());
            }
        }
    }

    /**
     * Builds an image from a Dockerfile in a build-context directory.
     *
     * @param context the build context
     * @param options the build's options
     * @param runSteps runs the RUN steps, or null when no backend can (RUN steps then fail saying so)
     * @return the image, named by the first tag when there is one
     */
    public Image build(Path context, BuildOptions options, RunStepExecutor runSteps) {
        BuildResult result = new ImageBuilder(store, layerCache, runSteps).build(context, options);
        return load(result.tags().isEmpty() ? null : result.tags().get(0), result.manifest());
    }

    /** @return every named image, in the order they were named */
    public List<Image> list() {
        List<Image> images = new ArrayList<>();
        for (ImageNames.NamedImage n : store.names().list()) {
            if (n.name() != null && !n.name().startsWith(INTERNAL_NAMES) && store.exists(n.digest())) {
                images.add(load(n.name(), n.descriptor()));
            }
        }
        return images;
    }

    private ImageNames.NamedImage resolve(String query) {
        IndexVersion version = resolved;
        try {
            BasicFileAttributes now = Files.readAttributes(store.root().resolve(ImageLayout.INDEX_FILE_NAME),
                    BasicFileAttributes.class);
            if (!Objects.equals(now.fileKey(), version.fileKey()) || !now.lastModifiedTime().equals(version.modified())) {
                version = new IndexVersion(now.fileKey(), now.lastModifiedTime());
                resolved = version;
            }
        } catch (IOException e) {
            return store.names().resolve(query);
        }
        ImageNames.NamedImage named = version.names().get(query);
        if (named == null) {
            named = store.names().resolve(query);
            version.names().put(query, named);
        }
        return named;
    }

    Image load(String name, Descriptor descriptor) {
        Descriptor manifestDescriptor = descriptor;
        if (MediaTypes.isIndex(descriptor.mediaType())) {
            manifestDescriptor = platformManifest(name, descriptor);
        }
        Descriptor md = manifestDescriptor;
        Digest d = md.digest();
        Image image = parsed.get(d);
        if (image == null) {
            // Not computeIfAbsent, whose function would be a lambda made at run time on the first container's
            // path; two threads may both parse the same documents, to equal results.
            Manifest manifest = OciJson.read(store.read(d), Manifest.class, "manifest " + d);
            ImageConfig config = OciJson.read(store.read(manifest.config().digest()), ImageConfig.class,
                    "config " + manifest.config().digest());
            Image loaded = Image.of(null, md, manifest, config);
            Image raced = parsed.putIfAbsent(d, loaded);
            image = raced != null ? raced : loaded;
        }
        return Image.of(name, md, image.manifest(), image.config());
    }

    private Descriptor platformManifest(String name, Descriptor indexDescriptor) {
        Index index = OciJson.read(store.read(indexDescriptor.digest()), Index.class, "index " + indexDescriptor.digest());
        String arch = HostChecks.ociArchitecture();
        List<String> offered = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (d.platform() == null) {
                continue;
            }
            offered.add(d.platform().os() + "/" + d.platform().architecture());
            if ("linux".equals(d.platform().os()) && arch.equals(d.platform().architecture())
                    && store.exists(d.digest())) {
                return MediaTypes.isIndex(d.mediaType()) ? platformManifest(name, d) : d;
            }
        }
        throw new ImageNotFoundException(name == null ? indexDescriptor.digest().toString() : name, store.root(),
                "it has no linux/" + arch + " manifest in the store (it offers " + String.join(", ", offered) + ")");
    }

    /** Unpacks the image's layers (once per layer, shared by every container) and returns them, lowest first. */
    StoredImage unpacked(Image image) {
        StoredImage known = unpacked.get(image.digest());
        if (known != null && known.layers.stream().allMatch(Files::isDirectory)) {
            return known.image.equals(image) ? known : new StoredImage(image, known.layers, known);
        }
        StoredImage fresh = unpack(image);
        unpacked.put(image.digest(), fresh);
        return fresh;
    }

    private StoredImage unpack(Image image) {
        List<Digest> diffIds = image.config().rootfs().diffIds();
        List<Descriptor> layers = image.layers();
        if (diffIds.size() != layers.size()) {
            throw new IllegalStateException("image " + image.reference() + " is inconsistent: its manifest lists "
                    + layers.size() + " layers but its config " + diffIds.size() + " diff IDs; rebuild or re-pull it");
        }
        List<Path> dirs = new ArrayList<>(layers.size());
        for (int i = 0; i < layers.size(); i++) {
            dirs.add(layerCache.unpack(layers.get(i), diffIds.get(i), extractOptions, containersLease()));
        }
        return new StoredImage(image, dirs);
    }

    /**
     * Imports every image of an OCI layout directory, an OCI archive or a docker-archive (plain or
     * gzip-compressed), recognised by their content.
     *
     * @param source the directory or file
     * @return the imported images
     */
    public List<Image> load(Path source) {
        List<ImageNames.NamedImage> named;
        try {
            if (Files.isDirectory(source)) {
                if (!Files.isRegularFile(source.resolve(ImageLayout.FILE_NAME))) {
                    throw new IllegalArgumentException("'" + source + "' is a directory without an oci-layout file;"
                            + " give an OCI image layout, an OCI archive or a docker-archive");
                }
                named = OciArchives.importLayout(store, source);
            } else if (!Files.isRegularFile(source)) {
                throw new IllegalArgumentException("'" + source + "' does not exist; give an OCI image layout, an OCI"
                        + " archive or a docker-archive");
            } else {
                ImageFormat format = archiveFormat(source);
                try (InputStream in = tarStream(source)) {
                    named = format == ImageFormat.DOCKER_ARCHIVE
                            ? DockerArchives.importArchive(store, in, source.toString())
                            : OciArchives.importArchive(store, in, source.toString());
                }
            }
        } catch (ArchiveException e) {
            throw new StevedoreException("cannot load '" + source + "': " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + source + "'", e);
        }
        List<Image> images = new ArrayList<>();
        for (ImageNames.NamedImage n : named) {
            images.add(load(n.name(), n.descriptor()));
        }
        return images;
    }

    private static InputStream tarStream(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        return b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(in, 1 << 16) : in;
    }

    /** docker save writes manifest.json; an OCI archive has oci-layout and no manifest.json. */
    private static ImageFormat archiveFormat(Path file) throws IOException {
        boolean layout = false;
        try (TarArchiveInputStream tar = new TarArchiveInputStream(tarStream(file))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (name.equals("manifest.json")) {
                    return ImageFormat.DOCKER_ARCHIVE;
                }
                layout |= name.equals(ImageLayout.FILE_NAME);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' is not a tar file (" + e.getMessage() + "); give an OCI"
                    + " image layout, an OCI archive or a docker-archive", e);
        }
        if (!layout) {
            throw new IllegalArgumentException("'" + file + "' has neither manifest.json (docker-archive) nor"
                    + " oci-layout (OCI archive); give an OCI image layout, an OCI archive or a docker-archive");
        }
        return ImageFormat.OCI_ARCHIVE;
    }

    /**
     * Writes images for other tools.
     *
     * @param images names or digests
     * @param target the directory (layout) or file (archives) to write
     * @param format the format
     */
    public void export(List<String> images, Path target, ImageFormat format) {
        for (String image : images) {
            inspect(image);
        }
        try {
            if (format == ImageFormat.OCI_LAYOUT) {
                OciArchives.exportLayout(store, images, target);
                return;
            }
            Path temp = TempFiles.create(target.toAbsolutePath().getParent(), "." + target.getFileName(), ".tmp");
            try {
                try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16)) {
                    if (format == ImageFormat.DOCKER_ARCHIVE) {
                        DockerArchives.exportArchive(store, images, out);
                    } else {
                        OciArchives.exportArchive(store, images, out);
                    }
                }
                Files.move(temp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (ArchiveException e) {
            throw new StevedoreException("cannot export " + images + " to '" + target + "': " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + target + "'", e);
        }
    }

    /**
     * The lease that keeps the unpacked layers of images this engine ran from gc while it is open:
     * removing an image's name must not pull the lower dirs from under its running containers.
     */
    private synchronized Lease containersLease() {
        if (containersLease == null) {
            containersLease = store.lease("layers of containers of engine in process " + HostChecks.pid());
        }
        return containersLease;
    }

    synchronized void close() {
        if (containersLease != null) {
            containersLease.close();
            containersLease = null;
        }
    }

    /**
     * Pulls an image and names it in the store.
     *
     * @param reference the image, by tag or digest
     * @param options how registries are reached
     * @param progress hears blob progress: digest, bytes, total
     * @return the pulled image
     */
    public Image pull(String reference, RegistryOptions options, TransferProgress progress) {
        ImageReference ref = ImageReference.parse(reference);
        try {
            PullResult result = new RegistryClient(options).pull(ref, store, listener(progress));
            return inspect(result.name());
        } catch (RegistryException e) {
            throw new StevedoreException("cannot pull \"" + reference + "\": " + e.getMessage()
                    + "; check the name, the registry's address and your credentials (docker login)", e);
        }
    }

    /**
     * Pushes an image from the store to a registry.
     *
     * @param image the image's name or digest in the store
     * @param reference where to push it
     * @param options how registries are reached
     * @param progress hears blob progress
     */
    public void push(String image, String reference, RegistryOptions options, TransferProgress progress) {
        Image local = inspect(image);
        try {
            new RegistryClient(options).push(store, local.descriptor(), ImageReference.parse(reference),
                    listener(progress));
        } catch (RegistryException e) {
            throw new StevedoreException("cannot push \"" + image + "\" to \"" + reference + "\": " + e.getMessage()
                    + "; check the registry's address and your credentials (docker login)", e);
        }
    }

    private static TransferListener listener(TransferProgress progress) {
        return new TransferListener() {
            @Override
            public void progress(Descriptor blob, long bytes, long total) {
                progress.progress(blob.digest().toString(), bytes, total);
            }
        };
    }

    /**
     * Points another name at an image.
     *
     * @param source the image's name or digest
     * @param name the new name
     * @return the image under its new name
     */
    public Image tag(String source, String name) {
        Image image = inspect(source);
        String stored = store.names().tag(name, image.descriptor());
        return Image.of(stored, image.descriptor(), image.manifest(), image.config());
    }

    /**
     * Removes a name, or every name of an image given by digest; blobs go at the next gc.
     *
     * @param query a name or digest
     * @return the names removed
     */
    public List<String> remove(String query) {
        inspect(query);
        if (store.names().untag(query)) {
            return List.of(ImageNames.canonicalName(query));
        }
        return store.names().remove(query);
    }

    /**
     * Makes a one-layer image of a directory.
     *
     * @param rootfs the directory that becomes the image's root filesystem
     * @param name the name to store it under
     * @param config the run defaults
     * @return the stored image
     */
    public Image fromDirectory(Path rootfs, String name, ImageConfig.Config config) {
        if (!Files.isDirectory(rootfs)) {
            throw new IllegalArgumentException("'" + rootfs + "' is not a directory; give the directory that holds"
                    + " the image's root filesystem");
        }
        try (Lease lease = store.lease("image from " + rootfs)) {
            LayerDigests layer;
            Digest blob;
            try (BlobWriter writer = store.writer(null, -1, lease)) {
                layer = LayerWriter.write(rootfs, keepOpen(writer), LayerWriteOptions.defaults());
                blob = writer.commit();
            }
            Descriptor layerDescriptor = Descriptor.of(layer.compression().ociMediaType(), blob, layer.size());
            ImageConfig imageConfig = ImageConfig.of("linux", HostChecks.ociArchitecture())
                    .withConfig(config == null ? ImageConfig.Config.EMPTY : config)
                    .withRootFs(ImageConfig.RootFs.of(List.of(layer.diffId())))
                    .withHistory(List.of(ImageConfig.History.of(null, "stevedore: from directory", false)));
            return store(name, imageConfig, List.of(layerDescriptor), lease);
        }
    }

    /**
     * Adds a layer written by {@code writeTar} (an uncompressed tar) on top of an image.
     *
     * @param base the image the layer goes on
     * @param name the name to store the result under
     * @param createdBy the history entry's text
     * @param writeTar writes the layer's tar to the stream it is given
     * @return the new image
     */
    Image addLayer(Image base, String name, String createdBy, Consumer<OutputStream> writeTar) {
        try (Lease lease = store.lease("commit " + name)) {
            MessageDigest diff = Digest.newMessageDigest(Digest.SHA256);
            Digest blob;
            long size;
            try (BlobWriter writer = store.writer(null, -1, lease)) {
                OutputStream gzip = LayerCompression.GZIP.compress(keepOpen(writer),
                        LayerWriteOptions.DEFAULT_GZIP_LEVEL);
                try (DigestOutputStream tar = new DigestOutputStream(gzip, diff)) {
                    writeTar.accept(tar);
                }
                blob = writer.commit();
                size = writer.size();
            }
            Digest diffId = Digest.fromMessageDigest(Digest.SHA256, diff);
            Instant now = Instant.now();
            ImageConfig config = base.config().withCreated(now)
                    .withAddedLayer(diffId, ImageConfig.History.of(now, createdBy, false));
            List<Descriptor> layers = new ArrayList<>(base.layers());
            layers.add(Descriptor.of(MediaTypes.LAYER_TAR_GZIP, blob, size));
            return store(name, config, layers, lease);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a layer into '" + store.root() + "'", e);
        }
    }

    private Image store(String name, ImageConfig config, List<Descriptor> layers, Lease lease) {
        byte[] configBytes = OciJson.write(config);
        store.put(configBytes, lease);
        Manifest manifest = Manifest.of(Descriptor.of(MediaTypes.IMAGE_CONFIG, configBytes), layers);
        byte[] manifestBytes = OciJson.write(manifest);
        store.put(manifestBytes, lease);
        Descriptor descriptor = Descriptor.of(MediaTypes.IMAGE_MANIFEST, manifestBytes);
        String stored = store.names().tag(name, descriptor);
        return Image.of(stored, descriptor, manifest, config);
    }

    /** The layer code closes what it writes to; blob writers must stay open until committed. */
    private static OutputStream keepOpen(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }
}
