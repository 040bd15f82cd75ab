package dev.stevedore.oci.image;

/**
 * How a layer's tar stream is compressed, as its media type says.
 *
 * @see MediaTypes#layerCompression(String)
 * @see MediaTypes#layer(Compression)
 */
public enum Compression {
    /** A plain tar stream. */
    NONE,
    /** A gzip-compressed tar stream ({@code +gzip}, Docker's {@code .tar.gzip}). */
    GZIP,
    /** A zstd-compressed tar stream ({@code +zstd}). */
    ZSTD
}
