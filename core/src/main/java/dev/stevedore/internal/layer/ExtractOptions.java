package dev.stevedore.internal.layer;

/**
 * How {@link LayerExtractor} treats what the running user may not be able to reproduce.
 *
 * @param whiteouts apply OCI whiteouts to what lower layers put in the target, or keep them as
 *     overlayfs whiteouts so the directory can serve as an overlayfs lower dir
 * @param devices what to do with character and block device entries (fifos are always created)
 * @param preserveOwnership set each entry's uid and gid (needs root); false leaves the
 *     extracting user as owner, for rootless use
 * @param preserveXattrs set the extended attributes the tar carries ({@code trusted.*} and
 *     {@code security.*} need root)
 * @param writerThreads threads that create small files while the tar is parsed; 0 writes
 *     everything on the calling thread
 * @param digestBlob also compute the sha256 of the blob as read (compressed); callers reading a
 *     blob the content store already verified can save that work
 */
public record ExtractOptions(
        WhiteoutMode whiteouts,
        DevicePolicy devices,
        boolean preserveOwnership,
        boolean preserveXattrs,
        int writerThreads,
        boolean digestBlob) {

    /** What whiteout entries become. */
    public enum WhiteoutMode {
        /** {@code .wh.NAME} deletes NAME from the target, {@code .wh..wh..opq} empties its directory. */
        APPLY,
        /**
         * {@code .wh.NAME} becomes a 0/0 character device NAME and {@code .wh..wh..opq} the xattr
         * {@code trusted.overlay.opaque=y} on its directory: the form overlayfs reads in a lower
         * dir. Used for the unpacked-layer cache, where each layer gets its own empty target.
         */
        OVERLAY
    }

    /** What character and block device entries become. */
    public enum DevicePolicy {
        /** mknod them (needs CAP_MKNOD; fails naming the entry otherwise). */
        CREATE,
        /** leave them out and count them in {@link ExtractResult#skipped()}. */
        SKIP,
        /** fail naming the entry. */
        REFUSE
    }

    public ExtractOptions {
        if (whiteouts == null || devices == null) {
            throw new NullPointerException("whiteouts and devices must be set");
        }
        if (writerThreads < 0 || writerThreads > 64) {
            throw new IllegalArgumentException("writerThreads must be 0..64: " + writerThreads);
        }
    }

    /** Whiteouts applied, devices created, owners and xattrs kept, four writer threads. */
    public static ExtractOptions defaults() {
        return new ExtractOptions(WhiteoutMode.APPLY, DevicePolicy.CREATE, true, true, 4, true);
    }

    /** For a non-root user: devices skipped, ownership and xattrs left alone. */
    public static ExtractOptions rootless() {
        return new ExtractOptions(WhiteoutMode.APPLY, DevicePolicy.SKIP, false, false, 4, true);
    }

    public ExtractOptions withWhiteouts(WhiteoutMode mode) {
        return new ExtractOptions(mode, devices, preserveOwnership, preserveXattrs,
                writerThreads, digestBlob);
    }

    public ExtractOptions withDevices(DevicePolicy policy) {
        return new ExtractOptions(whiteouts, policy, preserveOwnership, preserveXattrs,
                writerThreads, digestBlob);
    }

    public ExtractOptions withPreserveOwnership(boolean preserve) {
        return new ExtractOptions(whiteouts, devices, preserve, preserveXattrs, writerThreads,
                digestBlob);
    }

    public ExtractOptions withPreserveXattrs(boolean preserve) {
        return new ExtractOptions(whiteouts, devices, preserveOwnership, preserve,
                writerThreads, digestBlob);
    }

    public ExtractOptions withDigestBlob(boolean digest) {
        return new ExtractOptions(whiteouts, devices, preserveOwnership, preserveXattrs,
                writerThreads, digest);
    }

    public ExtractOptions withWriterThreads(int threads) {
        return new ExtractOptions(whiteouts, devices, preserveOwnership, preserveXattrs,
                threads, digestBlob);
    }
}
