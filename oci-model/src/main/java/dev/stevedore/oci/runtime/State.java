package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import java.util.Map;

/**
 * The state of a container, as a runtime's {@code state} operation reports it ({@code runtime.md}).
 *
 * @param ociVersion the runtime-spec version of the document; required
 * @param id the container's ID, unique on the host; required
 * @param status the lifecycle status; required
 * @param pid the container process's ID on the host; required while {@code created} or
 *     {@code running}
 * @param bundle the absolute path of the container's bundle directory; required
 * @param annotations the annotations of the container's configuration
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record State(
        @JsonProperty("ociVersion") String ociVersion,
        @JsonProperty("id") String id,
        @JsonProperty("status") ContainerStatus status,
        @JsonProperty("pid") Integer pid,
        @JsonProperty("bundle") String bundle,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param ociVersion the runtime-spec version of the document; required
     * @param id the container's ID, unique on the host; required
     * @param status the lifecycle status; required
     * @param pid the container process's ID on the host; required while {@code created} or
     *     {@code running}
     * @param bundle the absolute path of the container's bundle directory; required
     * @param annotations the annotations of the container's configuration
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public State {
        Checks.requiredText(ociVersion, "ociVersion");
        Checks.requiredText(id, "id");
        Checks.required(status, "status");
        if (pid == null && (status == ContainerStatus.CREATED || status == ContainerStatus.RUNNING)) {
            throw OciFormatException.field("pid", "is required while the container is " + status.value());
        }
        Checks.notNegative(pid, "pid");
        Checks.requiredText(bundle, "bundle");
        Checks.absolute(bundle, "bundle");
        annotations = Checks.map(annotations, "annotations");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A copy with another status and process ID.
     *
     * @param status the new status
     * @param pid the process ID, or null once there is none
     * @return the new state
     */
    public State withStatus(ContainerStatus status, Integer pid) {
        return new State(ociVersion, id, status, pid, bundle, annotations, extensions);
    }
}
