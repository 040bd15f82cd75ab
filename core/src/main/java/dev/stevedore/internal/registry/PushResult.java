package dev.stevedore.internal.registry;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import java.util.Set;

/**
 * What a push did.
 *
 * @param reference where the image now is, such as {@code host:5000/app:1}
 * @param image the pushed manifest or index
 * @param uploaded blobs uploaded
 * @param present blobs the repository already had
 * @param mounted blobs mounted from another repository of the same registry
 */
public record PushResult(String reference, Descriptor image, Set<Digest> uploaded, Set<Digest> present,
        Set<Digest> mounted) {

    public PushResult {
        uploaded = Set.copyOf(uploaded);
        present = Set.copyOf(present);
        mounted = Set.copyOf(mounted);
    }
}
