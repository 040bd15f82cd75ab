package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.nio.file.Path;

/** A blob the store does not hold. */
public final class BlobNotFoundException extends RuntimeException {

    private final Digest digest;

    BlobNotFoundException(Digest digest, Path root) {
        super("blob " + digest + " is not in the content store '" + root + "'");
        this.digest = digest;
    }

    /** @return the missing blob's digest */
    public Digest digest() {
        return digest;
    }
}
