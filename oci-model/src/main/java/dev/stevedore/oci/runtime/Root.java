package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The container's root filesystem ({@code root} in {@code config.json}).
 *
 * @param path the root filesystem's path, absolute or relative to the bundle; required
 * @param readonly whether the root filesystem is read-only inside the container; null when absent
 *     (which means false)
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Root(
        @JsonProperty("path") String path,
        @JsonProperty("readonly") Boolean readonly,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param path the root filesystem's path, absolute or relative to the bundle; required
     * @param readonly whether the root filesystem is read-only inside the container; null when absent
     *     (which means false)
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Root {
        Checks.requiredText(path, "path");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A writable root filesystem.
     *
     * @param path the root filesystem's path
     * @return the root
     */
    public static Root of(String path) {
        return new Root(path, null, null);
    }

    /**
     * A copy that is read-only or writable.
     *
     * @param readonly whether the root filesystem is read-only
     * @return the new root
     */
    public Root withReadonly(boolean readonly) {
        return new Root(path, readonly, extensions);
    }

    /** @return whether the root filesystem is read-only, false when not specified */
    public boolean readonlyOrDefault() {
        return Boolean.TRUE.equals(readonly);
    }
}
