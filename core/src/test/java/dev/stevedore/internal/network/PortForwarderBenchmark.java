package dev.stevedore.internal.network;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Bulk TCP throughput through the port forwarder against a direct loopback connection to the
 * same sink, in the same run, alternating: 1 GiB per transfer. It also prints the CPU time the
 * whole process (sender, forwarder, sink) spent per GiB on each path: on a machine shared with
 * other work the rates follow the CPU share this process gets, while the CPU time per GiB shows
 * the forwarder's own cost whatever the load.
 *
 * <pre>
 * mvn -q -B -o test-compile -pl core -am
 * java -cp core/target/classes:core/target/test-classes \
 *     dev.stevedore.internal.network.PortForwarderBenchmark [rounds]
 * </pre>
 */
public final class PortForwarderBenchmark {
    private static final long BYTES = 1L << 30;
    private static final com.sun.management.OperatingSystemMXBean CPU =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

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
            List<double[]> directRuns = new ArrayList<>();
            List<double[]> forwardedRuns = new ArrayList<>();
            String loadBefore = loadAverage();
            for (int i = 0; i < rounds; i++) {
                directRuns.add(send(direct));
                forwardedRuns.add(send(forwarded));
            }
            double d = median(directRuns, 0);
            double f = median(forwardedRuns, 0);
            double dCpu = median(directRuns, 1);
            double fCpu = median(forwardedRuns, 1);
            System.out.printf("1 GiB over TCP, %d rounds, median: direct loopback %.0f MiB/s, through the forwarder"
                    + " %.0f MiB/s, ratio %.2fx%n", rounds, d, f, f / d);
            System.out.printf("CPU time per GiB, median: direct %.2f s, through the forwarder %.2f s, ratio %.2fx"
                    + " (load average before %s, after %s)%n", dCpu, fCpu, dCpu / fCpu, loadBefore, loadAverage());
        }
    }

    /** @return MiB/s and the process's CPU seconds, for one transfer of 1 GiB */
    private static double[] send(InetSocketAddress to) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
        long cpu = CPU.getProcessCpuTime();
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
        double seconds = (System.nanoTime() - start) / 1e9;
        return new double[] {BYTES / 1048576.0 / seconds, (CPU.getProcessCpuTime() - cpu) / 1e9};
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
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

    private static double median(List<double[]> runs, int field) {
        List<Double> sorted = new ArrayList<>();
        runs.forEach(r -> sorted.add(r[field]));
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
