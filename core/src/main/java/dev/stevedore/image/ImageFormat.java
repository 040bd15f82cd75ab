package dev.stevedore.image;

/** How an image is written to, or read from, a file or directory. */
public enum ImageFormat {
    /** An OCI image layout directory ({@code oci-layout}, {@code index.json}, {@code blobs/}), as skopeo's {@code oci:}. */
    OCI_LAYOUT,
    /** An OCI image layout in a tar file, as skopeo's {@code oci-archive:}. */
    OCI_ARCHIVE,
    /** A {@code docker save} tar ({@code manifest.json}, configs and layer tars), as skopeo's {@code docker-archive:}. */
    DOCKER_ARCHIVE
}
