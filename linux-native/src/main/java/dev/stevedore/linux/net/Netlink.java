package dev.stevedore.linux.net;

import dev.stevedore.linux.Libc;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One rtnetlink socket (AF_NETLINK, NETLINK_ROUTE) in the network namespace it was opened in:
 * requests go out one at a time and each waits for the kernel's acknowledgement, so an error is
 * reported against the request that caused it. Not for concurrent use.
 */
final class Netlink implements AutoCloseable {
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;

    static final short NLMSG_ERROR = 2;
    static final short NLMSG_DONE = 3;
    static final short NLM_F_REQUEST = 1;
    static final short NLM_F_ACK = 4;
    static final short NLM_F_EXCL = 0x200;
    static final short NLM_F_CREATE = 0x400;
    static final short NLM_F_DUMP = 0x300;

    private static final int RECEIVE_BUFFER = 64 * 1024;
    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final Libc libc;
    private final int fd;
    private final byte[] in = new byte[RECEIVE_BUFFER];

    private Netlink(Libc libc, int fd) {
        this.libc = libc;
        this.fd = fd;
    }

    /** @return null when netlink can be used here, otherwise why not */
    static String unavailableReason() {
        return Libc.unavailableReason();
    }

    /** Opens a socket in the calling thread's network namespace. */
    static Netlink open() {
        Libc libc = libc();
        int fd = libc.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            throw new NetlinkException("cannot open a netlink socket", Libc.errno());
        }
        // sockaddr_nl with pid 0: the kernel assigns the port.
        byte[] address = new byte[12];
        address[0] = AF_NETLINK;
        if (libc.bind(fd, address, address.length) < 0) {
            int errno = Libc.errno();
            libc.close(fd);
            throw new NetlinkException("cannot bind a netlink socket", errno);
        }
        return new Netlink(libc, fd);
    }

    static Libc libc() {
        return Libc.get();
    }

    /**
     * Sends a request with the ACK flag and waits for the acknowledgement.
     *
     * @param what the request in words, for the error message
     * @throws NetlinkException when the kernel refuses it
     */
    void request(Message message, String what) {
        int seq = send(message, NLM_F_ACK);
        for (;;) {
            ByteBuffer reply = receive(what);
            while (reply.remaining() >= 16) {
                int start = reply.position();
                int len = reply.getInt(start);
                short type = reply.getShort(start + 4);
                int replySeq = reply.getInt(start + 8);
                if (type == NLMSG_ERROR && replySeq == seq) {
                    int error = reply.getInt(start + 16);
                    if (error != 0) {
                        throw new NetlinkException(what, -error);
                    }
                    return;
                }
                reply.position(start + align(len));
            }
        }
    }

    /**
     * Sends a request for one object and returns the reply's body (after the netlink header).
     *
     * @throws NetlinkException when the kernel answers with an error, such as ENODEV
     */
    ByteBuffer get(Message message, String what) {
        int seq = send(message, (short) 0);
        for (;;) {
            ByteBuffer reply = receive(what);
            while (reply.remaining() >= 16) {
                int start = reply.position();
                int len = reply.getInt(start);
                if (reply.getInt(start + 8) == seq) {
                    if (reply.getShort(start + 4) == NLMSG_ERROR) {
                        throw new NetlinkException(what, -reply.getInt(start + 16));
                    }
                    ByteBuffer body = ByteBuffer.allocate(len - 16).order(ByteOrder.nativeOrder());
                    body.put(reply.array(), reply.arrayOffset() + start + 16, len - 16).flip();
                    return body;
                }
                reply.position(start + align(len));
            }
        }
    }

    /**
     * Sends a dump request and collects the replies' bodies (after the netlink header).
     */
    List<ByteBuffer> dump(Message message, String what) {
        int seq = send(message, NLM_F_DUMP);
        List<ByteBuffer> bodies = new ArrayList<>();
        for (;;) {
            ByteBuffer reply = receive(what);
            while (reply.remaining() >= 16) {
                int start = reply.position();
                int len = reply.getInt(start);
                short type = reply.getShort(start + 4);
                if (reply.getInt(start + 8) == seq) {
                    if (type == NLMSG_DONE) {
                        return bodies;
                    }
                    if (type == NLMSG_ERROR) {
                        throw new NetlinkException(what, -reply.getInt(start + 16));
                    }
                    ByteBuffer body = ByteBuffer.allocate(len - 16).order(ByteOrder.nativeOrder());
                    body.put(reply.array(), reply.arrayOffset() + start + 16, len - 16).flip();
                    bodies.add(body);
                }
                reply.position(start + align(len));
            }
        }
    }

    private int send(Message message, short extraFlags) {
        int seq = SEQUENCE.incrementAndGet();
        byte[] bytes = message.finish(seq, extraFlags);
        long sent = libc.send(fd, bytes, bytes.length, 0);
        if (sent != bytes.length) {
            throw new NetlinkException("cannot send to the netlink socket", sent < 0 ? Libc.errno() : 5);
        }
        return seq;
    }

    private ByteBuffer receive(String what) {
        long n = libc.recv(fd, in, in.length, 0);
        if (n < 0) {
            throw new NetlinkException(what + ": no reply from the kernel", Libc.errno());
        }
        return ByteBuffer.wrap(in, 0, (int) n).order(ByteOrder.nativeOrder());
    }

    @Override
    public void close() {
        libc.close(fd);
    }

    static int align(int len) {
        return (len + 3) & ~3;
    }

    /**
     * A netlink message under construction: header, a fixed family header, then attributes,
     * which may nest.
     */
    static final class Message {
        private ByteBuffer buf = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());
        private final short type;
        private final short flags;

        /**
         * @param type RTM_* message type
         * @param flags NLM_F_* flags besides REQUEST (and ACK or DUMP, added when sent)
         */
        Message(short type, int flags) {
            this.type = type;
            this.flags = (short) (flags | NLM_F_REQUEST);
            buf.position(16);
        }

        Message u8(int v) {
            ensure(1).put((byte) v);
            return this;
        }

        Message u16(int v) {
            ensure(2).putShort((short) v);
            return this;
        }

        Message u32(int v) {
            ensure(4).putInt(v);
            return this;
        }

        Message attr(int attrType, byte[] payload) {
            ensure(4 + align(payload.length));
            int start = buf.position();
            buf.putShort((short) (4 + payload.length)).putShort((short) attrType).put(payload);
            buf.position(start + align(4 + payload.length));
            return this;
        }

        Message attr(int attrType, String value) {
            byte[] s = value.getBytes(StandardCharsets.UTF_8);
            byte[] z = new byte[s.length + 1];
            System.arraycopy(s, 0, z, 0, s.length);
            return attr(attrType, z);
        }

        Message attrU32(int attrType, int value) {
            return attr(attrType, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(value).array());
        }

        /** Opens a nested attribute; close it with {@link #end(int)} passing the returned mark. */
        int begin(int attrType) {
            ensure(4);
            int start = buf.position();
            buf.putShort((short) 0).putShort((short) attrType);
            return start;
        }

        Message end(int mark) {
            buf.putShort(mark, (short) (buf.position() - mark));
            return this;
        }

        private ByteBuffer ensure(int n) {
            if (buf.remaining() < n + 4) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(buf.capacity() * 2, buf.position() + n + 64))
                        .order(ByteOrder.nativeOrder());
                bigger.put(buf.array(), 0, buf.position());
                buf = bigger;
            }
            return buf;
        }

        byte[] finish(int seq, short extraFlags) {
            int len = buf.position();
            buf.putInt(0, len).putShort(4, type).putShort(6, (short) (flags | extraFlags)).putInt(8, seq).putInt(12, 0);
            byte[] out = new byte[len];
            System.arraycopy(buf.array(), 0, out, 0, len);
            return out;
        }
    }

    /** Reads the attributes of a reply body, from an offset, into a table indexed by type. */
    static ByteBuffer[] attributes(ByteBuffer body, int offset, int max) {
        ByteBuffer[] table = new ByteBuffer[max + 1];
        int at = offset;
        while (at + 4 <= body.limit()) {
            int len = Short.toUnsignedInt(body.getShort(at));
            int attrType = body.getShort(at + 2) & 0x3fff;
            if (len < 4 || at + len > body.limit()) {
                break;
            }
            if (attrType <= max) {
                table[attrType] = body.duplicate().order(ByteOrder.nativeOrder()).position(at + 4).limit(at + len)
                        .slice().order(ByteOrder.nativeOrder());
            }
            at += align(len);
        }
        return table;
    }

    static String string(ByteBuffer attr) {
        byte[] b = new byte[attr.remaining()];
        attr.duplicate().get(b);
        int n = b.length;
        while (n > 0 && b[n - 1] == 0) {
            n--;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
