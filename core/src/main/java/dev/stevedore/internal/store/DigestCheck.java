package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.security.MessageDigest;

/**
 * Counts and hashes bytes as they stream past, and checks them against an expected size (as
 * soon as it is exceeded) and digest (at the end).
 */
final class DigestCheck {

    private final String what;
    private final Digest expected;
    private final long expectedSize;
    private final MessageDigest md;
    private long count;

    DigestCheck(String what, Digest expected, long expectedSize) {
        this.what = what;
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.md = expected == null ? Digest.newMessageDigest(Digest.SHA256) : expected.newMessageDigest();
    }

    void update(byte[] b, int off, int len) {
        if (expectedSize >= 0 && count + len > expectedSize) {
            throw BlobMismatchException.size(what, expected, expectedSize, count + len);
        }
        md.update(b, off, len);
        count += len;
    }

    long count() {
        return count;
    }

    /** @return the digest of everything seen, once it matched what was expected */
    Digest finish() {
        if (expectedSize >= 0 && count != expectedSize) {
            throw BlobMismatchException.size(what, expected, expectedSize, count);
        }
        Digest actual = Digest.fromMessageDigest(expected == null ? Digest.SHA256 : expected.algorithm(), md);
        if (expected != null && !expected.equals(actual)) {
            throw BlobMismatchException.digest(what, expected, actual);
        }
        return actual;
    }
}
