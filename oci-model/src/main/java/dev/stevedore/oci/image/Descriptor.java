package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.Immutable;
import java.util.Base64;
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
 * @param data the content itself, base64-encoded, embedded; when present it must match
 *        {@code size} and {@code digest}
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
        Checks.mediaType("mediaType", mediaType);
        if (digest == null) {
            throw OciFormatException.field("digest", "is required");
        }
        if (size < 0) {
            throw OciFormatException.field("size", "must not be negative, got " + size);
        }
        if (artifactType != null) {
            Checks.mediaType("artifactType", artifactType);
        }
        if (data != null) {
            checkData(data, digest, size);
        }
        urls = Immutable.list(urls, "urls");
        annotations = Immutable.map(annotations, "annotations");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * A plain descriptor.
     *
     * @param mediaType the content's media type
     * @param digest the content's digest
     * @param size the content's size in bytes
     * @return the descriptor
     * @throws OciFormatException when the media type is malformed or the size negative
     */
    public static Descriptor of(String mediaType, Digest digest, long size) {
        return new Descriptor(mediaType, digest, size, null, null, null, null, null, null);
    }

    /**
     * A descriptor of some bytes, computing their sha256 digest and size.
     *
     * @param mediaType the content's media type
     * @param content the content
     * @return the descriptor
     */
    public static Descriptor of(String mediaType, byte[] content) {
        return of(mediaType, Digest.sha256(content), content.length);
    }

    /**
     * @param annotations the new annotations, replacing the old ones
     * @return a copy of this descriptor with these annotations
     */
    public Descriptor withAnnotations(Map<String, String> annotations) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, artifactType, platform, extensions);
    }

    /**
     * @param platform the platform of the referenced manifest, or null for none
     * @return a copy of this descriptor with this platform
     */
    public Descriptor withPlatform(Platform platform) {
        return new Descriptor(mediaType, digest, size, urls, annotations, data, artifactType, platform, extensions);
    }

    private static void checkData(String data, Digest digest, long size) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(data);
        } catch (IllegalArgumentException e) {
            throw OciFormatException.field("data", "is not valid base64: " + e.getMessage());
        }
        if (bytes.length != size) {
            throw OciFormatException.field("data", "holds " + bytes.length + " bytes but size says " + size);
        }
        if (isComputable(digest) && !digest.equals(digestOf(digest.algorithm(), bytes))) {
            throw OciFormatException.field("data", "does not match digest " + digest);
        }
    }

    private static boolean isComputable(Digest digest) {
        return digest.algorithm().equals(Digest.SHA256) || digest.algorithm().equals(Digest.SHA512);
    }

    private static Digest digestOf(String algorithm, byte[] bytes) {
        var md = Digest.newMessageDigest(algorithm);
        md.update(bytes);
        return Digest.fromMessageDigest(algorithm, md);
    }
}
