package dev.stevedore.internal.build;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNotFoundException;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The build cache: for each step's key, the image config the step produced and the layer it added (if
 * any), as small JSON files under the store's {@code build-cache/records/}; and for each final state
 * a build reached from cached steps only, the manifest and config it wrote ({@code build-cache/outputs/}),
 * so a rebuild that changes nothing does not write them again (nor pay for starting Jackson's writers).
 *
 * <p>The blobs the records name must survive the store's gc, which keeps only what image names and
 * open leases reach. So the cache keeps one name, {@value #NAME}: an OCI index whose first manifest is
 * an artifact ({@value #ARTIFACT_TYPE}) listing every cached layer as a layer, followed by the
 * manifests of the latest {@value #KEEP_IMAGES} images built (so an untagged build result stays too).
 * A record whose layer blob has gone anyway (the name was removed) simply misses.
 */
final class BuildCache {

    static final String NAME = "stevedore.internal/build-cache:latest";
    static final String ARTIFACT_TYPE = "application/vnd.stevedore.build-cache.v1";
    static final int KEEP_IMAGES = 50;
    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);

    /**
     * What a step produced.
     *
     * @param config the image config after the step
     * @param layer the layer the step added, or null for a config-only step
     * @param diffId the layer's diffID, or null
     */
    record Record(@JsonProperty("config") ImageConfig config, @JsonProperty("layer") Descriptor layer,
            @JsonProperty("diffId") Digest diffId) {}

    /**
     * A record found for a key.
     *
     * @param record the record
     * @param fileDigest the sha256 of the record's file: the same bytes give the same record
     */
    record Hit(Record record, String fileDigest) {}

    /**
     * The image a build wrote for its final state.
     *
     * @param manifest the image's manifest
     * @param config the manifest's config
     */
    record Output(@JsonProperty("manifest") Descriptor manifest, @JsonProperty("config") Descriptor config) {}

    private final ContentStore store;
    private final Path records;
    private final Path outputs;

    BuildCache(ContentStore store) {
        this.store = store;
        this.records = store.root().resolve("build-cache").resolve("records");
        this.outputs = store.root().resolve("build-cache").resolve("outputs");
    }

    /**
     * @return the record for a key whose layer blob is still in the store (then added to the lease),
     *     or null
     */
    Hit get(String key, Lease lease) {
        Path file = records.resolve(key + ".json");
        byte[] bytes;
        Record r;
        try {
            bytes = Files.readAllBytes(file);
            r = OciJson.read(bytes, Record.class, file.toString());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | OciFormatException e) {
            return null; // a damaged record is a miss; the step runs again and rewrites it
        }
        if (r.layer() != null && !store.holdIfPresent(r.layer().digest(), lease)) {
            return null;
        }
        return new Hit(r, Digest.sha256(bytes).encoded());
    }

    /** @return the sha256 of the record's file, as {@link Hit#fileDigest()} gives it */
    String put(String key, Record record) {
        byte[] bytes = OciJson.write(record);
        write(records, key, bytes);
        return Digest.sha256(bytes).encoded();
    }

    /**
     * @param key what identifies a build's final state completely (see {@code Build})
     * @return the image written for that state, its manifest and config then added to the lease; null when
     *     none was recorded or its blobs are gone
     */
    Descriptor output(String key, Lease lease) {
        Path file = outputs.resolve(key + ".json");
        Output o;
        try {
            o = OciJson.read(Files.readAllBytes(file), Output.class, file.toString());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | OciFormatException e) {
            return null;
        }
        if (o.manifest() == null || o.config() == null || !store.holdIfPresent(o.config().digest(), lease)
                || !store.holdIfPresent(o.manifest().digest(), lease)) {
            return null;
        }
        return o.manifest();
    }

    void putOutput(String key, Output output) {
        write(outputs, key, OciJson.write(output));
    }

    private static void write(Path dir, String key, byte[] content) {
        try {
            Files.createDirectories(dir);
            Path temp = TempFiles.create(dir, key, ".tmp");
            try {
                Files.write(temp, content);
                Files.move(temp, dir.resolve(key + ".json"), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write build cache record in '" + dir + "'", e);
        }
    }

    /**
     * Makes the cache's name reach the layers new records name and the image just built, so a gc keeps
     * them once the build's lease is closed.
     */
    void protect(List<Descriptor> newLayers, Descriptor image, Lease lease) {
        Index current = currentIndex();
        if (newLayers.isEmpty() && current != null && knows(current, image)) {
            // A build whose steps all came from the cache: the name reaches everything already, and nothing is
            // rewritten, so there is nothing to hold either.
            return;
        }
        Map<Digest, Descriptor> layers = new LinkedHashMap<>();
        List<Descriptor> images = new ArrayList<>();
        if (current != null && !current.manifests().isEmpty()) {
            Descriptor artifact = current.manifests().get(0);
            if (store.holdIfPresent(artifact.digest(), lease)) {
                Manifest m = OciJson.read(store.read(artifact.digest()), Manifest.class, NAME);
                for (Descriptor l : m.layers()) {
                    if (store.holdIfPresent(l.digest(), lease)) {
                        layers.put(l.digest(), l);
                    }
                }
            }
            for (Descriptor d : current.manifests().subList(1, current.manifests().size())) {
                if (!d.digest().equals(image.digest()) && store.holdIfPresent(d.digest(), lease)) {
                    images.add(d);
                }
            }
        }
        int before = layers.size();
        for (Descriptor l : newLayers) {
            layers.putIfAbsent(l.digest(), l);
        }
        if (layers.size() == before && current != null && knows(current, image)) {
            return;
        }
        images.add(image);
        while (images.size() > KEEP_IMAGES) {
            images.remove(0);
        }
        Descriptor config = Descriptor.of(MediaTypes.EMPTY_JSON, store.put(EMPTY_JSON, lease), EMPTY_JSON.length);
        Manifest artifact = new Manifest(2, MediaTypes.IMAGE_MANIFEST, ARTIFACT_TYPE, config,
                List.copyOf(layers.values()), null, null, null);
        byte[] artifactBytes = OciJson.write(artifact);
        Descriptor artifactDescriptor = new Descriptor(MediaTypes.IMAGE_MANIFEST, store.put(artifactBytes, lease),
                artifactBytes.length, null, null, null, ARTIFACT_TYPE, null, null);
        List<Descriptor> manifests = new ArrayList<>();
        manifests.add(artifactDescriptor);
        manifests.addAll(images);
        byte[] indexBytes = OciJson.write(Index.of(manifests));
        Descriptor indexDescriptor = Descriptor.of(MediaTypes.IMAGE_INDEX, store.put(indexBytes, lease), indexBytes.length);
        store.names().tag(NAME, indexDescriptor);
    }

    private static boolean knows(Index current, Descriptor image) {
        for (Descriptor d : current.manifests()) {
            if (d.digest().equals(image.digest())) {
                return true;
            }
        }
        return false;
    }

    private Index currentIndex() {
        try {
            Descriptor d = store.names().resolve(NAME).descriptor();
            return OciJson.read(store.read(d.digest()), Index.class, NAME);
        } catch (ImageNotFoundException e) {
            return null;
        }
    }
}
