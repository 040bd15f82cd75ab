package dev.stevedore.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreConcurrencyTest {

    @TempDir
    Path dir;

    @Test
    void manyThreadsWritingSameAndDifferentBlobs() throws Exception {
        ContentStore store = ContentStore.open(dir);
        int threads = 16;
        int perThread = 24;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<Set<Descriptor>>> results = new ArrayList<>();
        try (Lease lease = store.lease("threads")) {
            for (int t = 0; t < threads; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    Set<Descriptor> written = new HashSet<>();
                    for (int i = 0; i < perThread; i++) {
                        written.add(StoreChild.putGenerated(store, lease, i));
                        written.add(StoreChild.putGenerated(store, lease, 10_000 + id * 1000 + i));
                    }
                    return written;
                }));
            }
            Set<Descriptor> all = new HashSet<>();
            for (Future<Set<Descriptor>> f : results) {
                all.addAll(f.get());
            }
            pool.shutdown();
            assertThat(all).hasSize(perThread + threads * perThread);
            assertIntact(store, all);
        }
    }

    @Test
    void severalProcessesWritingSameAndDifferentBlobsWhileGcRuns() throws Exception {
        ContentStore store = ContentStore.open(dir);
        int children = 4;
        int count = 16;
        List<Process> processes = new ArrayList<>();
        for (int id = 1; id <= children; id++) {
            processes.add(ChildJvm.start(StoreChild.class, "write", dir.toString(), Integer.toString(id),
                    Integer.toString(count)));
        }
        AtomicBoolean running = new AtomicBoolean(true);
        int[] gcRuns = {0};
        Throwable[] gcFailure = {null};
        Thread collector = new Thread(() -> {
            try {
                while (running.get()) {
                    store.gc();
                    gcRuns[0]++;
                }
            } catch (Throwable t) {
                gcFailure[0] = t;
            }
        });
        collector.start();
        try {
            for (Process p : processes) {
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes());
                assertThat(p.waitFor()).as("child exit, output: %s", out).isZero();
            }
        } finally {
            running.set(false);
            collector.join();
        }
        assertThat(gcFailure[0]).as("gc failure").isNull();
        assertThat(gcRuns[0]).as("gc ran while children wrote").isPositive();

        Set<String> names = new HashSet<>();
        Set<Descriptor> layers = new HashSet<>();
        for (ImageNames.NamedImage image : store.names().list()) {
            names.add(image.name());
            for (Descriptor d : store.children(image.descriptor())) {
                layers.add(d);
            }
        }
        assertThat(names).as("no tag lost between processes").hasSize(children)
                .allMatch(n -> n.startsWith("docker.io/library/child-"));
        assertThat(layers.stream().filter(d -> d.size() >= 64 * 1024)).hasSize(count + children * count);
        assertIntact(store, layers);
        store.gc();
        assertThat(store.blobs()).as("gc keeps everything the names reach")
                .hasSize(count + children * count + children * 2);
    }

    private static void assertIntact(ContentStore store, Set<Descriptor> expected) throws IOException {
        for (Descriptor d : expected) {
            try (InputStream in = store.open(d.digest())) {
                assertThat(Digest.sha256(in)).isEqualTo(d.digest());
            }
            assertThat(store.size(d.digest())).isEqualTo(d.size());
        }
        try (Stream<Path> ingest = Files.list(store.root().resolve("ingest"))) {
            assertThat(ingest).as("no temporary file left").isEmpty();
        }
        try (Stream<Path> leases = Files.list(store.root().resolve("leases"))) {
            assertThat(leases.filter(p -> !OwnedFile.ownedHere(p))).as("no lease left").isEmpty();
        }
    }
}
