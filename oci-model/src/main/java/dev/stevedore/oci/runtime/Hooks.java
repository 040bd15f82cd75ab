package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Programs run at points of the container's lifecycle, each list in order
 * ({@code config.md}, POSIX-platform hooks).
 *
 * @param prestart run after the container's namespaces exist, before pivot_root (deprecated by the
 *     spec in favour of the next three)
 * @param createRuntime run in the runtime's namespace during create, after the environment is set up
 * @param createContainer run in the container's namespace during create, before pivot_root
 * @param startContainer run in the container's namespace during start, before the user process
 * @param poststart run in the runtime's namespace after the user process started
 * @param poststop run in the runtime's namespace after the container was deleted
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Hooks(
        @JsonProperty("prestart") List<Hook> prestart,
        @JsonProperty("createRuntime") List<Hook> createRuntime,
        @JsonProperty("createContainer") List<Hook> createContainer,
        @JsonProperty("startContainer") List<Hook> startContainer,
        @JsonProperty("poststart") List<Hook> poststart,
        @JsonProperty("poststop") List<Hook> poststop,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param prestart run after the container's namespaces exist, before pivot_root (deprecated by the
     *     spec in favour of the next three)
     * @param createRuntime run in the runtime's namespace during create, after the environment is set up
     * @param createContainer run in the container's namespace during create, before pivot_root
     * @param startContainer run in the container's namespace during start, before the user process
     * @param poststart run in the runtime's namespace after the user process started
     * @param poststop run in the runtime's namespace after the container was deleted
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Hooks {
        prestart = Checks.list(prestart, "prestart");
        createRuntime = Checks.list(createRuntime, "createRuntime");
        createContainer = Checks.list(createContainer, "createContainer");
        startContainer = Checks.list(startContainer, "startContainer");
        poststart = Checks.list(poststart, "poststart");
        poststop = Checks.list(poststop, "poststop");
        extensions = Checks.extensions(extensions);
    }

    /** @return hooks with every list empty */
    public static Hooks none() {
        return new Hooks(null, null, null, null, null, null, null);
    }
}
