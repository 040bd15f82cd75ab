package dev.stevedore.internal.registry;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import java.util.Set;

/**
 * What a pull did.
 *
 * @param name the name the image is stored under, canonical ({@code docker.io/library/busybox:latest})
 * @param image what the name points at: the platform's manifest, or the index when every
 *        platform was pulled
 * @param index the index or manifest list the reference resolved to, or null when it named a manifest
 * @param source the registry or mirror the image came from
 * @param downloaded blobs that were downloaded, wholly or from where an earlier pull stopped
 * @param present blobs the store already held, not downloaded
 * @param bytesDownloaded bytes received for blobs, without the resumed ones
 */
public record PullResult(String name, Descriptor image, Descriptor index, String source, Set<Digest> downloaded,
        Set<Digest> present, long bytesDownloaded) {

    public PullResult {
        downloaded = Set.copyOf(downloaded);
        present = Set.copyOf(present);
    }
}
