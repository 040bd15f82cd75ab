package dev.stevedore.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.registry.RegistryHttp.Call;
import dev.stevedore.internal.registry.RegistryHttp.Endpoint;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pulls images from registries into a {@link ContentStore} and pushes them back, over the OCI
 * distribution API (which Docker's Registry HTTP API v2 is). One client is meant to be shared:
 * it keeps the connections, the bearer tokens per registry and scope, and where it has seen
 * blobs (so a push can mount a blob from another repository of the same registry instead of
 * uploading it). Thread-safe.
 *
 * <pre>{@code
 * RegistryClient client = new RegistryClient(RegistryOptions.defaults());
 * PullResult pulled = client.pull(ImageReference.parse("busybox:1.36"), store, TransferListener.NONE);
 * client.push(store, pulled.image(), ImageReference.parse("localhost:5000/busybox:1.36"), TransferListener.NONE);
 * }</pre>
 */
public final class RegistryClient {

    private static final System.Logger LOG = System.getLogger(RegistryClient.class.getName());

    /** Every manifest type this client reads, for the {@code Accept} header. */
    static final String MANIFEST_TYPES = String.join(", ", MediaTypes.IMAGE_MANIFEST, MediaTypes.IMAGE_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);
    /** Registries refuse manifests above 4 MiB; a larger answer is not a manifest. */
    private static final int MAX_MANIFEST = 4 << 20;
    private static final int BUFFER = 256 * 1024;

    private final RegistryOptions options;
    private final RegistryHttp http;
    private final Map<String, Map<Digest, String>> blobLocations = new ConcurrentHashMap<>();

    /**
     * @param options how to reach registries
     * @throws IllegalArgumentException when the extra CA file cannot be read
     */
    public RegistryClient(RegistryOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.http = new RegistryHttp(options);
    }

    /** @return the options this client was made with */
    public RegistryOptions options() {
        return options;
    }

    /**
     * Finds out what a reference points at now, without downloading the image.
     *
     * @param reference a tag or digest reference
     * @return the manifest's or index's descriptor
     * @throws RegistryException when the registry does not know it or refuses access
     */
    public Descriptor resolve(ImageReference reference) {
        return fromFirstReachable(reference).fetched.descriptor;
    }

    /**
     * Pulls an image into a store and names it there. For an index (or manifest list), the
     * platform of the options (this host's by default) is selected and its manifest named,
     * unless the options ask for every platform. Blobs the store holds are not downloaded; blobs
     * an interrupted pull left partly downloaded continue from where it stopped; every blob is
     * verified against its digest while it streams in, and nothing unverified is stored.
     *
     * @param reference the image, by tag or digest
     * @param store where to put it
     * @param listener hears how each blob moves
     * @return what was pulled and named
     * @throws RegistryException naming the registry, repository and the registry's error code, or
     *         the blob whose content did not match its digest
     * @throws IllegalArgumentException when an index offers no image for the wanted platform
     */
    public PullResult pull(ImageReference reference, ContentStore store, TransferListener listener) {
        Resolved resolved = fromFirstReachable(reference);
        Platform wanted = options.platform() != null ? options.platform() : Platforms.host();
        try (Lease lease = store.lease("pull " + reference);
                Transfers pull = new Transfers(resolved.endpoint, reference.repository(), store, listener)) {
            Fetched top = resolved.fetched;
            pull.storeManifest(top, lease);
            Descriptor image;
            Descriptor index = null;
            String what = top.descriptor.mediaType() + " " + top.descriptor.digest() + " of " + reference;
            if (MediaTypes.isIndex(top.descriptor.mediaType())) {
                index = top.descriptor;
                Index parsed = OciJson.read(top.bytes, Index.class, what);
                if (options.allPlatforms()) {
                    for (Descriptor child : parsed.manifests()) {
                        if (MediaTypes.isManifest(child.mediaType())) {
                            pull.pullManifest(child, lease);
                        }
                    }
                    image = index;
                } else {
                    image = Platforms.select(parsed, wanted, what);
                    pull.pullManifest(image, lease);
                }
            } else {
                image = top.descriptor;
                pull.pullBlobs(OciJson.read(top.bytes, Manifest.class, what), lease);
            }
            String name = store.names().tag(reference.toString(), image);
            LOG.log(System.Logger.Level.DEBUG, () -> "pulled " + reference + " as " + name + ": "
                    + pull.transferred.size() + " blobs downloaded, " + pull.present.size() + " present");
            return new PullResult(name, image, index, resolved.endpoint.toString(), pull.transferred.keySet(),
                    pull.present.keySet(), pull.bytes.get());
        }
    }

    /**
     * Pushes an image from a store: blobs first (skipping those the repository has, mounting
     * those seen in another repository of the registry, uploading the others, in chunks when
     * larger than the options' chunk size), then the manifests, children of an index before it.
     *
     * @param store where the image is
     * @param image the manifest's or index's descriptor in the store
     * @param target where to push it; its tag names the image there (its digest, when it has one,
     *        must be the image's)
     * @param listener hears how each blob moves
     * @return what was pushed
     * @throws RegistryException naming the registry, repository and the registry's error code
     * @throws IllegalArgumentException when the target's digest is not the image's
     */
    public PushResult push(ContentStore store, Descriptor image, ImageReference target, TransferListener listener) {
        if (target.digest().isPresent() && !target.digest().get().equals(image.digest())) {
            throw new IllegalArgumentException("cannot push " + image.digest() + " as " + target
                    + ": the reference pins another digest");
        }
        Endpoint endpoint = http.upstream(target.registry());
        String reference = target.tag().orElse(image.digest().toString());
        try (Transfers push = new Transfers(endpoint, target.repository(), store, listener)) {
            push.pushNode(image, reference);
            return new PushResult(target.toString(), image, push.transferred.keySet(), push.present.keySet(),
                    push.mounted.keySet());
        }
    }

    private record Fetched(Descriptor descriptor, byte[] bytes) {
    }

    private record Resolved(Endpoint endpoint, Fetched fetched) {
    }

    /** Mirrors first, then the registry; the first that has the manifest serves the pull. */
    private Resolved fromFirstReachable(ImageReference reference) {
        String ref = reference.digest().map(Digest::toString).orElse(reference.tag().orElse(ImageReference.DEFAULT_TAG));
        List<Endpoint> endpoints = http.forPull(reference.registry());
        RegistryException failure = null;
        for (Endpoint endpoint : endpoints) {
            try {
                return new Resolved(endpoint, fetchManifest(endpoint, reference.repository(), ref,
                        reference.digest().orElse(null)));
            } catch (RegistryException e) {
                if (failure != null) {
                    e.addSuppressed(failure);
                }
                failure = e;
                if (endpoints.size() > 1) {
                    LOG.log(System.Logger.Level.INFO, "{0}", e.getMessage());
                }
            }
        }
        throw failure;
    }

    private Fetched fetchManifest(Endpoint endpoint, String repository, String ref, Digest expected) {
        String what = "pull of manifest " + repository + (ref.contains(":") ? "@" : ":") + ref;
        Call call = new Call(what, repository).path("/v2/" + repository + "/manifests/" + ref)
                .header("Accept", MANIFEST_TYPES).scope(repository, "pull").notFound("MANIFEST_UNKNOWN");
        HttpResponse<InputStream> response = endpoint.send(call);
        byte[] bytes;
        try (InputStream in = response.body()) {
            bytes = in.readNBytes(MAX_MANIFEST + 1);
        } catch (IOException e) {
            throw new RegistryException(endpoint.registry, repository, 0, null, null, what + " failed: the answer of '"
                    + endpoint + "' broke off: " + RegistryHttp.describe(e), e);
        }
        if (bytes.length > MAX_MANIFEST) {
            throw new RegistryException(endpoint.registry, repository, response.statusCode(), null, null, what
                    + " failed: registry '" + endpoint + "' sent more than " + MAX_MANIFEST + " bytes, too much for a manifest", null);
        }
        String mediaType = mediaType(response.headers().firstValue("Content-Type").orElse(""), bytes, endpoint,
                repository, what);
        Digest actual = digestOf(bytes, expected == null ? Digest.SHA256 : expected.algorithm());
        Digest announced = response.headers().firstValue("Docker-Content-Digest")
                .filter(Digest::isValid).map(Digest::parse).orElse(null);
        Digest mustBe = expected != null ? expected
                : announced != null && announced.algorithm().equals(actual.algorithm()) ? announced : null;
        if (mustBe != null && !mustBe.equals(actual)) {
            throw new RegistryException(endpoint.registry, repository, response.statusCode(), null, null, what
                    + " failed: registry '" + endpoint + "' sent a manifest with digest " + actual + " but "
                    + mustBe + " was expected; it was altered on the way or on the registry, nothing was stored", null);
        }
        return new Fetched(Descriptor.of(mediaType, actual, bytes.length), bytes);
    }

    private static Digest digestOf(byte[] bytes, String algorithm) {
        MessageDigest md = Digest.newMessageDigest(algorithm);
        md.update(bytes);
        return Digest.fromMessageDigest(algorithm, md);
    }

    /** The media type from the header, else from the document (some registries send text/plain). */
    private static String mediaType(String contentType, byte[] bytes, Endpoint endpoint, String repository, String what) {
        String header = contentType.split(";", 2)[0].strip();
        if (MediaTypes.isManifest(header) || MediaTypes.isIndex(header)) {
            return header;
        }
        try {
            JsonNode json = OciJson.mapper().readTree(bytes);
            String declared = json.path("mediaType").asText("");
            if (MediaTypes.isManifest(declared) || MediaTypes.isIndex(declared)) {
                return declared;
            }
            if (json.path("schemaVersion").asInt() == 1 || header.contains("manifest.v1")) {
                throw new RegistryException(endpoint.registry, repository, 200, null, null, what + " failed: registry '"
                        + endpoint + "' sent a Docker schema 1 manifest, which this library does not read; "
                        + "push the image again with a current client", null);
            }
            if (json.has("manifests")) {
                return MediaTypes.IMAGE_INDEX;
            }
            if (json.has("config") && json.has("layers")) {
                return MediaTypes.IMAGE_MANIFEST;
            }
        } catch (IOException e) {
            // Reported below as not a manifest.
        }
        throw new RegistryException(endpoint.registry, repository, 200, null, null, what + " failed: registry '"
                + endpoint + "' sent something that is not a manifest (Content-Type '" + contentType + "')", null);
    }

    private void remember(Endpoint endpoint, Digest digest, String repository) {
        blobLocations.computeIfAbsent(endpoint.host, h -> new ConcurrentHashMap<>()).put(digest, repository);
    }

    /** The state of one pull or push: its endpoint, repository, thread pool and what moved. */
    private final class Transfers implements AutoCloseable {
        private final Endpoint endpoint;
        private final String repository;
        private final ContentStore store;
        private final TransferListener listener;
        private final ExecutorService pool;
        private final java.util.concurrent.ScheduledExecutorService watchdog;
        private final Set<Watched> watched = ConcurrentHashMap.newKeySet();
        private Map<Digest, String> namedLocations;
        final Map<Digest, Boolean> transferred = new ConcurrentHashMap<>();
        final Map<Digest, Boolean> present = new ConcurrentHashMap<>();
        final Map<Digest, Boolean> mounted = new ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicLong bytes = new java.util.concurrent.atomic.AtomicLong();

        Transfers(Endpoint endpoint, String repository, ContentStore store, TransferListener listener) {
            this.endpoint = endpoint;
            this.repository = repository;
            this.store = store;
            this.listener = Objects.requireNonNull(listener, "listener");
            AtomicInteger n = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(options.parallelTransfers(), r -> {
                Thread t = new Thread(r, "registry-transfer-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "registry-stall-watchdog");
                t.setDaemon(true);
                return t;
            });
            long period = Math.max(50, Math.min(1000, options.timeout().toMillis() / 4));
            watchdog.scheduleAtFixedRate(this::closeStalled, period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        @Override
        public void close() {
            pool.shutdownNow();
            watchdog.shutdownNow();
        }

        /**
         * Closes downloads that received nothing for the options' timeout: the JDK client has no
         * read timeout, and closing its body stream is what wakes a reader blocked on it.
         */
        private void closeStalled() {
            long now = System.nanoTime();
            for (Watched w : watched) {
                if (now - w.lastRead > options.timeout().toNanos()) {
                    w.stalled = true;
                    watched.remove(w);
                    try {
                        w.body.close();
                    } catch (IOException e) {
                        // Closing is all that matters; the reader sees it fail.
                    }
                }
            }
        }

        private RegistryException failure(String what, String problem, Throwable cause) {
            return new RegistryException(endpoint.registry, repository, 0, null, null, what + " failed: registry '"
                    + endpoint + "' repository '" + repository + "': " + problem, cause);
        }

        // ---- pull ----

        void storeManifest(Fetched fetched, Lease lease) {
            store.put(new java.io.ByteArrayInputStream(fetched.bytes), fetched.descriptor.digest(),
                    fetched.bytes.length, lease);
        }

        void pullManifest(Descriptor child, Lease lease) {
            Fetched fetched = fetchManifest(endpoint, repository, child.digest().toString(), child.digest());
            if (fetched.bytes.length != child.size()) {
                throw failure("pull of manifest " + child.digest(), "it is " + fetched.bytes.length
                        + " bytes long but the index says " + child.size(), null);
            }
            storeManifest(fetched, lease);
            pullBlobs(OciJson.read(fetched.bytes, Manifest.class, child.mediaType() + " " + child.digest()), lease);
        }

        void pullBlobs(Manifest manifest, Lease lease) {
            Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
            blobs.put(manifest.config().digest(), manifest.config());
            manifest.layers().forEach(l -> blobs.putIfAbsent(l.digest(), l));
            runAll(blobs.values().stream().map(d -> (Runnable) () -> download(d, lease)).toList());
        }

        private void download(Descriptor blob, Lease lease) {
            if (store.holdIfPresent(blob.digest(), lease)) {
                present.put(blob.digest(), true);
                listener.finished(blob, TransferListener.Outcome.PRESENT);
                return;
            }
            String what = "pull of blob " + blob.digest();
            long received = 0;
            long resumedAt = 0;
            Watched watch = null;
            try (var writer = store.resumableWriter(blob.digest(), blob.size(), lease)) {
                resumedAt = writer.resumedAt();
                listener.started(blob, resumedAt);
                if (resumedAt < blob.size()) {
                    Call call = new Call(what, repository).path("/v2/" + repository + "/blobs/" + blob.digest())
                            .scope(repository, "pull").notFound("BLOB_UNKNOWN");
                    if (resumedAt > 0) {
                        call.header("Range", "bytes=" + resumedAt + "-");
                    }
                    HttpResponse<InputStream> response = endpoint.send(call);
                    watch = new Watched(response.body());
                    watched.add(watch);
                    try (InputStream in = response.body()) {
                        if (resumedAt > 0 && response.statusCode() != 206) {
                            // The registry ignored the range: drop what we already have from its answer.
                            in.skipNBytes(resumedAt);
                        } else if (resumedAt > 0) {
                            String range = response.headers().firstValue("Content-Range").orElse("");
                            if (!range.startsWith("bytes " + resumedAt + "-")) {
                                throw failure(what, "asked for bytes from " + resumedAt + " on, the registry sent"
                                        + " Content-Range '" + range + "'", null);
                            }
                        }
                        byte[] buffer = new byte[BUFFER];
                        long done = resumedAt;
                        int n;
                        while ((n = in.read(buffer)) > 0) {
                            watch.lastRead = System.nanoTime();
                            writer.write(buffer, 0, n);
                            received += n;
                            done += n;
                            listener.progress(blob, done, blob.size());
                        }
                    }
                }
                writer.commit();
                bytes.addAndGet(received);
            } catch (IOException e) {
                bytes.addAndGet(received);
                String cause = watch != null && watch.stalled
                        ? "no data arrived for " + options.timeout().toMillis() + " ms"
                        : RegistryHttp.describe(e);
                throw failure(what, "the download stopped after " + (resumedAt + received) + " of " + blob.size()
                        + " bytes: " + cause + "; the bytes received are kept and the next pull"
                        + " continues from there", e);
            } catch (dev.stevedore.internal.store.BlobMismatchException e) {
                throw failure(what, e.getMessage(), e);
            } finally {
                if (watch != null) {
                    watched.remove(watch);
                }
            }
            transferred.put(blob.digest(), true);
            remember(endpoint, blob.digest(), repository);
            listener.finished(blob, TransferListener.Outcome.TRANSFERRED);
        }

        /** Runs tasks on the pool and waits for all; the first failure is thrown, the rest suppressed in it. */
        private void runAll(List<Runnable> tasks) {
            List<Future<?>> futures = new ArrayList<>();
            tasks.forEach(t -> futures.add(pool.submit(t)));
            RuntimeException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException r ? r
                            : new IllegalStateException(e.getCause());
                    if (first == null) {
                        first = cause;
                    } else {
                        first.addSuppressed(cause);
                    }
                } catch (InterruptedException e) {
                    futures.forEach(other -> other.cancel(true));
                    throw RegistryHttp.interrupted(e);
                }
            }
            if (first != null) {
                throw first;
            }
        }

        // ---- push ----

        void pushNode(Descriptor node, String reference) {
            byte[] content = store.read(node.digest());
            String what = node.mediaType() + " " + node.digest();
            if (MediaTypes.isIndex(node.mediaType())) {
                Index index = OciJson.read(content, Index.class, what);
                for (Descriptor child : index.manifests()) {
                    if (store.exists(child.digest())) {
                        pushNode(child, child.digest().toString());
                    } else if (!manifestExists(child)) {
                        throw new IllegalStateException("cannot push index " + node.digest() + ": the store lacks its"
                                + " manifest " + child.digest() + " and repository '" + repository + "' of '" + endpoint
                                + "' does not have it either; pull the image with every platform first");
                    }
                }
            } else if (MediaTypes.isManifest(node.mediaType())) {
                Manifest manifest = OciJson.read(content, Manifest.class, what);
                Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
                blobs.put(manifest.config().digest(), manifest.config());
                manifest.layers().forEach(l -> blobs.putIfAbsent(l.digest(), l));
                runAll(blobs.values().stream().map(d -> (Runnable) () -> pushBlob(d)).toList());
            } else {
                throw new IllegalArgumentException("cannot push " + what + ": it is neither a manifest nor an index");
            }
            Call put = new Call("push of manifest " + repository + (reference.contains(":") ? "@" : ":") + reference,
                    repository).method("PUT", java.net.http.HttpRequest.BodyPublishers.ofByteArray(content))
                    .path("/v2/" + repository + "/manifests/" + reference)
                    .header("Content-Type", node.mediaType()).scope(repository, "pull,push");
            RegistryHttp.drain(endpoint.send(put));
        }

        private boolean manifestExists(Descriptor child) {
            Call head = new Call("check of manifest " + child.digest(), repository).method("HEAD", null)
                    .path("/v2/" + repository + "/manifests/" + child.digest()).header("Accept", MANIFEST_TYPES)
                    .scope(repository, "pull").accept(404);
            HttpResponse<InputStream> r = endpoint.send(head);
            RegistryHttp.drain(r);
            return r.statusCode() == 200;
        }

        private void pushBlob(Descriptor blob) {
            String what = "push of blob " + blob.digest();
            if (!store.exists(blob.digest())) {
                throw new IllegalStateException("cannot push " + blob.digest() + " to '" + endpoint + "': the store '"
                        + store.root() + "' lacks it");
            }
            String blobPath = "/v2/" + repository + "/blobs/" + blob.digest();
            HttpResponse<InputStream> head = endpoint.send(new Call("check of blob " + blob.digest(), repository)
                    .method("HEAD", null).path(blobPath).scope(repository, "pull,push").accept(404));
            RegistryHttp.drain(head);
            if (head.statusCode() == 200) {
                present.put(blob.digest(), true);
                remember(endpoint, blob.digest(), repository);
                listener.finished(blob, TransferListener.Outcome.PRESENT);
                return;
            }
            String uploads = "/v2/" + repository + "/blobs/uploads/";
            String from = mountSource(blob.digest());
            Call start = new Call(what, repository).method("POST", java.net.http.HttpRequest.BodyPublishers.noBody())
                    .scope(repository, "pull,push");
            if (from != null && !from.equals(repository)) {
                start.path(uploads + "?mount=" + RegistryHttp.encode(blob.digest().toString()) + "&from="
                        + RegistryHttp.encode(from)).scope(from, "pull");
            } else {
                start.path(uploads);
            }
            HttpResponse<InputStream> started = endpoint.send(start);
            RegistryHttp.drain(started);
            if (started.statusCode() == 201) {
                mounted.put(blob.digest(), true);
                remember(endpoint, blob.digest(), repository);
                listener.finished(blob, TransferListener.Outcome.MOUNTED);
                return;
            }
            listener.started(blob, 0);
            URI location = location(started, what);
            java.nio.file.Path file = store.blobPath(blob.digest());
            if (blob.size() <= options.chunkSize()) {
                try {
                    RegistryHttp.drain(endpoint.send(new Call(what, repository)
                            .method("PUT", java.net.http.HttpRequest.BodyPublishers.ofFile(file))
                            .uri(withDigest(location, blob.digest()))
                            .header("Content-Type", "application/octet-stream").scope(repository, "pull,push")));
                } catch (java.io.FileNotFoundException e) {
                    throw new IllegalStateException("cannot push " + blob.digest() + ": the store lost it", e);
                }
            } else {
                long offset = 0;
                while (offset < blob.size()) {
                    long length = Math.min(options.chunkSize(), blob.size() - offset);
                    long from0 = offset;
                    HttpResponse<InputStream> r = endpoint.send(new Call(what, repository)
                            .method("PATCH", java.net.http.HttpRequest.BodyPublishers.fromPublisher(
                                    java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> region(file, from0, length)),
                                    length))
                            .uri(location).header("Content-Type", "application/octet-stream")
                            .header("Content-Range", offset + "-" + (offset + length - 1))
                            .scope(repository, "pull,push"));
                    RegistryHttp.drain(r);
                    location = location(r, what);
                    offset += length;
                    listener.progress(blob, offset, blob.size());
                }
                RegistryHttp.drain(endpoint.send(new Call(what, repository)
                        .method("PUT", java.net.http.HttpRequest.BodyPublishers.noBody())
                        .uri(withDigest(location, blob.digest())).scope(repository, "pull,push")));
            }
            listener.progress(blob, blob.size(), blob.size());
            transferred.put(blob.digest(), true);
            remember(endpoint, blob.digest(), repository);
            listener.finished(blob, TransferListener.Outcome.TRANSFERRED);
        }

        /**
         * Another repository of the registry that has a blob: one this client moved it to or from,
         * else one the store names an image of that reaches the blob (it was pulled from there).
         */
        private String mountSource(Digest digest) {
            String seen = blobLocations.getOrDefault(endpoint.host, Map.of()).get(digest);
            if (seen != null && !seen.equals(repository)) {
                return seen;
            }
            return namedLocations().get(digest);
        }

        private synchronized Map<Digest, String> namedLocations() {
            if (namedLocations == null) {
                namedLocations = new java.util.HashMap<>();
                for (var named : store.names().list()) {
                    if (named.name() == null || !ImageReference.isValid(named.name())) {
                        continue;
                    }
                    ImageReference source = ImageReference.parse(named.name());
                    if (source.registry().equals(endpoint.registry) && !source.repository().equals(repository)) {
                        for (Digest d : reachable(named.descriptor())) {
                            namedLocations.putIfAbsent(d, source.repository());
                        }
                    }
                }
            }
            return namedLocations;
        }

        private Set<Digest> reachable(Descriptor root) {
            Set<Digest> result = new java.util.HashSet<>();
            java.util.Deque<Descriptor> pending = new java.util.ArrayDeque<>(List.of(root));
            while (!pending.isEmpty()) {
                Descriptor d = pending.pop();
                if (result.add(d.digest()) && store.exists(d.digest())) {
                    pending.addAll(store.children(d));
                }
            }
            return result;
        }

        private URI location(HttpResponse<?> response, String what) {
            String header = response.headers().firstValue("Location").orElseThrow(() -> failure(what,
                    "the registry answered HTTP " + response.statusCode() + " without an upload Location", null));
            return response.uri().resolve(header);
        }
    }

    /** A download's body and when it last delivered bytes, for the stall watchdog. */
    private static final class Watched {
        final InputStream body;
        volatile long lastRead = System.nanoTime();
        volatile boolean stalled;

        Watched(InputStream body) {
            this.body = body;
        }
    }

    private static InputStream region(java.nio.file.Path file, long offset, long length) {
        try {
            InputStream in = java.nio.file.Files.newInputStream(file);
            in.skipNBytes(offset);
            return com.google.common.io.ByteStreams.limit(in, length);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read '" + file + "'", e);
        }
    }

    private static URI withDigest(URI location, Digest digest) {
        String text = location.toString();
        return URI.create(text + (location.getRawQuery() == null ? "?" : "&") + "digest="
                + RegistryHttp.encode(digest.toString()));
    }
}
