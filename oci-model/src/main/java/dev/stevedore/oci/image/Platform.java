package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.Immutable;
import java.util.List;
import java.util.Map;

/**
 * The platform an image runs on, as an index entry states it.
 *
 * @param architecture the CPU architecture, such as {@code amd64}; required
 * @param os the operating system, such as {@code linux}; required
 * @param osVersion the operating system version
 * @param osFeatures required operating system features
 * @param variant the CPU variant, such as {@code v8}
 * @param extensions fields this model does not know (Docker's {@code features}, for example)
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
        osVersion = Immutable.emptyToNull(osVersion);
        variant = Immutable.emptyToNull(variant);
        osFeatures = Immutable.list(osFeatures, "os.features");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * A platform with only an operating system, an architecture and maybe a variant.
     *
     * @param os the operating system, such as {@code linux}
     * @param architecture the CPU architecture, such as {@code arm64}
     * @param variant the CPU variant, such as {@code v8}, or null
     * @return the platform
     * @throws OciFormatException when os or architecture is missing
     */
    public static Platform of(String os, String architecture, String variant) {
        return new Platform(architecture, os, null, null, variant, null);
    }
}
