package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * A Linux namespace the container creates, or joins when a path is given.
 *
 * @param type the namespace type; required
 * @param path the namespace file to join, such as {@code /proc/1234/ns/net}, an absolute path;
 *     null to create a new namespace
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Namespace(
        @JsonProperty("type") NamespaceType type,
        @JsonProperty("path") String path,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param type the namespace type; required
     * @param path the namespace file to join, such as {@code /proc/1234/ns/net}, an absolute path;
     *     null to create a new namespace
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Namespace {
        Checks.required(type, "type");
        Checks.absolute(path, "path");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A new namespace of a type.
     *
     * @param type the type
     * @return the namespace
     */
    public static Namespace of(NamespaceType type) {
        return new Namespace(type, null, null);
    }

    /**
     * An existing namespace to join.
     *
     * @param type the type
     * @param path the namespace file, an absolute path
     * @return the namespace
     */
    public static Namespace join(NamespaceType type, String path) {
        return new Namespace(type, path, null);
    }
}
