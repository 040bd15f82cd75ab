package dev.stevedore.internal.layer;

import dev.stevedore.oci.Digest;

/**
 * What identifies a layer {@link LayerWriter} wrote.
 *
 * @param diffId sha256 of the uncompressed tar, for the image config's {@code rootfs.diff_ids}
 * @param blobDigest sha256 of the bytes written (compressed), for the manifest's descriptor
 * @param size bytes written (compressed), for the manifest's descriptor
 * @param compression how the tar was compressed, see {@link LayerCompression#ociMediaType()}
 */
public record LayerDigests(Digest diffId, Digest blobDigest, long size, LayerCompression compression) {}
