package dev.stevedore.internal.layer;

import dev.stevedore.oci.Digest;

/**
 * What {@link LayerExtractor#extract} read and created.
 *
 * @param diffId sha256 of the uncompressed tar (the image config's {@code rootfs.diff_ids} entry)
 * @param blobDigest sha256 of the bytes read from the blob, as stored (compressed); null unless
 *     {@link ExtractOptions#digestBlob()}
 * @param compression how the blob was compressed
 * @param tarSize bytes of uncompressed tar
 * @param files regular files created
 * @param directories directory entries applied
 * @param symlinks symbolic links created
 * @param hardLinks hard links created
 * @param specialFiles fifos and device nodes created
 * @param whiteouts whiteout entries applied or kept
 * @param skipped entries left out by the options (devices when skipped)
 */
public record ExtractResult(
        Digest diffId,
        Digest blobDigest,
        LayerCompression compression,
        long tarSize,
        int files,
        int directories,
        int symlinks,
        int hardLinks,
        int specialFiles,
        int whiteouts,
        int skipped) {}
