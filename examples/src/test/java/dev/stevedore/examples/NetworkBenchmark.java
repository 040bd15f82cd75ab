package dev.stevedore.examples;

import dev.stevedore.ContainerSpec;
import dev.stevedore.Engine;
import dev.stevedore.Network;
import dev.stevedore.Networks;
import dev.stevedore.testing.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a bridge network adds to a container's life: {@code run()} of busybox {@code true}
 * (create, network setup, start, exit, removal started) on a bridge network against the
 * {@code none} mode, alternating in one run, plus the same with a published port. Target
 * (issue 9): at most +5 ms on the median. Run as root:
 * {@code java -cp examples/target/test-classes:$(cat examples/target/classpath.txt)
 * dev.stevedore.examples.NetworkBenchmark [rounds]}; a published port's throughput is measured by
 * {@link PublishedPortBenchmark}, the relay's alone by
 * {@code dev.stevedore.internal.network.PortForwarderBenchmark} in core.
 */
public final class NetworkBenchmark {

    private NetworkBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path root = Files.createTempDirectory("stevedore-net-bench");
        try (Engine engine = Engine.builder().root(root).build()) {
            BusyboxImage.ensure(engine);
            try (Network net = Networks.spec().withEngine(engine).create("bench")) {
                ContainerSpec none = engine.container(BusyboxImage.NAME).withCommand("true");
                ContainerSpec bridge = none.withNetwork("bench");
                ContainerSpec published = bridge.withExposedPorts(80);
                for (int i = 0; i < 10; i++) {
                    time(none);
                    time(bridge);
                    time(published);
                }
                // The measure, bridge against none, interleaved. Published ports come in a
                // phase of their own: their forwarding rules are removed on the engine's cleanup
                // thread after run() returns, which would load the rounds that follow them.
                List<Double> n = new ArrayList<>();
                List<Double> b = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    n.add(time(none));
                    b.add(time(bridge));
                }
                List<Double> n2 = new ArrayList<>();
                List<Double> p = new ArrayList<>();
                for (int i = 0; i < rounds; i++) {
                    n2.add(time(none));
                    p.add(time(published));
                }
                double mn = BenchStats.median(n);
                double mb = BenchStats.median(b);
                double mn2 = BenchStats.median(n2);
                double mp = BenchStats.median(p);
                System.out.printf("run() of true, %d rounds each, interleaved, median ms: none %.2f, bridge network"
                        + " %.2f (+%.2f); then none %.2f, bridge + published port %.2f (+%.2f)%n", rounds, mn, mb,
                        mb - mn, mn2, mp, mp - mn2);
            }
        }
    }

    private static double time(ContainerSpec spec) {
        long start = System.nanoTime();
        int status = spec.run().exitCode();
        double ms = (System.nanoTime() - start) / 1e6;
        if (status != 0) {
            throw new IllegalStateException("true exited with " + status);
        }
        return ms;
    }
}
