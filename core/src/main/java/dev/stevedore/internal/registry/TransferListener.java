package dev.stevedore.internal.registry;

import dev.stevedore.oci.image.Descriptor;

/**
 * Hears how blobs move during a pull or push. Called from several threads at once (blobs move
 * in parallel); implementations must be thread-safe and quick, since they run on the transfer
 * threads.
 */
public interface TransferListener {

    /** A listener that ignores everything. */
    TransferListener NONE = new TransferListener() {
    };

    /** What happened to a blob. */
    enum Outcome {
        /** Downloaded into the store or uploaded to the registry. */
        TRANSFERRED,
        /** Already at the destination; nothing moved. */
        PRESENT,
        /** Mounted from another repository of the same registry; nothing moved. */
        MOUNTED
    }

    /**
     * A blob starts moving.
     *
     * @param blob the blob
     * @param resumedAt bytes already there from an interrupted earlier transfer
     */
    default void started(Descriptor blob, long resumedAt) {
    }

    /**
     * Bytes moved.
     *
     * @param blob the blob
     * @param bytes how many bytes of it are at the destination now, resumed ones included
     * @param total its size
     */
    default void progress(Descriptor blob, long bytes, long total) {
    }

    /**
     * A blob is done.
     *
     * @param blob the blob
     * @param outcome how it got there
     */
    default void finished(Descriptor blob, Outcome outcome) {
    }
}
