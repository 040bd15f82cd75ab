package dev.stevedore.internal.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The forwarder on loopback only: relays both ways, half-closes, frees its port on close. */
class PortForwarderTest {
    static final InetAddress LO = InetAddress.getLoopbackAddress();

    @Test
    void relaysBothWaysAndHalfCloses() throws Exception {
        byte[] payload = new byte[5_000_000];
        new Random(1).nextBytes(payload);
        try (ServerSocket echo = new ServerSocket(0, 5, LO); PortForwarder f = new PortForwarder()) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept()) {
                    // Echo until end of stream, then a trailer: the client's half-close got through.
                    s.getInputStream().transferTo(s.getOutputStream());
                    s.getOutputStream().write("end".getBytes(StandardCharsets.UTF_8));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            server.start();
            PortForwarder.Listener l = f.listen(new InetSocketAddress(LO, 0), new InetSocketAddress(LO,
                    echo.getLocalPort()));
            try (Socket c = new Socket(LO, l.address().getPort())) {
                Thread writer = new Thread(() -> {
                    try {
                        OutputStream out = c.getOutputStream();
                        out.write(payload);
                        c.shutdownOutput();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                writer.start();
                InputStream in = c.getInputStream();
                byte[] back = in.readAllBytes();
                writer.join();
                assertThat(back).hasSize(payload.length + 3);
                assertThat(java.util.Arrays.copyOf(back, payload.length)).isEqualTo(payload);
                assertThat(new String(back, payload.length, 3, StandardCharsets.UTF_8)).isEqualTo("end");
            }
            server.join();
        }
    }

    @Test
    void relays64MiBIntactAndTheReplyAfterHalfClose() throws Exception {
        long size = 64L << 20;
        try (ServerSocket sink = new ServerSocket(0, 5, LO); PortForwarder f = new PortForwarder()) {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            Thread server = new Thread(() -> {
                try (Socket s = sink.accept()) {
                    // Reads to end of stream, then answers on the same connection: the client's
                    // half-close arrived and the way back stayed open.
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    new DigestInputStream(s.getInputStream(), sha).transferTo(OutputStream.nullOutputStream());
                    byte[] digest = sha.digest();
                    received.complete(digest);
                    s.getOutputStream().write(digest);
                } catch (Exception e) {
                    received.completeExceptionally(e);
                }
            });
            server.start();
            PortForwarder.Listener l = f.listen(new InetSocketAddress(LO, 0), new InetSocketAddress(LO,
                    sink.getLocalPort()));
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            try (Socket c = new Socket(LO, l.address().getPort())) {
                c.setSoTimeout(30_000);
                Random random = new Random(64);
                byte[] chunk = new byte[1 << 20];
                OutputStream out = c.getOutputStream();
                for (long n = 0; n < size; n += chunk.length) {
                    random.nextBytes(chunk);
                    sent.update(chunk);
                    out.write(chunk);
                }
                c.shutdownOutput();
                byte[] reply = c.getInputStream().readAllBytes();
                assertThat(received.get(30, TimeUnit.SECONDS)).as("SHA-256 of the 64 MiB the target got")
                        .isEqualTo(sent.digest());
                assertThat(reply).as("the reply sent after the client's half-close").isEqualTo(received.get());
            }
            server.join();
        }
    }

    @Test
    void closingThePortEndsItsConnectionsBothWays() throws Exception {
        try (ServerSocket target = new ServerSocket(0, 5, LO); PortForwarder f = new PortForwarder()) {
            PortForwarder.Listener l = f.listen(new InetSocketAddress(LO, 0), new InetSocketAddress(LO,
                    target.getLocalPort()));
            try (Socket c = new Socket(LO, l.address().getPort()); Socket behind = target.accept()) {
                c.setSoTimeout(5000);
                behind.setSoTimeout(5000);
                behind.getOutputStream().write('x');
                assertThat(c.getInputStream().read()).isEqualTo('x');
                l.close();
                // Both ends see their connection end although neither closed it.
                assertThat(c.getInputStream().read()).isEqualTo(-1);
                assertThat(behind.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void relaysDatagramsPerClient() throws Exception {
        try (java.net.DatagramSocket echo = new java.net.DatagramSocket(0, LO); PortForwarder f = new PortForwarder()) {
            Thread server = new Thread(() -> {
                byte[] buf = new byte[100];
                try {
                    for (;;) {
                        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                        echo.receive(p);
                        String reply = "echo " + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
                        byte[] out = reply.getBytes(StandardCharsets.UTF_8);
                        echo.send(new java.net.DatagramPacket(out, out.length, p.getSocketAddress()));
                    }
                } catch (java.io.IOException e) {
                    // closed
                }
            });
            server.setDaemon(true);
            server.start();
            PortForwarder.Listener l = f.listenUdp(new InetSocketAddress(LO, 0), new InetSocketAddress(LO,
                    echo.getLocalPort()));
            try (java.net.DatagramSocket a = new java.net.DatagramSocket(0, LO);
                    java.net.DatagramSocket b = new java.net.DatagramSocket(0, LO)) {
                a.setSoTimeout(5000);
                b.setSoTimeout(5000);
                assertThat(roundTrip(a, l.address(), "from a")).isEqualTo("echo from a");
                assertThat(roundTrip(b, l.address(), "from b")).isEqualTo("echo from b");
                assertThat(roundTrip(a, l.address(), "again")).isEqualTo("echo again");
            }
            int port = l.address().getPort();
            l.close();
            new java.net.DatagramSocket(port, LO).close();
        }
    }

    private static String roundTrip(java.net.DatagramSocket s, InetSocketAddress to, String text) throws Exception {
        byte[] out = text.getBytes(StandardCharsets.UTF_8);
        s.send(new java.net.DatagramPacket(out, out.length, to));
        java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[100], 100);
        s.receive(in);
        return new String(in.getData(), 0, in.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void busyPortFailsAtListenAndClosedPortIsFreeAtOnce() throws Exception {
        try (PortForwarder f = new PortForwarder(); ServerSocket taken = new ServerSocket(0, 1, LO)) {
            assertThatThrownBy(() -> f.listen(new InetSocketAddress(LO, taken.getLocalPort()),
                    new InetSocketAddress(LO, 9))).isInstanceOf(BindException.class);
            PortForwarder.Listener l = f.listen(new InetSocketAddress(LO, 0), new InetSocketAddress(LO, 9));
            int port = l.address().getPort();
            l.close();
            new ServerSocket(port, 1, LO).close();
        }
    }

    @Test
    void nothingListeningBehindEndsTheClientsConnection() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0, 1, LO)) {
            dead = s.getLocalPort();
        }
        try (PortForwarder f = new PortForwarder()) {
            PortForwarder.Listener l = f.listen(new InetSocketAddress(LO, 0), new InetSocketAddress(LO, dead));
            try (Socket c = new Socket(LO, l.address().getPort())) {
                c.setSoTimeout(5000);
                assertThat(c.getInputStream().read()).isEqualTo(-1);
            }
        }
    }
}
