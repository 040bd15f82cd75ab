package dev.stevedore.internal.build;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import java.util.List;

/**
 * A finished build.
 *
 * @param manifest the image manifest's descriptor; its digest is the image's
 * @param config the image config
 * @param tags the names it was stored under, canonical
 * @param stepsRun how many steps ran
 * @param stepsCached how many steps were taken from the cache
 */
public record BuildResult(Descriptor manifest, ImageConfig config, List<String> tags, int stepsRun, int stepsCached) {
    public BuildResult {
        tags = List.copyOf(tags);
    }

    /** @return the image's digest (its manifest's) */
    public Digest digest() {
        return manifest.digest();
    }
}
