package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.security.MessageDigest;

/**
 * Counts and hashes bytes as they stream past, and checks them against an expected size (as
 * soon as it is exceeded) and digest (at the end). For content whose writer hashes it anyway
 * ({@link #counting}), it only counts, and the digest comes from that writer.
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

    private DigestCheck(String what) {
        this.what = what;
        this.expected = null;
        this.expectedSize = -1;
        this.md = null;
    }

    /** A check that counts without hashing: {@link #finish(Digest)} takes the writer's digest. */
    static DigestCheck counting(String what) {
        return new DigestCheck(what);
    }

    /** @return whether this check hashes what passes (else the writer supplies the digest) */
    boolean hashes() {
        return md != null;
    }

    void update(byte[] b, int off, int len) {
        if (expectedSize >= 0 && count + len > expectedSize) {
            throw BlobMismatchException.size(what, expected, expectedSize, count + len);
        }
        if (md != null) {
            md.update(b, off, len);
        }
        count += len;
    }

    long count() {
        return count;
    }

    /** @return the digest of everything seen, once it matched what was expected */
    Digest finish() {
        if (md == null) {
            throw new IllegalStateException(what + " is hashed by its writer: finish with that digest");
        }
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
