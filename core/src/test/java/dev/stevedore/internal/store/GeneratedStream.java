package dev.stevedore.internal.store;

import java.io.InputStream;

/** Deterministic pseudo-random bytes made on the fly, so tests can stream gigabytes without keeping them. */
final class GeneratedStream extends InputStream {

    private long state;
    private long remaining;
    private long position;

    GeneratedStream(long seed, long size) {
        this.state = seed * 0x9E3779B97F4A7C15L + 1;
        this.remaining = size;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (remaining <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, remaining);
        for (int i = 0; i < n; i++, position++) {
            int shift = (int) (position & 7);
            if (shift == 0) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
            }
            b[off + i] = (byte) (state >>> (shift * 8));
        }
        remaining -= n;
        return n;
    }
}
