package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A filesystem mounted into the container ({@code mounts[]} in {@code config.json}).
 *
 * <p>On Linux the destination should be absolute; the spec still allows a relative one (deprecated,
 * read as relative to {@code /}), so it is accepted here.
 *
 * @param destination the mount point inside the container; required
 * @param type the filesystem type, such as {@code tmpfs} or {@code bind}
 * @param source a device, a file or directory for bind mounts, or a dummy
 * @param options mount options as {@code mount(8)} names them, such as {@code rbind} or {@code ro}
 * @param uidMappings user ID mappings of an ID-mapped mount
 * @param gidMappings group ID mappings of an ID-mapped mount
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Mount(
        @JsonProperty("destination") String destination,
        @JsonProperty("type") String type,
        @JsonProperty("source") String source,
        @JsonProperty("options") List<String> options,
        @JsonProperty("uidMappings") List<IdMapping> uidMappings,
        @JsonProperty("gidMappings") List<IdMapping> gidMappings,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param destination the mount point inside the container; required
     * @param type the filesystem type, such as {@code tmpfs} or {@code bind}
     * @param source a device, a file or directory for bind mounts, or a dummy
     * @param options mount options as {@code mount(8)} names them, such as {@code rbind} or {@code ro}
     * @param uidMappings user ID mappings of an ID-mapped mount
     * @param gidMappings group ID mappings of an ID-mapped mount
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Mount {
        Checks.requiredText(destination, "destination");
        options = Checks.list(options, "options");
        uidMappings = Checks.list(uidMappings, "uidMappings");
        gidMappings = Checks.list(gidMappings, "gidMappings");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A mount without ID mappings.
     *
     * @param destination the mount point inside the container
     * @param type the filesystem type
     * @param source the source
     * @param options mount options
     * @return the mount
     */
    public static Mount of(String destination, String type, String source, String... options) {
        return new Mount(destination, type, source, List.of(options), null, null, null);
    }

    /**
     * A recursive bind mount of a host path.
     *
     * @param hostPath the path on the host
     * @param destination the mount point inside the container
     * @param readOnly whether the container sees it read-only
     * @return the mount
     */
    public static Mount bind(String hostPath, String destination, boolean readOnly) {
        return of(destination, "bind", hostPath, "rbind", readOnly ? "ro" : "rw");
    }
}
