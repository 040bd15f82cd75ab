package dev.stevedore.internal.store;

import dev.stevedore.internal.layer.LayerChange;
import dev.stevedore.internal.layer.LayerDigests;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
import dev.stevedore.oci.image.Descriptor;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;

/** Layers written with the project's layer writer and stored, for cache and snapshotter tests. */
public final class TestLayers {

    /** A stored layer blob and its diffID. */
    public record StoredLayer(Descriptor blob, dev.stevedore.oci.Digest diffId) {
    }

    private TestLayers() {
    }

    public static StoredLayer fromDirectory(ContentStore store, Lease lease, Path dir) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerDigests digests = LayerWriter.write(dir, out, LayerWriteOptions.defaults());
        return store(store, lease, out.toByteArray(), digests);
    }

    public static StoredLayer fromChanges(ContentStore store, Lease lease, Path root, List<LayerChange> changes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerDigests digests = LayerWriter.writeChanges(root, changes, out, LayerWriteOptions.defaults());
        return store(store, lease, out.toByteArray(), digests);
    }

    private static StoredLayer store(ContentStore store, Lease lease, byte[] blob, LayerDigests digests) {
        store.put(blob, lease);
        return new StoredLayer(Descriptor.of(digests.compression().ociMediaType(), digests.blobDigest(), digests.size()),
                digests.diffId());
    }
}
