package dev.stevedore.internal.layer;

import dev.stevedore.oci.Digest;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Layer unpack and create, side by side with GNU tar and umoci on the same disk. Not a test:
 * run {@code core/bench/layer-bench.sh [workdir] [runs]} (it uses -Xmx64m). The layer holds
 * 5000 small files in nested directories and one 100 MB compressible file. Prints each tool's
 * median over the runs, the ratios, and our peak heap.
 */
public final class LayerBenchmark {
    private static final String[] WORDS = {"alpha", "beta", "gamma", "delta", "lorem", "ipsum",
        "container", "layer", "overlay", "\n"};

    private final Path work;
    private final int runs;

    private LayerBenchmark(Path work, int runs) {
        this.work = work;
        this.runs = runs;
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args.length > 0 ? args[0] : "/var/tmp/stevedore-layer-bench");
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        for (String tool : new String[] {"tar", "umoci", "gzip"}) {
            if (exec(Path.of("/"), false, "sh", "-c", "command -v " + tool) != 0) {
                throw new IllegalStateException(tool + " is not installed; the benchmark compares "
                        + "against it (apt-get install " + tool + ")");
            }
        }
        new LayerBenchmark(work, runs).run();
    }

    private void run() throws Exception {
        System.out.printf("work dir %s (%s), %d runs, max heap %d MiB, %d cpus%n", work,
                Files.getFileStore(Files.createDirectories(work)).type(), runs,
                Runtime.getRuntime().maxMemory() >> 20, Runtime.getRuntime().availableProcessors());
        Path src = work.resolve("src");
        if (!Files.exists(src.resolve("big.bin"))) {
            generate(src);
        }
        Path blob = work.resolve("layer.tar.gz");
        exec(work, true, "sh", "-c", "tar -C src --sort=name --numeric-owner -cf - . | gzip -6 > "
                + "layer.tar.gz");
        Path layout = ociLayout(blob);
        Path bundle = umociBundle(src);

        List<Double> ours = new ArrayList<>();
        List<Double> tar = new ArrayList<>();
        List<Double> umoci = new ArrayList<>();
        long oursPeakUnpack = 0;
        ExtractResult result = null;
        for (int i = 0; i <= runs; i++) {
            boolean warmup = i == 0;
            Path out = fresh("out-ours");
            resetPeakHeap();
            long t = System.nanoTime();
            try (InputStream in = Files.newInputStream(blob)) {
                // as the layer cache unpacks: the store verified the blob's digest when it came in
                result = LayerExtractor.extract(in, out, ExtractOptions.defaults()
                        .withDigestBlob(false));
            }
            record(ours, t, warmup);
            oursPeakUnpack = Math.max(oursPeakUnpack, peakHeap());
            Path tarOut = fresh("out-tar");
            Files.createDirectories(tarOut);
            t = System.nanoTime();
            exec(work, true, "tar", "-xzf", blob.toString(), "-C", tarOut.toString());
            record(tar, t, warmup);
            Path umociOut = fresh("out-umoci");
            t = System.nanoTime();
            exec(work, true, "umoci", "--log", "error", "raw", "unpack", "--image",
                    layout + ":bench", umociOut.toString());
            record(umoci, t, warmup);
        }
        System.out.printf("layer: %d files, %d dirs, tar %d MiB, gzip blob %d MiB, diffID %s%n",
                result.files(), result.directories(), result.tarSize() >> 20,
                Files.size(blob) >> 20, result.diffId());
        report("unpack", "ours", ours, "tar -xzf", tar, "umoci raw unpack", umoci);
        System.out.printf("  peak heap during our unpack: %.1f MiB%n", oursPeakUnpack / 1048576.0);

        List<Double> create = new ArrayList<>();
        List<Double> repack = new ArrayList<>();
        long oursPeakCreate = 0;
        LayerDigests digests = null;
        Path created = work.resolve("created.tar.gz");
        for (int i = 0; i <= runs; i++) {
            boolean warmup = i == 0;
            resetPeakHeap();
            long t = System.nanoTime();
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(created),
                    1 << 16)) {
                digests = LayerWriter.write(src, out, LayerWriteOptions.defaults());
            }
            record(create, t, warmup);
            oursPeakCreate = Math.max(oursPeakCreate, peakHeap());
            t = System.nanoTime();
            exec(work, true, "umoci", "--log", "error", "repack", "--image",
                    work.resolve("repack") + ":r" + i, bundle.toString());
            record(repack, t, warmup);
        }
        String repackSize = execOutput(work, "sh", "-c",
                "ls -S repack/blobs/sha256 | head -1 | xargs -I{} stat -c %s repack/blobs/sha256/{}");
        System.out.printf("created layer: %d MiB gzip (level %d), umoci's: %d MiB; diffID %s%n",
                digests.size() >> 20, LayerWriteOptions.DEFAULT_GZIP_LEVEL,
                Long.parseLong(repackSize.strip()) >> 20, digests.diffId());
        report("create", "ours", create, "umoci repack", repack, null, null);
        System.out.printf("  peak heap during our create: %.1f MiB%n", oursPeakCreate / 1048576.0);
    }

    private static void record(List<Double> times, long start, boolean warmup) {
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!warmup) {
            times.add(seconds);
        }
    }

    private static double median(List<Double> times) {
        List<Double> sorted = new ArrayList<>(times);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static void report(String what, String oursName, List<Double> ours, String refName,
            List<Double> ref, String ref2Name, List<Double> ref2) {
        double m = median(ours);
        System.out.printf("%s medians: %s %.3f s, %s %.3f s", what, oursName, m, refName,
                median(ref));
        if (ref2 != null) {
            System.out.printf(", %s %.3f s", ref2Name, median(ref2));
        }
        System.out.printf("%n  ratio ours / %s = %.2fx", refName, m / median(ref));
        if (ref2 != null) {
            System.out.printf(", ours / %s = %.2fx", ref2Name, m / median(ref2));
        }
        System.out.printf("%n  runs: ours %s, %s %s%s%n", fmt(ours), refName, fmt(ref),
                ref2 == null ? "" : ", " + ref2Name + " " + fmt(ref2));
    }

    private static String fmt(List<Double> times) {
        StringBuilder b = new StringBuilder("[");
        for (double t : times) {
            b.append(b.length() > 1 ? " " : "").append(String.format("%.3f", t));
        }
        return b.append(']').toString();
    }

    private static void resetPeakHeap() {
        System.gc();
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    /** Sum of the heap pools' peaks: an upper bound of the heap in use at any one moment. */
    private static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Removes last run's output outside the timing and lets writeback settle. */
    private Path fresh(String name) throws Exception {
        Path p = work.resolve(name);
        exec(work, true, "rm", "-rf", p.toString());
        exec(work, true, "sync");
        Files.createDirectories(p);
        if (name.equals("out-umoci")) {
            Files.delete(p);
        }
        return p;
    }

    private static void generate(Path src) throws IOException {
        System.out.println("generating 5000 small files and a 100 MB file in " + src);
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            Path dir = src.resolve("d" + (i % 10) + "/e" + (i / 10 % 10) + "/f" + (i / 100 % 5));
            Files.createDirectories(dir);
            Files.write(dir.resolve("file" + i + ".txt"), text(random, 100 + random.nextInt(8000)));
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(
                src.resolve("big.bin")), 1 << 20)) {
            for (int i = 0; i < 100; i++) {
                byte[] chunk = text(random, 1 << 20);
                for (int j = 0; j < chunk.length; j += 7) {
                    chunk[j] = (byte) random.nextInt(256);
                }
                out.write(chunk);
            }
        }
    }

    private static byte[] text(Random random, int size) {
        StringBuilder b = new StringBuilder(size + 16);
        while (b.length() < size) {
            b.append(WORDS[random.nextInt(WORDS.length)]).append(' ');
        }
        return Arrays.copyOf(b.toString().getBytes(StandardCharsets.US_ASCII), size);
    }

    /** An OCI layout holding one image whose only layer is {@code blob}, for umoci raw unpack. */
    private Path ociLayout(Path blob) throws IOException {
        Path layout = work.resolve("layout");
        exec(work, true, "rm", "-rf", layout.toString());
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        Digest blobDigest;
        try (InputStream in = Files.newInputStream(blob)) {
            blobDigest = Digest.sha256(in);
        }
        Files.copy(blob, blobs.resolve(blobDigest.encoded()));
        String diffId;
        try (InputStream in = LayerCompression.GZIP.decompress(Files.newInputStream(blob))) {
            diffId = Digest.sha256(in).toString();
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}";
        String configDigest = put(blobs, config);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":"
                + "\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" + configDigest
                + "\",\"size\":" + config.length() + "},\"layers\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" + blobDigest
                + "\",\"size\":" + Files.size(blob) + "}]}";
        String manifestDigest = put(blobs, manifest);
        Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(layout.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{"
                + "\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + manifestDigest + "\",\"size\":" + manifest.length() + ",\"annotations\":{"
                + "\"org.opencontainers.image.ref.name\":\"bench\"}}]}");
        return layout;
    }

    private static String put(Path blobs, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Digest d = Digest.sha256(bytes);
        Files.write(blobs.resolve(d.encoded()), bytes);
        return d.toString();
    }

    /**
     * A umoci bundle of an empty image with the source tree copied into its rootfs. repack
     * without --refresh-bundle diffs against the empty image every time, so each run writes
     * the whole tree as one layer, as our create does.
     */
    private Path umociBundle(Path src) throws Exception {
        Path repack = work.resolve("repack");
        Path bundle = work.resolve("bundle");
        exec(work, true, "rm", "-rf", repack.toString(), bundle.toString());
        exec(work, true, "umoci", "--log", "error", "init", "--layout", repack.toString());
        exec(work, true, "umoci", "--log", "error", "new", "--image", repack + ":empty");
        exec(work, true, "umoci", "--log", "error", "unpack", "--image", repack + ":empty",
                bundle.toString());
        exec(work, true, "sh", "-c", "cp -a " + src + "/. " + bundle.resolve("rootfs"));
        return bundle;
    }

    private static int exec(Path dir, boolean check, String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            int code = p.waitFor();
            if (check && code != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited " + code);
            }
            return code;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static String execOutput(Path dir, String... command) throws IOException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
