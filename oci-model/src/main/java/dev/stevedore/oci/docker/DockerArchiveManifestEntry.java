package dev.stevedore.oci.docker;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.internal.DigestKey;
import dev.stevedore.oci.internal.Immutable;
import java.util.List;
import java.util.Map;

/**
 * One image of a docker-archive tarball (what {@code docker save} writes): an entry of its
 * {@code manifest.json}. Paths are relative to the archive's root; one that is absolute or
 * climbs out with {@code ..} is refused, so a hostile archive cannot point outside itself.
 *
 * @param config the path of the image config in the archive, such as
 *        {@code blobs/sha256/<hex>} or {@code <hex>.json}; required
 * @param repoTags the image's names, such as {@code busybox:1.36}; empty for an untagged image
 * @param layers the paths of the layer tar streams in the archive, base layer first; required
 * @param layerSources descriptors of layers not stored in the archive (foreign layers), by diff id
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record DockerArchiveManifestEntry(
        @JsonProperty("Config") String config,
        @JsonProperty("RepoTags") List<String> repoTags,
        @JsonProperty("Layers") @JsonInclude(JsonInclude.Include.ALWAYS) List<String> layers,
        @JsonProperty("LayerSources") @JsonDeserialize(keyUsing = DigestKey.class) Map<Digest, Descriptor> layerSources,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public DockerArchiveManifestEntry {
        if (config == null) {
            throw OciFormatException.field("Config", "is required");
        }
        checkPath("Config", config);
        if (layers == null) {
            throw OciFormatException.field("Layers", "is required");
        }
        layers = Immutable.list(layers, "Layers");
        for (int i = 0; i < layers.size(); i++) {
            checkPath("Layers[" + i + "]", layers.get(i));
        }
        repoTags = Immutable.list(repoTags, "RepoTags");
        layerSources = Immutable.map(layerSources, "LayerSources");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * An entry without foreign layers.
     *
     * @param config the config's path in the archive
     * @param repoTags the image's names
     * @param layers the layers' paths in the archive, base layer first
     * @return the entry
     * @throws OciFormatException when a path is unsafe
     */
    public static DockerArchiveManifestEntry of(String config, List<String> repoTags, List<String> layers) {
        return new DockerArchiveManifestEntry(config, repoTags, layers, null, null);
    }

    private static void checkPath(String field, String path) {
        if (path.isEmpty() || path.startsWith("/") || List.of(path.split("/")).contains("..")) {
            throw OciFormatException.field(field, "\"" + path + "\" is not a relative path inside the archive");
        }
    }
}
