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
 * An image index: a list of manifests, typically one per platform (image-spec
 * {@code image-index.md}); also the {@code index.json} of an image layout. A Docker manifest list
 * has the same shape and reads into this type too, keeping its
 * {@link MediaTypes#DOCKER_MANIFEST_LIST} media type.
 *
 * @param schemaVersion always 2; required
 * @param mediaType {@link MediaTypes#IMAGE_INDEX} or {@link MediaTypes#DOCKER_MANIFEST_LIST};
 *        optional
 * @param artifactType the type of an artifact, when this index is one
 * @param manifests the manifests (or nested indexes); required, may be empty (always written)
 * @param subject the manifest this index refers to
 * @param annotations arbitrary metadata, keys such as those of {@link Annotations}
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Index(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("manifests") @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> manifests,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public Index {
        Checks.schemaVersion(schemaVersion);
        if (mediaType != null && !MediaTypes.isIndex(mediaType)) {
            throw OciFormatException.field("mediaType", "\"" + mediaType + "\" is not an index media type (expected "
                    + MediaTypes.IMAGE_INDEX + " or " + MediaTypes.DOCKER_MANIFEST_LIST + ")");
        }
        if (artifactType != null) {
            Checks.mediaType("artifactType", artifactType);
        }
        if (manifests == null) {
            throw OciFormatException.field("manifests", "is required");
        }
        manifests = Immutable.list(manifests, "manifests");
        annotations = Immutable.map(annotations, "annotations");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * An OCI image index.
     *
     * @param manifests the entries
     * @return the index, with media type {@link MediaTypes#IMAGE_INDEX}
     */
    public static Index of(List<Descriptor> manifests) {
        return new Index(2, MediaTypes.IMAGE_INDEX, null, manifests, null, null, null);
    }

    /**
     * @param manifests the new entries, replacing the old ones
     * @return a copy of this index with these entries
     */
    public Index withManifests(List<Descriptor> manifests) {
        return new Index(schemaVersion, mediaType, artifactType, manifests, subject, annotations, extensions);
    }

    /**
     * @param annotations the new annotations, replacing the old ones
     * @return a copy of this index with these annotations
     */
    public Index withAnnotations(Map<String, String> annotations) {
        return new Index(schemaVersion, mediaType, artifactType, manifests, subject, annotations, extensions);
    }
}
