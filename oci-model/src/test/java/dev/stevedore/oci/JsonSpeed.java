package dev.stevedore.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * Benchmark: steady-state speed, in a warm JVM, of {@link OciJson}'s reading and writing of real
 * documents, with jackson-databind's mapper ({@link OciJson#mapper()}) doing the same side by side.
 * It uses public API only, so that it runs against another build of this module too (put that
 * module's jar before the test classes on the class path) to compare two versions of OciJson.
 *
 * <p>Run: {@code java -cp oci-model/target/test-classes:oci-model/target/classes:<jackson jars>
 * dev.stevedore.oci.JsonSpeed}. Prints medians of {@value #ROUNDS} rounds, in microseconds of CPU
 * per document.
 */
public final class JsonSpeed {

    private static final int ROUNDS = 21;
    private static final ThreadMXBean THREAD = ManagementFactory.getThreadMXBean();
    private static volatile Object sink;

    private JsonSpeed() {
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper databind = OciJson.mapper();
        record Document(String file, Class<?> type) {
        }
        List<Document> documents = List.of(new Document("config-all-fields.json", ImageConfig.class),
                new Document("busybox-config.json", ImageConfig.class),
                new Document("manifest-all-fields.json", Manifest.class),
                new Document("index-all-fields.json", Index.class));
        System.out.printf("%-26s %-10s %10s %10s %7s%n", "document", "operation", "OciJson", "databind", "ratio");
        for (Document d : documents) {
            byte[] json = Fixtures.bytes(d.file());
            Object value = OciJson.read(json, d.type(), "doc");
            compare(d.file(), "read", () -> OciJson.read(json, d.type(), "doc"), () -> {
                try {
                    return databind.readValue(json, d.type());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            compare(d.file(), "write", () -> OciJson.write(value), () -> {
                try {
                    return databind.writeValueAsBytes(value);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            compare(d.file(), "pretty", () -> OciJson.writePretty(value), () -> {
                try {
                    return databind.writerWithDefaultPrettyPrinter().writeValueAsString(value);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
        }
    }

    private static void compare(String file, String operation, Supplier<Object> ours, Supplier<Object> reference) {
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        for (int round = 0; round < ROUNDS + 3; round++) {
            double x = microsPerCall(ours);
            double y = microsPerCall(reference);
            // The first rounds warm up the compilers.
            if (round >= 3) {
                a.add(x);
                b.add(y);
            }
        }
        double mine = median(a);
        double theirs = median(b);
        System.out.printf("%-26s %-10s %8.2f µs %8.2f µs %6.2fx%n", file, operation, mine, theirs, theirs / mine);
    }

    /**
     * Calls for about 100 ms of this thread's CPU time, which other programs on a busy machine
     * disturb less than they do the wall clock.
     */
    private static double microsPerCall(Supplier<Object> call) {
        long start = THREAD.getCurrentThreadCpuTime();
        long calls = 0;
        long end = start + 100_000_000L;
        long now;
        do {
            for (int i = 0; i < 100; i++) {
                sink = call.get();
            }
            calls += 100;
            now = THREAD.getCurrentThreadCpuTime();
        } while (now < end);
        return (now - start) / 1000.0 / calls;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
