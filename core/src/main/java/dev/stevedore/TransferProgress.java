package dev.stevedore;

/**
 * Hears how an image's blobs move during {@link ImageStore#pull} or {@link ImageStore#push}.
 * Called from several transfer threads at once: implementations must be thread-safe and quick.
 */
@FunctionalInterface
public interface TransferProgress {

    /** Ignores everything. */
    TransferProgress NONE = (blob, bytes, total) -> { };

    /**
     * Bytes of one blob moved.
     *
     * @param blob the blob's digest, such as {@code sha256:9a3f...}
     * @param bytes how many of its bytes are at the destination now
     * @param total its size
     */
    void progress(String blob, long bytes, long total);
}
