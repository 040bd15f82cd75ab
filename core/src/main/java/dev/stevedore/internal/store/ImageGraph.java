package dev.stevedore.internal.store;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.util.ArrayList;
import java.util.List;

/** How image documents refer to each other: what gc keeps and what an export copies. */
public final class ImageGraph {

    private ImageGraph() {
    }

    /**
     * @param descriptor a blob's descriptor
     * @return whether the blob is a document that refers to other blobs (a manifest or an index)
     */
    public static boolean hasChildren(Descriptor descriptor) {
        return MediaTypes.isManifest(descriptor.mediaType()) || MediaTypes.isIndex(descriptor.mediaType());
    }

    /**
     * The descriptors a manifest or index refers to.
     *
     * @param descriptor the document's descriptor, which says what kind of document it is
     * @param content the document's bytes, already verified against the descriptor
     * @return its config and layers, or its manifests, and its subject; nothing for other blobs
     * @throws dev.stevedore.oci.OciFormatException when the document is malformed
     */
    public static List<Descriptor> children(Descriptor descriptor, byte[] content) {
        List<Descriptor> result = new ArrayList<>();
        String what = descriptor.mediaType() + " " + descriptor.digest();
        if (MediaTypes.isManifest(descriptor.mediaType())) {
            Manifest m = OciJson.read(content, Manifest.class, what);
            result.add(m.config());
            result.addAll(m.layers());
            if (m.subject() != null) {
                result.add(m.subject());
            }
        } else if (MediaTypes.isIndex(descriptor.mediaType())) {
            Index index = OciJson.read(content, Index.class, what);
            result.addAll(index.manifests());
            if (index.subject() != null) {
                result.add(index.subject());
            }
        }
        return result;
    }
}
