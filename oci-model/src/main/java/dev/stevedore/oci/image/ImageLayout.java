package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.Immutable;
import java.util.Map;

/**
 * The {@code oci-layout} file at the root of an OCI image layout (image-spec
 * {@code image-layout.md}), whose {@code index.json} is an {@link Index} and whose blobs live
 * under {@code blobs/<algorithm>/<encoded>}.
 *
 * @param imageLayoutVersion the layout version, {@value #VERSION}; required, major version 1
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageLayout(
        @JsonProperty("imageLayoutVersion") String imageLayoutVersion,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /** The layout version this library writes. */
    public static final String VERSION = "1.0.0";
    /** The name of this file in the layout's root directory. */
    public static final String FILE_NAME = "oci-layout";
    /** The name of the layout's index file in its root directory. */
    public static final String INDEX_FILE_NAME = "index.json";
    /** The name of the directory that holds the blobs, one subdirectory per algorithm. */
    public static final String BLOBS_DIRECTORY = "blobs";

    public ImageLayout {
        if (imageLayoutVersion == null) {
            throw OciFormatException.field("imageLayoutVersion", "is required");
        }
        if (!imageLayoutVersion.matches("1\\.\\d+\\.\\d+")) {
            throw OciFormatException.field("imageLayoutVersion", "\"" + imageLayoutVersion
                    + "\" is not supported: this library reads image layouts 1.x.y");
        }
        extensions = Immutable.extensions(extensions);
    }

    /** @return the layout file this library writes, version {@value #VERSION} */
    public static ImageLayout current() {
        return new ImageLayout(VERSION, null);
    }
}
