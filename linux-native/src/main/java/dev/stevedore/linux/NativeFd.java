package dev.stevedore.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A file descriptor of this JVM that the JDK cannot wrap, read and written with the C library: the
 * parent's ends of a helper's pipes, the master of a terminal. It is closed once, by {@link #close()},
 * when a read finds its end, or when it is no longer reachable (so an abandoned stream does not keep
 * a pipe open).
 */
final class NativeFd implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();
    private static final int EINTR = 4;
    private static final int EIO = 5;

    private final State state;
    /** Names it in errors: "the terminal", "the pipe to standard input". */
    private final String name;

    /** What the cleaner closes; it must not refer to the {@link NativeFd} itself. */
    private static final class State implements Runnable {
        final int fd;
        final AtomicBoolean closed = new AtomicBoolean();

        State(int fd) {
            this.fd = fd;
        }

        @Override
        public void run() {
            if (closed.compareAndSet(false, true)) {
                Libc.get().close(fd);
            }
        }
    }

    NativeFd(int fd, String name) {
        this.name = name;
        state = new State(fd);
        CLEANER.register(this, state);
    }

    int fd() {
        return state.fd;
    }

    boolean isClosed() {
        return state.closed.get();
    }

    /**
     * Reads end at end of file, and when the kernel says EIO, as for a terminal whose every slave was
     * closed; the descriptor is closed then.
     *
     * @param closes whether closing the stream closes the descriptor
     */
    InputStream input(boolean closes) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                byte[] buf = off == 0 ? b : new byte[len];
                for (;;) {
                    if (isClosed()) {
                        return -1;
                    }
                    int n = (int) Libc.get().read(state.fd, buf, len);
                    if (n > 0) {
                        if (buf != b) {
                            System.arraycopy(buf, 0, b, off, n);
                        }
                        return n;
                    }
                    int errno = n == 0 ? 0 : Libc.errno();
                    if (n == 0 || errno == EIO) {
                        NativeFd.this.close();
                        return -1;
                    }
                    if (errno != EINTR) {
                        throw new IOException("cannot read " + name + ": " + Libc.error());
                    }
                }
            }

            @Override
            public void close() {
                if (closes) {
                    NativeFd.this.close();
                }
            }
        };
    }

    /** @param closes whether closing the stream closes the descriptor */
    OutputStream output(boolean closes) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                while (len > 0) {
                    if (isClosed()) {
                        throw new IOException(name + " is closed");
                    }
                    byte[] chunk = off == 0 ? b : java.util.Arrays.copyOfRange(b, off, off + len);
                    int n = (int) Libc.get().write(state.fd, chunk, len);
                    if (n < 0) {
                        if (Libc.errno() != EINTR) {
                            throw new IOException("cannot write " + name + ": " + Libc.error());
                        }
                        continue;
                    }
                    off += n;
                    len -= n;
                }
            }

            @Override
            public void close() {
                if (closes) {
                    NativeFd.this.close();
                }
            }
        };
    }

    @Override
    public void close() {
        state.run();
    }
}
