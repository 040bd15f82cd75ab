package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A range of user or group IDs mapped from the container to the host, for a user namespace or an
 * ID-mapped mount.
 *
 * @param containerID the first ID in the container; required, 0 to 2<sup>32</sup>-1
 * @param hostID the first ID on the host it maps to; required, 0 to 2<sup>32</sup>-1
 * @param size how many consecutive IDs are mapped; required, 0 to 2<sup>32</sup>-1
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record IdMapping(
        @JsonProperty("containerID") Long containerID,
        @JsonProperty("hostID") Long hostID,
        @JsonProperty("size") Long size,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param containerID the first ID in the container; required, 0 to 2<sup>32</sup>-1
     * @param hostID the first ID on the host it maps to; required, 0 to 2<sup>32</sup>-1
     * @param size how many consecutive IDs are mapped; required, 0 to 2<sup>32</sup>-1
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public IdMapping {
        Checks.range(Checks.required(containerID, "containerID"), 0, Checks.UINT32_MAX, "containerID");
        Checks.range(Checks.required(hostID, "hostID"), 0, Checks.UINT32_MAX, "hostID");
        Checks.range(Checks.required(size, "size"), 0, Checks.UINT32_MAX, "size");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A mapping without extensions.
     *
     * @param containerID the first ID in the container
     * @param hostID the first ID on the host
     * @param size how many IDs
     * @return the mapping
     */
    public static IdMapping of(long containerID, long hostID, long size) {
        return new IdMapping(containerID, hostID, size, null);
    }
}
