package dev.stevedore.examples.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The little protocol between a command and the background JVM holding a detached container: a
 * request is a command and arguments, a reply a status and two byte strings (out and err). An
 * attached exec ({@code exec-attach}) has no reply: both sides then exchange {@link Frame}s until
 * the command's status.
 */
final class Control {

    record Reply(int status, String out, String err) {
    }

    /**
     * A piece of an attached exec. To the holder: {@code i} input, {@code e} end of input,
     * {@code r} a terminal size ("COLUMNS ROWS"). From it: {@code o} output, {@code x} error output,
     * {@code s} the exit status (decimal), last.
     */
    record Frame(char type, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Control() {
    }

    static Path socketDir(Path root) {
        return root.resolve("cli");
    }

    static Reply call(Path socket, String command, List<String> args) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            DataOutputStream out = output(ch);
            writeRequest(out, command, args);
            DataInputStream in = input(ch);
            int status = in.readInt();
            return new Reply(status, readBytes(in), readBytes(in));
        }
    }

    static void writeRequest(DataOutputStream out, String command, List<String> args) throws IOException {
        out.writeUTF(command);
        out.writeInt(args.size());
        for (String a : args) {
            out.writeUTF(a);
        }
        out.flush();
    }

    static List<String> readRequest(DataInputStream in) throws IOException {
        List<String> request = new ArrayList<>();
        request.add(in.readUTF());
        int n = in.readInt();
        for (int i = 0; i < n; i++) {
            request.add(in.readUTF());
        }
        return request;
    }

    static void writeReply(DataOutputStream out, Reply reply) throws IOException {
        out.writeInt(reply.status());
        writeBytes(out, reply.out());
        writeBytes(out, reply.err());
        out.flush();
    }

    private static void writeBytes(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readBytes(DataInputStream in) throws IOException {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Writes one frame; callers on several threads share {@code out}. */
    static void writeFrame(DataOutputStream out, char type, byte[] body, int length) throws IOException {
        synchronized (out) {
            out.writeByte(type);
            out.writeInt(length);
            out.write(body, 0, length);
            out.flush();
        }
    }

    static void writeFrame(DataOutputStream out, char type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        writeFrame(out, type, b, b.length);
    }

    static Frame readFrame(DataInputStream in) throws IOException {
        char type = (char) in.readUnsignedByte();
        byte[] body = new byte[in.readInt()];
        in.readFully(body);
        return new Frame(type, body);
    }

    /**
     * Streams over a connection that one thread may read while another writes: those of
     * {@link java.nio.channels.Channels} hold the channel's blocking lock while they block, so a read waiting for a
     * frame would stop every write.
     */
    static DataInputStream input(SocketChannel ch) {
        return new DataInputStream(new java.io.InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(java.nio.ByteBuffer.wrap(b, off, len));
            }
        });
    }

    /** @see #input */
    static DataOutputStream output(SocketChannel ch) {
        return new DataOutputStream(new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        });
    }
}
