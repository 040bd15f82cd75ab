package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes a stream through and, when it ends, fails with {@link BlobMismatchException} unless
 * what went past had the expected digest and size. Consumers act on the bytes only once the end
 * was reached without error (an extractor then discards its work otherwise).
 */
public final class VerifyingInputStream extends FilterInputStream {

    private final DigestCheck check;
    private boolean verified;

    /**
     * @param in the stream to check
     * @param what what the stream is, for messages, such as {@code layer blob}
     * @param expected its digest
     * @param expectedSize its size, or -1 when unknown
     */
    public VerifyingInputStream(InputStream in, String what, Digest expected, long expectedSize) {
        super(in);
        this.check = new DigestCheck(what, expected, expectedSize);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n < 0) {
            if (!verified) {
                check.finish();
                verified = true;
            }
            return -1;
        }
        check.update(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(n, 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }
}
