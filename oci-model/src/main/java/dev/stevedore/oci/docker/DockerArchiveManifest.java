package dev.stevedore.oci.docker;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.Immutable;
import java.util.List;

/**
 * The {@code manifest.json} of a docker-archive tarball: a JSON array with one entry per image.
 *
 * <pre>{@code
 * DockerArchiveManifest m = OciJson.read(bytes, DockerArchiveManifest.class, "manifest.json");
 * }</pre>
 *
 * @param entries the images, in archive order
 */
public record DockerArchiveManifest(List<DockerArchiveManifestEntry> entries) {

    /** The name of this file at the root of the archive. */
    public static final String FILE_NAME = "manifest.json";

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public DockerArchiveManifest {
        if (entries == null) {
            throw OciFormatException.field("", "expected an array of images, got null");
        }
        entries = Immutable.list(entries, "");
    }

    /** @return the images, in archive order; written as the document's top-level array */
    @JsonValue
    @Override
    public List<DockerArchiveManifestEntry> entries() {
        return entries;
    }
}
