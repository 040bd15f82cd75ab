package dev.stevedore.internal.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads a source stream on its own thread, a few chunks ahead of the consumer, so that
 * decompression runs in parallel with tar parsing and file creation (GNU tar gets the same
 * effect by piping from a separate gzip process). Memory stays at {@code DEPTH} chunks.
 */
final class PipelinedInputStream extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final int DEPTH = 8;
    private static final Chunk END = new Chunk(new byte[0], 0, null);

    private record Chunk(byte[] data, int length, Throwable failure) {}

    private final BlockingQueue<Chunk> queue = new ArrayBlockingQueue<>(DEPTH);
    /** Consumed chunks' buffers go back to the producer: no garbage per chunk under a small heap. */
    private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(DEPTH + 2);
    private final Thread producer;
    private volatile boolean closed;
    private Chunk current;
    private int position;

    PipelinedInputStream(InputStream source, String threadName) {
        producer = new Thread(() -> pump(source), threadName);
        producer.setDaemon(true);
        producer.start();
    }

    private void pump(InputStream source) {
        try (source) {
            while (!closed) {
                byte[] buf = free.poll();
                if (buf == null) {
                    buf = new byte[CHUNK];
                }
                int n = source.readNBytes(buf, 0, CHUNK);
                if (n == 0) {
                    break;
                }
                offer(new Chunk(buf, n, null));
            }
            offer(END);
        } catch (Throwable t) {
            try {
                offer(new Chunk(null, 0, t));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void offer(Chunk chunk) throws InterruptedException {
        while (!closed && !queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
            // consumer is slower; the timeout only lets a closed stream stop the producer
        }
    }

    private boolean fill() throws IOException {
        if (current == END) {
            return false;
        }
        if (current != null && position < current.length) {
            return true;
        }
        if (current != null && current.data != null) {
            free.offer(current.data);
        }
        try {
            current = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading layer");
        }
        position = 0;
        if (current.failure != null) {
            Throwable f = current.failure;
            current = END;
            if (f instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException("reading layer failed: " + f, f);
        }
        return current != END;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return current.data[position++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - position);
        System.arraycopy(current.data, position, b, off, n);
        position += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        producer.interrupt();
    }
}
