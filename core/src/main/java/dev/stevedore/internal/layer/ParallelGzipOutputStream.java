package dev.stevedore.internal.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A gzip stream deflated in blocks on several threads, the way pigz does it: each block is
 * deflated on its own with the previous block's last 32 KiB as preset dictionary and ends with a
 * sync flush, so the blocks concatenate into one ordinary deflate stream (one gzip member) that
 * any gunzip reads. The bytes depend only on the input, the block size and the level, never on
 * the number of threads or their timing, which keeps layer digests reproducible.
 */
final class ParallelGzipOutputStream extends OutputStream {
    static final int BLOCK = 1 << 20;
    private static final int DICTIONARY = 32 * 1024;
    private static final int THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "stevedore-gzip");
        t.setDaemon(true);
        return t;
    });

    private static final ThreadLocal<ByteBuffer[]> DIRECT = ThreadLocal.withInitial(() ->
            new ByteBuffer[] {ByteBuffer.allocateDirect(BLOCK), ByteBuffer.allocateDirect(64 * 1024)});

    private final OutputStream out;
    private final int level;
    private final CRC32 crc = new CRC32();
    private final ArrayDeque<Future<byte[]>> pending = new ArrayDeque<>();
    private byte[] block = new byte[BLOCK];
    private int filled;
    private byte[] dictionary;
    private long total;
    private boolean closed;

    ParallelGzipOutputStream(OutputStream out, int level) throws IOException {
        this.out = out;
        this.level = level;
        // mtime 0 and OS "unknown" so the header never varies with the machine or the clock
        out.write(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff});
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("gzip stream already closed");
        }
        crc.update(b, off, len);
        total += len;
        while (len > 0) {
            int n = Math.min(len, BLOCK - filled);
            System.arraycopy(b, off, block, filled, n);
            filled += n;
            off += n;
            len -= n;
            if (filled == BLOCK) {
                submit(false);
            }
        }
    }

    private void submit(boolean last) throws IOException {
        byte[] input = block;
        int length = filled;
        byte[] dict = dictionary;
        pending.add(POOL.submit(() -> deflate(input, length, dict, last, level)));
        if (!last) {
            dictionary = Arrays.copyOfRange(input, length - DICTIONARY, length);
            block = new byte[BLOCK];
            filled = 0;
        }
        // bounded read-ahead keeps memory at a few blocks whatever the input size
        while (pending.size() > THREADS + 1) {
            drainOne();
        }
    }

    /**
     * Deflates one block. Input and output go through per-thread direct buffers: with byte
     * arrays zlib holds a JNI critical region for the whole call, which keeps the garbage
     * collector out and fails allocations on a small heap (-Xmx32m) while two threads deflate.
     */
    private static byte[] deflate(byte[] input, int length, byte[] dict, boolean last, int level) {
        ByteBuffer[] buffers = DIRECT.get();
        ByteBuffer in = buffers[0];
        ByteBuffer out = buffers[1];
        in.clear();
        in.put(input, 0, length).flip();
        Deflater deflater = new Deflater(level, true);
        try {
            if (dict != null) {
                deflater.setDictionary(dict);
            }
            deflater.setInput(in);
            ByteArrayOutputStream compressed = new ByteArrayOutputStream(length / 2 + 64);
            byte[] chunk = new byte[out.capacity()];
            if (last) {
                deflater.finish();
            }
            while (true) {
                out.clear();
                int n = last ? deflater.deflate(out) : deflater.deflate(out, Deflater.SYNC_FLUSH);
                out.flip();
                out.get(chunk, 0, n);
                compressed.write(chunk, 0, n);
                boolean done = last ? deflater.finished()
                        : n < chunk.length && deflater.needsInput();
                if (done) {
                    return compressed.toByteArray();
                }
            }
        } finally {
            deflater.end();
        }
    }

    private void drainOne() throws IOException {
        Future<byte[]> next = pending.poll();
        try {
            out.write(next.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while compressing layer");
        } catch (ExecutionException e) {
            throw new IOException("gzip compression failed", e.getCause());
        }
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            submit(true);
            while (!pending.isEmpty()) {
                drainOne();
            }
            long c = crc.getValue();
            out.write(new byte[] {(byte) c, (byte) (c >> 8), (byte) (c >> 16), (byte) (c >> 24),
                (byte) total, (byte) (total >> 8), (byte) (total >> 16), (byte) (total >> 24)});
        } finally {
            pending.forEach(f -> f.cancel(true));
            out.close();
        }
    }
}
