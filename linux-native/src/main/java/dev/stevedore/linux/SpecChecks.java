package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Spec;
import java.util.List;

/**
 * Checks of a configuration that the model's own checks leave to the runtime, run before anything
 * is created; each message starts with the JSON path of the offending field. Resource values are
 * checked, for this host's cgroups, by {@link CgroupSettings}.
 */
final class SpecChecks {
    private SpecChecks() {
    }

    /** @throws IllegalArgumentException naming the field and why its value is refused */
    static void check(Spec spec) {
        List<Mount> mounts = spec.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            String destination = mounts.get(i).destination();
            // runtime-spec 1.0's config.md: the destination MUST be an absolute path.
            if (destination == null || !destination.startsWith("/")) {
                throw new IllegalArgumentException("mounts[" + i + "].destination: '" + destination
                        + "' is not an absolute path");
            }
        }
    }
}
