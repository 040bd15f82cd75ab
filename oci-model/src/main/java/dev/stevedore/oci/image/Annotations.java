package dev.stevedore.oci.image;

/**
 * The annotation keys the image spec predefines ({@code annotations.md}), for the
 * {@code annotations} of manifests, indexes and descriptors.
 */
public final class Annotations {

    /** When the image was created, an RFC 3339 date-time. */
    public static final String CREATED = "org.opencontainers.image.created";
    /** Who to contact about the image (free text). */
    public static final String AUTHORS = "org.opencontainers.image.authors";
    /** Where to find more information about the image (URL). */
    public static final String URL = "org.opencontainers.image.url";
    /** Where to find the image's documentation (URL). */
    public static final String DOCUMENTATION = "org.opencontainers.image.documentation";
    /** Where to find the source code the image was built from (URL). */
    public static final String SOURCE = "org.opencontainers.image.source";
    /** The version of the packaged software. */
    public static final String VERSION = "org.opencontainers.image.version";
    /** The source control revision the image was built from. */
    public static final String REVISION = "org.opencontainers.image.revision";
    /** Who distributes the image. */
    public static final String VENDOR = "org.opencontainers.image.vendor";
    /** The licenses of the packaged software, as an SPDX license expression. */
    public static final String LICENSES = "org.opencontainers.image.licenses";
    /** The name of a reference in an image layout's {@code index.json}, such as a tag. */
    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** A human-readable title of the image. */
    public static final String TITLE = "org.opencontainers.image.title";
    /** A human-readable description of the packaged software. */
    public static final String DESCRIPTION = "org.opencontainers.image.description";
    /** The reference of the image this image is based on. */
    public static final String BASE_NAME = "org.opencontainers.image.base.name";
    /** The digest of the manifest of the image this image is based on. */
    public static final String BASE_DIGEST = "org.opencontainers.image.base.digest";

    private Annotations() {
    }
}
