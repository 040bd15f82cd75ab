package dev.stevedore.internal.build;

import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.layer.LayerDigests;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
import dev.stevedore.internal.store.BlobWriter;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.ImageNotFoundException;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import dev.stevedore.oci.image.Platform;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Builds images from Dockerfiles into a content store: parse, plan (global ARGs, the stages the target
 * needs), then each step against an image state (config and layers), every step's result cached by a
 * key of its inputs. Instructions other than RUN need no container: COPY and ADD assemble their files in
 * a directory that becomes the layer (and, moved into the unpacked-layer cache, the layer's unpacked
 * form); RUN goes to a {@link RunStepExecutor}.
 *
 * <p>One builder per store; {@link #build} may be called from several threads, and other processes may
 * build into the same store.
 */
public final class ImageBuilder {

    private final ContentStore store;
    private final LayerCache layers;
    private final RunStepExecutor runner;
    private final BuildCache cache;
    private final Path tmp;
    private final Map<Path, StatCache> statCaches = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * @param store where base images are found and results go
     * @param layers the store's unpacked layers
     * @param runner runs RUN steps, or null when no container backend is available (a RUN then fails
     *     saying so)
     */
    public ImageBuilder(ContentStore store, LayerCache layers, RunStepExecutor runner) {
        this.store = store;
        this.layers = layers;
        this.runner = runner;
        this.cache = new BuildCache(store);
        this.tmp = store.root().resolve("build-cache").resolve("tmp");
        try {
            Files.createDirectories(tmp);
            removeStaleTemp();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create '" + tmp + "'", e);
        }
    }

    /**
     * Builds the Dockerfile of a context directory.
     *
     * @param contextDir the build context
     * @param options the Dockerfile, build args, target, tags...
     * @return the image, stored and tagged
     * @throws DockerfileException {@code Dockerfile:LINE: problem} for a malformed Dockerfile or a step
     *     that fails (missing source, failed RUN, unknown base image...)
     */
    public BuildResult build(Path contextDir, BuildOptions options) {
        Path context = contextDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(context)) {
            throw new IllegalArgumentException("build context '" + contextDir + "' is not a directory");
        }
        Path dockerfilePath = options.dockerfile() != null ? options.dockerfile() : context.resolve("Dockerfile");
        if (!Files.isRegularFile(dockerfilePath)) {
            throw new IllegalArgumentException("no Dockerfile at '" + dockerfilePath
                    + "': put one in the context directory or name it in the build options");
        }
        Dockerfile dockerfile = DockerfileParser.parse(dockerfilePath);
        for (String warning : dockerfile.warnings()) {
            options.listener().warning(warning);
        }
        try (Lease lease = store.lease("build of " + context)) {
            Build build = new Build(this, context, dockerfile, options, lease);
            return build.run();
        }
    }

    ContentStore store() {
        return store;
    }

    BuildCache cache() {
        return cache;
    }

    RunStepExecutor runner() {
        return runner;
    }

    /** The statistics cache of a context directory, shared by the builds of this builder. */
    StatCache statCache(Path context) {
        StatCache cache = statCaches.get(context);
        if (cache == null) {
            // Not computeIfAbsent with a lambda (see Build): builds of one context that start together may each
            // load it, and all use the one stored first.
            StatCache loaded = StatCache.load(store.root().resolve("build-cache").resolve("stat").resolve(
                    HexFormat.of().formatHex(Digest.newMessageDigest(Digest.SHA256)
                            .digest(context.toString().getBytes(StandardCharsets.UTF_8)))));
            cache = statCaches.putIfAbsent(context, loaded);
            if (cache == null) {
                cache = loaded;
            }
        }
        return cache;
    }

    /**
     * The directory of a {@code RUN --mount=type=cache}, kept in the store by its id between builds;
     * made on first use, owned and moded as the mount asks, and put in place whole (by a rename) so
     * that builds running at once agree on it.
     */
    Path cacheMount(RunMounts.CacheDir cache) {
        Path dir = store.root().resolve("build-cache").resolve("mounts").resolve(HexFormat.of().formatHex(
                Digest.newMessageDigest(Digest.SHA256).digest(cache.id().getBytes(StandardCharsets.UTF_8))));
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Path made = newTempDir("cache-mount");
        try {
            Files.createDirectories(dir.getParent());
            Files.setPosixFilePermissions(made, java.nio.file.attribute.PosixFilePermissions.fromString(
                    permissions(cache.mode())));
            Files.setAttribute(made, "unix:uid", (int) cache.uid());
            Files.setAttribute(made, "unix:gid", (int) cache.gid());
            Files.move(made, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            deleteTree(made);
        } catch (IOException e) {
            deleteTree(made);
            throw new UncheckedIOException("cannot make the cache mount '" + cache.id() + "' in '" + dir + "'", e);
        }
        return dir;
    }

    private static String permissions(int mode) {
        StringBuilder s = new StringBuilder();
        for (int shift = 6; shift >= 0; shift -= 3) {
            int bits = mode >> shift;
            s.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
        }
        return s.toString();
    }

    /** A new empty directory on the store's file system, so it can be renamed into the layer cache. */
    Path newTempDir(String purpose) {
        try {
            return TempFiles.createDirectory(tmp, ProcessHandle.current().pid() + "-" + purpose + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory in '" + tmp + "'", e);
        }
    }

    private void removeStaleTemp() throws IOException {
        try (var entries = Files.newDirectoryStream(tmp)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                int dash = name.indexOf('-');
                if (dash > 0 && name.substring(0, dash).chars().allMatch(Character::isDigit)
                        && ProcessHandle.of(Long.parseLong(name.substring(0, dash))).isEmpty()) {
                    deleteTree(p);
                }
            }
        }
    }

    static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete '" + p + "'", e);
        }
    }

    /** Where a layer is (or would be) unpacked. */
    Path unpackedPath(Digest diffId) {
        return layers.path(diffId);
    }

    /** The record of what the last run of a COPY or ADD step wrote, by the step's lineage. */
    Path copyIndexFile(String lineage) {
        return store.root().resolve("build-cache").resolve("copy").resolve(lineage);
    }

    /**
     * Threads for file work that mostly waits in the kernel (creating, copying, hashing many files):
     * more than the cores, so a file system busy with its journal does not leave them idle.
     */
    private static final java.util.concurrent.ForkJoinPool FILE_IO = new java.util.concurrent.ForkJoinPool(
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

    /** Starts work on the file-I/O threads; {@link dev.stevedore.internal.engine.EngineCore#joined} gives its result or its failure. */
    static <T> java.util.concurrent.CompletableFuture<T> inBackground(java.util.function.Supplier<T> work) {
        return java.util.concurrent.CompletableFuture.supplyAsync(work, FILE_IO);
    }

    /** Starts work on a file-I/O thread that reports its outcome its own way. */
    static void startOnFileThread(Runnable work) {
        FILE_IO.execute(work);
    }

    /** Runs an action whose parallel streams use the file-I/O threads. */
    static void onFileThreads(Runnable action) {
        try {
            FILE_IO.submit(action).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while copying or hashing files", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** A layer of an image: its blob and its diffID. */
    record LayerRef(Descriptor blob, Digest diffId) {}

    /** An image as the build goes: its config and layers. */
    record ImageState(ImageConfig config, List<LayerRef> layers) {}

    /** The unpacked directories of an image's layers, extracting what is not yet; the lease keeps them from gc. */
    List<Path> unpacked(List<LayerRef> refs, Lease lease) {
        ExtractOptions options = isRoot() ? ExtractOptions.defaults() : ExtractOptions.rootless();
        return refs.stream().map(r -> layers.unpack(r.blob(), r.diffId(), options, lease)).toList();
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * Writes a directory as a layer blob, then moves the directory into the unpacked-layer cache as that
     * layer's unpacked form (it is exactly what extracting the blob would give).
     */
    LayerRef writeDirectoryLayer(Path dir, LayerWriteOptions options, Lease lease) {
        LayerDigests digests;
        Digest blob;
        try (BlobWriter writer = store.writerForHashedContent(lease)) {
            digests = LayerWriter.write(dir, writer, options);
            blob = writer.commit(digests.blobDigest());
        }
        adoptUnpacked(dir, digests.diffId(), lease);
        return new LayerRef(Descriptor.of(digests.compression().ociMediaType(), blob, digests.size()), digests.diffId());
    }

    private void adoptUnpacked(Path dir, Digest diffId, Lease lease) {
        Path target = layers.path(diffId);
        // Leased first: a gc from now on keeps the unpacked layer (it counts leased digests as diffIDs).
        lease.add(diffId);
        try {
            if (!Files.isDirectory(target)) {
                Files.createDirectories(target.getParent());
                try {
                    Files.move(dir, target, StandardCopyOption.ATOMIC_MOVE);
                    return;
                } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                    // Another build unpacked the same layer first.
                }
            }
        } catch (IOException e) {
            // Looked up here: the logging back end's start is not for every build to pay.
            System.getLogger(ImageBuilder.class.getName()).log(System.Logger.Level.DEBUG,
                    "cannot move " + dir + " to " + target + ": " + e);
        }
        deleteTree(dir);
    }

    /**
     * Stores an uncompressed layer tar (a RUN's changes) compressed as the options say.
     *
     * @return the layer, or null when the tar has no entry
     */
    LayerRef writeTarLayer(Path tar, LayerWriteOptions options, Lease lease) {
        try {
            if (isEmptyTar(tar)) {
                return null;
            }
            MessageDigest diff = Digest.newMessageDigest(Digest.SHA256);
            // Uncompressed, the blob is the tar: its digest is the diffID, computed once.
            MessageDigest blobDigest = options.compression() == LayerCompression.NONE ? null
                    : Digest.newMessageDigest(Digest.SHA256);
            try (BlobWriter writer = store.writerForHashedContent(lease)) {
                OutputStream keepOpen = new FilterOutputStream(writer) {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                        if (blobDigest != null) {
                            blobDigest.update(b, off, len);
                        }
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                };
                try (OutputStream out = new DigestOutputStream(options.compression().compress(keepOpen, options.level()), diff);
                        InputStream in = Files.newInputStream(tar)) {
                    in.transferTo(out);
                }
                Digest diffId = Digest.fromMessageDigest(Digest.SHA256, diff);
                long size = writer.size();
                Digest blob = writer.commit(blobDigest == null ? diffId : Digest.fromMessageDigest(Digest.SHA256, blobDigest));
                return new LayerRef(Descriptor.of(options.compression().ociMediaType(), blob, size), diffId);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the layer '" + tar + "'", e);
        }
    }

    private static boolean isEmptyTar(Path tar) throws IOException {
        try (InputStream in = Files.newInputStream(tar)) {
            byte[] header = in.readNBytes(512);
            for (byte b : header) {
                if (b != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The store's entry for a name (or digest): its digest identifies the image in cache keys. */
    ImageNames.NamedImage named(String reference) {
        return store.names().resolve(reference);
    }

    /** The image an entry of the store names, for this platform. */
    ImageState image(ImageNames.NamedImage named, String reference, Platform platform) {
        Descriptor d = named.descriptor();
        if (MediaTypes.isIndex(d.mediaType())) {
            Index index = OciJson.read(store.read(d.digest()), Index.class, reference);
            d = index.manifests().stream()
                    .filter(m -> m.platform() == null || m.platform().os().equals(platform.os())
                            && m.platform().architecture().equals(platform.architecture()))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("image " + reference + " has no manifest for "
                            + platform.os() + "/" + platform.architecture()));
        }
        Manifest manifest = OciJson.read(store.read(d.digest()), Manifest.class, reference);
        ImageConfig config = OciJson.read(store.read(manifest.config().digest()), ImageConfig.class, reference + " config");
        if (config.rootfs().diffIds().size() != manifest.layers().size()) {
            throw new IllegalStateException("image " + reference + " is damaged: its config lists "
                    + config.rootfs().diffIds().size() + " layers, its manifest " + manifest.layers().size());
        }
        List<LayerRef> refs = new java.util.ArrayList<>();
        for (int i = 0; i < manifest.layers().size(); i++) {
            refs.add(new LayerRef(manifest.layers().get(i), config.rootfs().diffIds().get(i)));
        }
        return new ImageState(config, refs);
    }

    /**
     * Writes the config and manifest and names the image.
     *
     * @param outputKey identifies the state completely when it came from the cache alone (then the image
     *     recorded for it is taken as it is, when its blobs are still there), else null
     */
    BuildResult output(ImageState state, Instant created, BuildOptions options, Lease lease, int ran, int cached,
            String outputKey) {
        ImageConfig config = state.config().withCreated(created);
        Descriptor manifestDescriptor = outputKey == null ? null : cache.output(outputKey, lease);
        if (manifestDescriptor == null) {
            byte[] configBytes = OciJson.write(config);
            Descriptor configDescriptor = Descriptor.of(MediaTypes.IMAGE_CONFIG, store.put(configBytes, lease),
                    configBytes.length);
            Manifest manifest = Manifest.of(configDescriptor, state.layers().stream().map(LayerRef::blob).toList());
            byte[] manifestBytes = OciJson.write(manifest);
            manifestDescriptor = new Descriptor(MediaTypes.IMAGE_MANIFEST, store.put(manifestBytes, lease),
                    manifestBytes.length, null, null, null, null, config.platform(), null);
            if (outputKey != null) {
                cache.putOutput(outputKey, new BuildCache.Output(manifestDescriptor, configDescriptor));
            }
        }
        List<String> tags = new java.util.ArrayList<>();
        for (String tag : options.tags()) {
            String canonical = ImageNames.canonicalName(tag);
            if (!alreadyNamed(canonical, manifestDescriptor.digest())) {
                canonical = store.names().tag(tag, manifestDescriptor);
            }
            tags.add(canonical);
        }
        return new BuildResult(manifestDescriptor, config, tags, ran, cached);
    }

    private boolean alreadyNamed(String name, Digest digest) {
        try {
            ImageNames.NamedImage n = store.names().resolve(name);
            return n.digest().equals(digest) && name.equals(n.name());
        } catch (ImageNotFoundException e) {
            return false;
        }
    }
}
