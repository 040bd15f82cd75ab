package dev.stevedore.internal.registry;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Pulls an image with one 100 MB layer and 50 small layers from a local docker-registry into an
 * empty store, alternating with {@code skopeo copy docker://… oci:…} of the same image, and
 * prints the median times and their ratio. Arguments: [rounds] (default 5), after one warm-up
 * round each.
 *
 * <pre>
 * mvn -q -B -o package -DskipTests dependency:build-classpath -pl core -am \
 *     -Dmdep.outputFile=/tmp/core-cp.txt -Dmdep.includeScope=test
 * java -cp core/target/classes:core/target/test-classes:$(cat /tmp/core-cp.txt) \
 *     dev.stevedore.internal.registry.PullBenchmark 5
 * </pre>
 */
public final class PullBenchmark {

    private PullBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Path work = Files.createTempDirectory("pull-benchmark");
        try (LocalRegistry registry = LocalRegistry.builder(work.resolve("registry")).start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults());
            ImageReference ref = ImageReference.parse(registry.host() + "/bench/image:1");
            pushImage(client, work.resolve("source"), ref);

            List<Long> ours = new ArrayList<>();
            List<Long> skopeo = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                Path store = work.resolve("store-" + round);
                long t0 = System.nanoTime();
                PullResult result = new RegistryClient(RegistryOptions.defaults())
                        .pull(ref, ContentStore.open(store), TransferListener.NONE);
                long ourTime = System.nanoTime() - t0;
                if (result.downloaded().size() != 52) {
                    throw new IllegalStateException("expected 52 blobs downloaded, got " + result.downloaded().size());
                }
                deleteTree(store);

                Path layout = work.resolve("skopeo-" + round);
                t0 = System.nanoTime();
                LocalRegistry.run(List.of("skopeo", "copy", "--quiet", "--src-tls-verify=false",
                        "docker://" + ref, "oci:" + layout + ":bench"));
                long skopeoTime = System.nanoTime() - t0;
                deleteTree(layout);

                System.out.printf("round %d%s: stevedore %d ms, skopeo %d ms%n", round, round == 0 ? " (warm-up)" : "",
                        ourTime / 1_000_000, skopeoTime / 1_000_000);
                if (round > 0) {
                    ours.add(ourTime);
                    skopeo.add(skopeoTime);
                }
            }
            long ourMedian = median(ours);
            long skopeoMedian = median(skopeo);
            System.out.printf("pull of 1 x 100 MB + 50 small layers, %d rounds: stevedore median %d ms,"
                    + " skopeo copy median %d ms, ratio %.2fx%n", rounds, ourMedian / 1_000_000,
                    skopeoMedian / 1_000_000, (double) ourMedian / skopeoMedian);
        } finally {
            deleteTree(work);
        }
    }

    private static void pushImage(RegistryClient client, Path storeDir, ImageReference ref) throws IOException {
        ContentStore store = ContentStore.open(storeDir);
        List<TestImages.Layer> layers = new ArrayList<>();
        layers.add(TestImages.randomLayer("big", 100_000_000, 1));
        for (int i = 0; i < 50; i++) {
            layers.add(TestImages.randomLayer("small-" + i, 1000 + i * 997, 100 + i));
        }
        Descriptor image = TestImages.image(store, Platform.of("linux", "amd64", null), layers);
        client.push(store, image, ref, TransferListener.NONE);
        deleteTree(storeDir);
    }

    private static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
