package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import java.util.List;
import java.util.Map;

/**
 * The platform an image runs on.
 *
 * @param architecture the CPU architecture, such as {@code amd64}; required
 * @param os the operating system, such as {@code linux}; required
 * @param osVersion the operating system version
 * @param osFeatures required operating system features
 * @param variant the CPU variant, such as {@code v8}
 * @param extensions fields this model does not know
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public Platform {
        if (architecture == null || architecture.isEmpty()) {
            throw OciFormatException.field("architecture", "is required");
        }
        if (os == null || os.isEmpty()) {
            throw OciFormatException.field("os", "is required");
        }
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }
}
