package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import java.util.List;
import java.util.Map;

/**
 * A reference to content: its media type, digest and size (image-spec {@code descriptor.md}).
 *
 * @param mediaType the media type of the referenced content; required
 * @param digest the digest of the referenced content; required
 * @param size its size in bytes; required, not negative
 * @param urls where else the content may be downloaded from
 * @param annotations arbitrary metadata
 * @param data the content itself, base64-encoded, embedded
 * @param artifactType the type of an artifact when the descriptor refers to one
 * @param platform the platform of the referenced manifest, in an index
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Descriptor(
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("digest") Digest digest,
        @JsonProperty("size") long size,
        @JsonProperty("urls") List<String> urls,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonProperty("data") String data,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("platform") Platform platform,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public Descriptor {
        if (mediaType == null) {
            throw OciFormatException.field("mediaType", "is required");
        }
        if (digest == null) {
            throw OciFormatException.field("digest", "is required");
        }
        if (size < 0) {
            throw OciFormatException.field("size", "must not be negative, got " + size);
        }
        urls = urls == null ? List.of() : List.copyOf(urls);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    /**
     * A plain descriptor.
     *
     * @param mediaType the content's media type
     * @param digest the content's digest
     * @param size the content's size in bytes
     * @return the descriptor
     */
    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, null, null, null);
    }
}
