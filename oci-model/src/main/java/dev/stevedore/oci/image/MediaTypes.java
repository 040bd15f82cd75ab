package dev.stevedore.oci.image;


/**
 * The media types of the OCI image spec v1.1 and of Docker's image manifest v2 schema 2, and
 * questions about them.
 *
 * <p>Docker schema 2 documents have the same JSON shape as their OCI counterparts: a Docker
 * manifest reads into {@link Manifest}, a manifest list into {@link Index}, a container config into
 * {@link ImageConfig}; the {@code mediaType} tells them apart.
 */
public final class MediaTypes {

    /** An OCI image manifest. */
    public static final String IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    /** An OCI image index. */
    public static final String IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
    /** An OCI image config. */
    public static final String IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
    /** An OCI layer: an uncompressed tar stream. */
    public static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    /** An OCI layer: a gzip-compressed tar stream. */
    public static final String LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    /** An OCI layer: a zstd-compressed tar stream. */
    public static final String LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    /** A non-distributable OCI layer, uncompressed (deprecated by the spec, still read). */
    public static final String LAYER_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
    /** A non-distributable OCI layer, gzip-compressed (deprecated by the spec, still read). */
    public static final String LAYER_NONDISTRIBUTABLE_TAR_GZIP =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    /** A non-distributable OCI layer, zstd-compressed (deprecated by the spec, still read). */
    public static final String LAYER_NONDISTRIBUTABLE_TAR_ZSTD =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
    /** The empty JSON document {@code {}}, used as the config or layer of artifacts. */
    public static final String EMPTY_JSON = "application/vnd.oci.empty.v1+json";
    /** The {@code oci-layout} file of an image layout. */
    public static final String IMAGE_LAYOUT = "application/vnd.oci.layout.header.v1+json";

    /** A Docker image manifest, version 2 schema 2. */
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** A Docker manifest list (the Docker counterpart of an index). */
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    /** A Docker container image config. */
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    /** A Docker layer: a gzip-compressed tar stream. */
    public static final String DOCKER_LAYER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /** A Docker layer: an uncompressed tar stream (written by some tools, not by Docker itself). */
    public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    /** A Docker foreign layer, downloaded from the descriptor's {@code urls}, gzip-compressed. */
    public static final String DOCKER_FOREIGN_LAYER = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

    private MediaTypes() {
    }

    /**
     * Tells whether a media type names an image manifest (OCI or Docker schema 2).
     *
     * @param mediaType a media type, may be null
     * @return true for {@link #IMAGE_MANIFEST} and {@link #DOCKER_MANIFEST}
     */
    public static boolean isManifest(String mediaType) {
        return IMAGE_MANIFEST.equals(mediaType) || DOCKER_MANIFEST.equals(mediaType);
    }

    /**
     * Tells whether a media type names an index of manifests (OCI index or Docker manifest list).
     *
     * @param mediaType a media type, may be null
     * @return true for {@link #IMAGE_INDEX} and {@link #DOCKER_MANIFEST_LIST}
     */
    public static boolean isIndex(String mediaType) {
        return IMAGE_INDEX.equals(mediaType) || DOCKER_MANIFEST_LIST.equals(mediaType);
    }

    /**
     * Tells whether a media type names an image config (OCI or Docker).
     *
     * @param mediaType a media type, may be null
     * @return true for {@link #IMAGE_CONFIG} and {@link #DOCKER_CONFIG}
     */
    public static boolean isConfig(String mediaType) {
        return IMAGE_CONFIG.equals(mediaType) || DOCKER_CONFIG.equals(mediaType);
    }

    /**
     * Tells whether a media type names a layer tar stream, compressed or not, OCI or Docker,
     * distributable or not.
     *
     * @param mediaType a media type, may be null
     * @return true for every {@code LAYER_*} and {@code DOCKER_*LAYER*} constant of this class
     */
    public static boolean isLayer(String mediaType) {
        return compressionOrNull(mediaType) != null;
    }

    /**
     * Tells whether a media type names a layer that registries may refuse to store: OCI
     * non-distributable layers and Docker foreign layers.
     *
     * @param mediaType a media type, may be null
     * @return true for those layers
     */
    public static boolean isNonDistributable(String mediaType) {
        return LAYER_NONDISTRIBUTABLE_TAR.equals(mediaType)
                || LAYER_NONDISTRIBUTABLE_TAR_GZIP.equals(mediaType)
                || LAYER_NONDISTRIBUTABLE_TAR_ZSTD.equals(mediaType)
                || DOCKER_FOREIGN_LAYER.equals(mediaType);
    }

    /**
     * How a layer of this media type is compressed.
     *
     * @param mediaType a layer media type
     * @return its compression
     * @throws IllegalArgumentException when the media type is not a layer type {@link #isLayer}
     *         knows, naming it
     */
    public static Compression layerCompression(String mediaType) {
        Compression compression = compressionOrNull(mediaType);
        if (compression == null) {
            throw new IllegalArgumentException("\"" + mediaType + "\" is not a layer media type this library knows");
        }
        return compression;
    }

    /**
     * The OCI media type of a layer with this compression.
     *
     * @param compression the layer's compression
     * @return {@link #LAYER_TAR}, {@link #LAYER_TAR_GZIP} or {@link #LAYER_TAR_ZSTD}
     */
    public static String layer(Compression compression) {
        return switch (compression) {
            case NONE -> LAYER_TAR;
            case GZIP -> LAYER_TAR_GZIP;
            case ZSTD -> LAYER_TAR_ZSTD;
        };
    }

    /**
     * Says what is wrong with a media type string: it must have the {@code type/subtype} form of
     * RFC 6838, which the image spec requires of every media type.
     *
     * @param mediaType the candidate, may be null
     * @return a short description of the problem, or null when the media type is well formed
     */
    public static String problem(String mediaType) {
        if (mediaType == null) {
            return "is required";
        }
        int slash = mediaType.indexOf('/');
        if (slash < 0 || !isRestrictedName(mediaType, 0, slash)
                || !isRestrictedName(mediaType, slash + 1, mediaType.length())) {
            return "\"" + mediaType + "\" is not a media type: expected type/subtype (RFC 6838)";
        }
        return null;
    }

    /**
     * RFC 6838 section 4.2 restricted-name, {@code [A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}}, for the type
     * and the subtype: matched by hand because compiling the expression cost the first descriptor read in
     * a fresh JVM some ms. MediaTypesTest checks it against the expression.
     */
    static boolean isRestrictedName(String s, int from, int to) {
        if (to - from < 1 || to - from > 127 || !isAlnum(s.charAt(from))) {
            return false;
        }
        for (int i = from + 1; i < to; i++) {
            char c = s.charAt(i);
            if (!isAlnum(c) && "!#$&^_.+-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    private static Compression compressionOrNull(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        return switch (mediaType) {
            case LAYER_TAR, LAYER_NONDISTRIBUTABLE_TAR, DOCKER_LAYER_TAR -> Compression.NONE;
            case LAYER_TAR_GZIP, LAYER_NONDISTRIBUTABLE_TAR_GZIP, DOCKER_LAYER_GZIP, DOCKER_FOREIGN_LAYER -> Compression.GZIP;
            case LAYER_TAR_ZSTD, LAYER_NONDISTRIBUTABLE_TAR_ZSTD -> Compression.ZSTD;
            default -> null;
        };
    }
}
