package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** What the child JVMs of the store tests do. */
public final class StoreChild {

    private StoreChild() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "lock" -> ContentStoreTest.lockAndWait(Path.of(args[1]));
            case "big" -> big(ContentStore.open(Path.of(args[1])), Long.parseLong(args[2]));
            case "write" -> write(ContentStore.open(Path.of(args[1])), Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    /** Writes a generated blob of the given size, reads it back verified, and prints digest and peak heap. */
    private static void big(ContentStore store, long size) throws Exception {
        Digest written;
        try (InputStream in = new GeneratedStream(42, size)) {
            written = store.put(in, null, size, null);
        }
        Digest generated;
        try (InputStream in = new GeneratedStream(42, size)) {
            generated = Digest.sha256(in);
        }
        Digest read;
        try (InputStream in = store.openVerified(Descriptor.of(MediaTypes.LAYER_TAR, written, size))) {
            read = Digest.sha256(in);
        }
        long peak = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == java.lang.management.MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        System.out.println(written + " " + generated + " " + read + " " + store.size(written) + " "
                + Runtime.getRuntime().maxMemory() + " " + peak);
    }

    /**
     * Writes shared and own blobs from several threads, then names an image over them; the
     * parent checks that every child's image is complete.
     */
    static void write(ContentStore store, int id, int count) throws Exception {
        try (Lease lease = store.lease("child " + id)) {
            List<Descriptor> layers = java.util.Collections.synchronizedList(new ArrayList<>());
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    for (int i = thread; i < count; i += 4) {
                        layers.add(putGenerated(store, lease, 1000 + i));
                        layers.add(putGenerated(store, lease, id * 100_000 + i));
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            byte[] config = StoreFixtures.bytes(StoreFixtures.configJson("child " + id));
            Descriptor configDescriptor = Descriptor.of(MediaTypes.IMAGE_CONFIG, store.put(config, lease), config.length);
            List<Descriptor> sorted = layers.stream().sorted((a, b) -> a.digest().compareTo(b.digest())).toList();
            byte[] manifest = OciJson.write(Manifest.of(configDescriptor, sorted));
            Descriptor m = Descriptor.of(MediaTypes.IMAGE_MANIFEST, store.put(manifest, lease), manifest.length);
            store.names().tag("child-" + id, m);
        }
        System.out.println("done " + id);
    }

    static Descriptor putGenerated(ContentStore store, Lease lease, long seed) {
        long size = 64 * 1024 + seed % 4096;
        try (InputStream in = new GeneratedStream(seed, size)) {
            return Descriptor.of(MediaTypes.LAYER_TAR, store.put(in, null, size, lease), size);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
