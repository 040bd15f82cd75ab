package dev.stevedore.examples;

import dev.stevedore.Container;
import dev.stevedore.Engine;
import dev.stevedore.Network;
import dev.stevedore.Networks;
import dev.stevedore.linux.net.NetlinkHostNetwork;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk TCP throughput (1 GiB per transfer) through a container's published port against a
 * direct loopback connection, alternating in one run (issue 9's target: at least 0.5x). The same
 * sink receives on every path: a small static C program (busybox {@code nc} would be the limit),
 * built with musl-gcc, that reads into a 1 MiB buffer and answers the byte count; the sender is
 * this JVM. The paths:
 * <ul>
 * <li>loopback: the sink runs on the host, on {@code 127.0.0.1}: the reference;
 * <li>published: the sink runs in a container on a bridge network, reached at
 * {@code 127.0.0.1:<mapped port>} (kernel forwarding when nft works, the relay otherwise);
 * <li>container address: the same container reached at its bridge address directly (no
 * forwarding at all): what the veth pair itself costs;
 * <li>relay: a second such container published on {@code ::1}, which the kernel rules (IPv4
 * only) leave to the JVM's relay: what the published port would get without them.
 * </ul>
 * Run as root (the load average is printed beside: other work on the machine moves the rates):
 * <pre>
 * mvn -q -B -o test-compile -pl examples -am
 * java -cp examples/target/test-classes:$(cat examples/target/classpath.txt) \
 *     dev.stevedore.examples.PublishedPortBenchmark [rounds]
 * </pre>
 */
public final class PublishedPortBenchmark {
    private static final long BYTES = 1L << 30;
    private static final String SINK = "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
            + "#include <stdlib.h>\n#include <unistd.h>\n"
            + "int main(int c, char **v) { int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;"
            + " setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);"
            + " struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(atoi(v[2]));"
            + " inet_pton(AF_INET, v[1], &a.sin_addr);"
            + " if (bind(s, (void *) &a, sizeof a) < 0 || listen(s, 8) < 0) return 1;"
            + " static char b[1 << 20]; for (;;) { int f = accept(s, 0, 0); if (f < 0) continue;"
            + " unsigned long long n = 0; long r; while ((r = read(f, b, sizeof b)) > 0) n += r;"
            + " write(f, &n, sizeof n); close(f); } }\n";

    private PublishedPortBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path dir = Files.createTempDirectory("stevedore-port-bench");
        Path sink = build(dir);
        int hostPort;
        try (var probe = new java.net.ServerSocket(0)) {
            hostPort = probe.getLocalPort();
        }
        Process hostSink = new ProcessBuilder(sink.toString(), "127.0.0.1", String.valueOf(hostPort)).inheritIO().start();
        try (Engine engine = Engine.builder().root(dir.resolve("store")).build()) {
            BusyboxImage.ensure(engine);
            try (Network net = Networks.spec().withEngine(engine).create("port-bench");
                    Container server = engine.container(BusyboxImage.NAME).withCopyToContainer(sink, "/sink")
                            .withCommand("/sink", "0.0.0.0", "9000").withNetwork("port-bench").withExposedPorts(9000)
                            .start();
                    Container relayed = engine.container(BusyboxImage.NAME).withCopyToContainer(sink, "/sink")
                            .withCommand("/sink", "0.0.0.0", "9000").withNetwork("port-bench")
                            .withPortBinding("::1", 0, 9000).start()) {
                InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", hostPort);
                InetSocketAddress published = new InetSocketAddress("127.0.0.1", server.getMappedPort(9000));
                InetSocketAddress direct = new InetSocketAddress(server.networkAddresses().get("port-bench"), 9000);
                InetSocketAddress relay = new InetSocketAddress("::1", relayed.getMappedPort(9000));
                List<Double> l = new ArrayList<>();
                List<Double> p = new ArrayList<>();
                List<Double> d = new ArrayList<>();
                List<Double> r = new ArrayList<>();
                send(loopback);
                send(published);
                send(direct);
                send(relay);
                // Checked after a first transfer: the rules are added in the background.
                System.out.println("kernel forwarding of the published port: " + (new NetlinkHostNetwork()
                        .portForwardTags().contains(net.bridge() + "/" + server.id()) ? "yes" : "no, relayed"));
                String loadBefore = BenchStats.loadAverage();
                for (int i = 0; i < rounds; i++) {
                    l.add(send(loopback));
                    p.add(send(published));
                    d.add(send(direct));
                    r.add(send(relay));
                }
                double ml = BenchStats.median(l);
                double mp = BenchStats.median(p);
                double md = BenchStats.median(d);
                double mr = BenchStats.median(r);
                System.out.printf("1 GiB bulk transfers, %d rounds, interleaved, median MiB/s: loopback %.0f,"
                        + " published port %.0f (%.2fx loopback), container address %.0f (%.2fx loopback),"
                        + " relay %.0f (%.2fx loopback)%n", rounds, ml, mp, mp / ml, md, md / ml, mr, mr / ml);
                System.out.printf("runs MiB/s: loopback %s, published %s, container address %s, relay %s%n", round(l),
                        round(p), round(d), round(r));
                System.out.printf("load average before: %s, after: %s (2 CPUs)%n", loadBefore,
                        BenchStats.loadAverage());
            }
        } finally {
            hostSink.destroy();
        }
    }

    private static Path build(Path dir) throws IOException, InterruptedException {
        Path source = Files.writeString(dir.resolve("sink.c"), SINK);
        Path binary = dir.resolve("sink");
        Process cc = new ProcessBuilder("musl-gcc", "-static", "-O2", "-o", binary.toString(), source.toString())
                .redirectErrorStream(true).start();
        String out = new String(cc.getInputStream().readAllBytes());
        if (cc.waitFor() != 0) {
            throw new IllegalStateException("musl-gcc (package musl-tools) cannot build the sink: " + out);
        }
        return binary;
    }

    /** @return MiB/s of one 1 GiB transfer, counted until the sink has acknowledged every byte */
    private static double send(InetSocketAddress to) throws IOException, InterruptedException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
        for (int attempt = 0; ; attempt++) {
            try (SocketChannel ch = SocketChannel.open(to)) {
                long start = System.nanoTime();
                for (long sent = 0; sent < BYTES; sent += chunk.capacity()) {
                    chunk.clear();
                    while (chunk.hasRemaining()) {
                        ch.write(chunk);
                    }
                }
                ch.shutdownOutput();
                ByteBuffer count = ByteBuffer.allocate(8).order(java.nio.ByteOrder.nativeOrder());
                while (count.hasRemaining() && ch.read(count) >= 0) {
                    // The sink answers once it has read everything.
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (count.hasRemaining() || count.getLong(0) != BYTES) {
                    throw new IllegalStateException("the sink at " + to + " did not receive 1 GiB");
                }
                return BYTES / (1 << 20) / seconds;
            } catch (ConnectException e) {
                // The container's sink is not listening yet.
                if (attempt == 50) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private static List<Long> round(List<Double> values) {
        return values.stream().map(Math::round).toList();
    }
}
