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
 * An image manifest: one image's config and layers (image-spec {@code manifest.md}). A Docker
 * image manifest v2 schema 2 has the same shape and reads into this type too, keeping its
 * {@link MediaTypes#DOCKER_MANIFEST} media type.
 *
 * <pre>{@code
 * Manifest m = OciJson.read(bytes, Manifest.class, "manifest");
 * for (Descriptor layer : m.layers()) { ... }
 * }</pre>
 *
 * @param schemaVersion always 2; required
 * @param mediaType {@link MediaTypes#IMAGE_MANIFEST} or {@link MediaTypes#DOCKER_MANIFEST}; the
 *        spec says it should be set, so it is optional here
 * @param artifactType the type of an artifact, when this manifest is one
 * @param config the image config (or an artifact's config); required
 * @param layers the layers, base layer first; required, may be empty (always written)
 * @param subject the manifest this one refers to, such as the image a signature signs
 * @param annotations arbitrary metadata, keys such as those of {@link Annotations}
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Manifest(
        @JsonProperty("schemaVersion") int schemaVersion,
        @JsonProperty("mediaType") String mediaType,
        @JsonProperty("artifactType") String artifactType,
        @JsonProperty("config") Descriptor config,
        @JsonProperty("layers") @JsonInclude(JsonInclude.Include.ALWAYS) List<Descriptor> layers,
        @JsonProperty("subject") Descriptor subject,
        @JsonProperty("annotations") Map<String, String> annotations,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public Manifest {
        Checks.schemaVersion(schemaVersion);
        if (mediaType != null && !MediaTypes.isManifest(mediaType)) {
            throw OciFormatException.field("mediaType", "\"" + mediaType + "\" is not a manifest media type (expected "
                    + MediaTypes.IMAGE_MANIFEST + " or " + MediaTypes.DOCKER_MANIFEST + ")");
        }
        if (artifactType != null) {
            Checks.mediaType("artifactType", artifactType);
        }
        if (config == null) {
            throw OciFormatException.field("config", "is required");
        }
        if (layers == null) {
            throw OciFormatException.field("layers", "is required");
        }
        layers = Immutable.list(layers, "layers");
        annotations = Immutable.map(annotations, "annotations");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * An OCI image manifest.
     *
     * @param config the image config's descriptor
     * @param layers the layers' descriptors, base layer first
     * @return the manifest, with media type {@link MediaTypes#IMAGE_MANIFEST}
     */
    public static Manifest of(Descriptor config, List<Descriptor> layers) {
        return new Manifest(2, MediaTypes.IMAGE_MANIFEST, null, config, layers, null, null, null);
    }

    /**
     * @param config the new config descriptor
     * @return a copy of this manifest with this config
     */
    public Manifest withConfig(Descriptor config) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, annotations, extensions);
    }

    /**
     * @param layers the new layers, base layer first
     * @return a copy of this manifest with these layers
     */
    public Manifest withLayers(List<Descriptor> layers) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, annotations, extensions);
    }

    /**
     * @param annotations the new annotations, replacing the old ones
     * @return a copy of this manifest with these annotations
     */
    public Manifest withAnnotations(Map<String, String> annotations) {
        return new Manifest(schemaVersion, mediaType, artifactType, config, layers, subject, annotations, extensions);
    }
}
