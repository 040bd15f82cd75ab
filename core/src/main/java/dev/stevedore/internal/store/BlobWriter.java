package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Streams one blob into the store: bytes go to a locked temporary file in the store's
 * {@code ingest/} directory while their size and digest are checked, and {@link #commit()}
 * moves the verified file into place. Closing without committing discards everything.
 *
 * <pre>{@code
 * try (BlobWriter w = store.writer(expectedDigest, expectedSize, lease)) {
 *     source.transferTo(w);
 *     Digest d = w.commit();
 * }
 * }</pre>
 */
public final class BlobWriter extends OutputStream {

    private final ContentStore store;
    private final OwnedFile temp;
    private final Lease lease;
    private final DigestCheck check;
    private final boolean keepOnClose;
    private final long resumedAt;
    private Digest committed;

    BlobWriter(ContentStore store, OwnedFile temp, Digest expected, long expectedSize, Lease lease) {
        this(store, temp, new DigestCheck("blob", expected, expectedSize), lease, false, expectedSize);
    }

    /** A writer whose caller hashes the content and commits with its digest. */
    BlobWriter(ContentStore store, OwnedFile temp, DigestCheck counting, Lease lease) {
        this(store, temp, counting, lease, false, -1);
    }

    /**
     * @param keepOnClose whether the temporary file holds a partial download to keep for a later
     *        writer: its content so far is hashed again and writing continues at its end
     */
    BlobWriter(ContentStore store, OwnedFile temp, Digest expected, long expectedSize, Lease lease,
            boolean keepOnClose) {
        this(store, temp, new DigestCheck("blob", expected, expectedSize), lease, keepOnClose, expectedSize);
    }

    private BlobWriter(ContentStore store, OwnedFile temp, DigestCheck check, Lease lease, boolean keepOnClose,
            long expectedSize) {
        this.store = store;
        this.temp = temp;
        this.lease = lease;
        this.check = check;
        this.keepOnClose = keepOnClose;
        this.resumedAt = keepOnClose ? rehashExisting(expectedSize) : 0;
    }

    private long rehashExisting(long expectedSize) {
        FileChannel channel = temp.channel();
        try {
            long existing = channel.size();
            if (expectedSize >= 0 && existing > expectedSize) {
                channel.truncate(0);
                existing = 0;
            }
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long position = 0;
            while (position < existing) {
                buffer.clear();
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break;
                }
                check.update(buffer.array(), 0, n);
                position += n;
            }
            channel.position(position);
            return position;
        } catch (IOException | RuntimeException e) {
            temp.close();
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot resume partial blob '" + temp.path() + "'", io)
                    : (RuntimeException) e;
        }
    }

    /**
     * @return how many bytes an earlier, interrupted writer of the same blob left, already
     *         counted and hashed: the caller sends only the rest. Always 0 for a plain writer.
     */
    public long resumedAt() {
        return resumedAt;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        if (!temp.channel().isOpen()) {
            throw new IOException("blob writer is closed");
        }
        try {
            check.update(b, off, len);
        } catch (BlobMismatchException e) {
            temp.close();
            throw e;
        }
        ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
        FileChannel channel = temp.channel();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** @return how many bytes were written so far */
    public long size() {
        return check.count();
    }

    /**
     * Verifies the content, flushes it to disk and moves it into place. When the blob already
     * exists (another writer won the race) the existing one is kept.
     *
     * @return the blob's digest
     * @throws BlobMismatchException naming expected and actual digest or size; nothing is kept
     */
    public Digest commit() {
        return commit(null);
    }

    /**
     * Commits a blob from {@link ContentStore#writerForHashedContent}: the digest is the one its
     * writer computed over exactly the bytes it wrote here.
     *
     * @param digest that digest; null for a writer that hashes on its own
     * @return the blob's digest
     */
    public Digest commit(Digest digest) {
        if (committed != null) {
            return committed;
        }
        if (!temp.channel().isOpen()) {
            throw new IllegalStateException("blob writer is closed");
        }
        if ((digest == null) != check.hashes()) {
            throw new IllegalArgumentException(check.hashes() ? "this blob writer computes the digest itself"
                    : "this blob writer needs the digest its caller computed");
        }
        try {
            if (digest == null) {
                digest = check.finish();
            }
            temp.channel().force(true);
            store.install(temp.path(), digest, lease);
            committed = digest;
            return digest;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store blob in '" + store.root() + "'", e);
        } finally {
            temp.close();
        }
    }

    /**
     * Discards the content unless {@link #commit()} succeeded; a resumable writer keeps what it
     * received (unless it was found corrupt) for the next writer of the same blob.
     */
    @Override
    public void close() {
        if (keepOnClose) {
            temp.release();
        } else {
            temp.close();
        }
    }
}
