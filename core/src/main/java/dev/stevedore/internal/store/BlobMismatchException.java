package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;

/**
 * Content whose bytes do not match the digest or size it was announced with: a corrupt
 * download, a truncated file, a tampered blob. Nothing of it was stored.
 */
public final class BlobMismatchException extends RuntimeException {

    private final Digest expected;
    private final Digest actual;

    BlobMismatchException(String message, Digest expected, Digest actual) {
        super(message);
        this.expected = expected;
        this.actual = actual;
    }

    static BlobMismatchException digest(String what, Digest expected, Digest actual) {
        return new BlobMismatchException(what + " has digest " + actual + " but " + expected
                + " was expected; the content is corrupt or was tampered with, nothing was stored", expected, actual);
    }

    static BlobMismatchException size(String what, Digest expected, long expectedSize, long actualSize) {
        String actualText = actualSize > expectedSize ? "more than " + expectedSize : Long.toString(actualSize);
        return new BlobMismatchException(what + (expected == null ? "" : " " + expected) + " is " + actualText
                + " bytes long but " + expectedSize + " were expected; the content is truncated or corrupt",
                expected, null);
    }

    /** @return the digest the content should have had, null when only its size was known */
    public Digest expected() {
        return expected;
    }

    /** @return the digest the content had, null when it failed on its size before the end */
    public Digest actual() {
        return actual;
    }
}
