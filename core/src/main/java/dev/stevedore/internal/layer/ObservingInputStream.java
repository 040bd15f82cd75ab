package dev.stevedore.internal.layer;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream that shows every byte read through it to {@link #observe}. Skipping reads the bytes
 * too, so an observer (a digest, a tar header check) never misses what a parser skips over.
 */
abstract class ObservingInputStream extends FilterInputStream {

    ObservingInputStream(InputStream in) {
        super(in);
    }

    /** Sees bytes as they pass, in order. */
    abstract void observe(byte[] b, int off, int len);

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            observe(new byte[] {(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            observe(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        long skipped = 0;
        while (skipped < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
            if (r < 0) {
                break;
            }
            skipped += r;
        }
        return skipped;
    }
}
