package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small images made of arbitrary bytes, for tests of the store that do not need real layers. */
final class StoreFixtures {

    private StoreFixtures() {
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Stores a config and layers with the given contents and a manifest over them. */
    static Descriptor image(ContentStore store, Lease lease, String config, String... layers) {
        byte[] configBytes = bytes(configJson(config));
        Descriptor configDescriptor = Descriptor.of(MediaTypes.IMAGE_CONFIG, store.put(configBytes, lease),
                configBytes.length);
        List<Descriptor> layerDescriptors = new ArrayList<>();
        for (String layer : layers) {
            byte[] b = bytes(layer);
            layerDescriptors.add(Descriptor.of(MediaTypes.LAYER_TAR, store.put(b, lease), b.length));
        }
        byte[] manifest = OciJson.write(Manifest.of(configDescriptor, layerDescriptors));
        return Descriptor.of(MediaTypes.IMAGE_MANIFEST, store.put(manifest, lease), manifest.length);
    }

    static String configJson(String comment) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                + "\"comment\":\"" + comment + "\"}";
    }

    static Digest digestOf(String text) {
        return Digest.sha256(bytes(text));
    }
}
