package dev.stevedore.examples.cli;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The little protocol between a command and the background JVM holding a detached container: a
 * request is a command and arguments, a reply a status and two byte strings (out and err).
 */
final class Control {

    record Reply(int status, String out, String err) {
    }

    private Control() {
    }

    static Path socketDir(Path root) {
        return root.resolve("cli");
    }

    static Reply call(Path socket, String command, List<String> args) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
            writeRequest(out, command, args);
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
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
}
