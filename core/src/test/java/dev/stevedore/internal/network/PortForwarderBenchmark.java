package dev.stevedore.internal.network;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Bulk TCP throughput through the port forwarder against a direct loopback connection to the
 * same sink, in the same run, alternating: 1 GiB per transfer.
 *
 * <pre>
 * mvn -q -B -o test-compile -pl core -am
 * java -cp core/target/classes:core/target/test-classes \
 *     dev.stevedore.internal.network.PortForwarderBenchmark [rounds]
 * </pre>
 */
public final class PortForwarderBenchmark {
    private static final long BYTES = 1L << 30;

    private PortForwarderBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocketChannel sink = ServerSocketChannel.open().bind(new InetSocketAddress(lo, 0));
                PortForwarder forwarder = new PortForwarder()) {
            Thread drain = new Thread(() -> drain(sink), "sink");
            drain.setDaemon(true);
            drain.start();
            InetSocketAddress direct = (InetSocketAddress) sink.getLocalAddress();
            PortForwarder.Listener listener = forwarder.listen(new InetSocketAddress(lo, 0), direct);
            InetSocketAddress forwarded = listener.address();
            send(direct);
            send(forwarded);
            List<Double> directRates = new ArrayList<>();
            List<Double> forwardedRates = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                directRates.add(send(direct));
                forwardedRates.add(send(forwarded));
            }
            double d = median(directRates);
            double f = median(forwardedRates);
            System.out.printf("1 GiB over TCP, %d rounds, median: direct loopback %.0f MiB/s, through the forwarder"
                    + " %.0f MiB/s, ratio %.2fx%n", rounds, d, f, f / d);
        }
    }

    private static double send(InetSocketAddress to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long start = System.nanoTime();
        try (SocketChannel ch = SocketChannel.open(to)) {
            for (long sent = 0; sent < BYTES; sent += 1 << 20) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
            ch.shutdownOutput();
            // The sink answers one byte at end of stream: every byte got through.
            ByteBuffer ack = ByteBuffer.allocate(1);
            while (ack.hasRemaining() && ch.read(ack) >= 0) {
                Thread.onSpinWait();
            }
        }
        return BYTES / 1048576.0 / ((System.nanoTime() - start) / 1e9);
    }

    private static void drain(ServerSocketChannel sink) {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        for (;;) {
            try (SocketChannel c = sink.accept()) {
                long total = 0;
                for (int n; (n = c.read(buf)) >= 0; buf.clear()) {
                    total += n;
                }
                if (total != BYTES) {
                    throw new IllegalStateException("sink got " + total + " bytes");
                }
                c.write(ByteBuffer.wrap(new byte[] {1}));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
