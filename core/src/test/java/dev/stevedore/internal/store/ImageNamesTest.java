package dev.stevedore.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Annotations;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.MediaTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageNamesTest {

    @TempDir
    Path dir;

    @Test
    void tagsWithTheFullReferenceAsRefName() throws Exception {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        assertThat(store.names().tag("busybox", image)).isEqualTo("docker.io/library/busybox:latest");

        Index index = OciJson.read(Files.readAllBytes(dir.resolve("index.json")), Index.class, "index");
        assertThat(index.manifests()).singleElement().satisfies(d -> {
            assertThat(d.digest()).isEqualTo(image.digest());
            assertThat(d.mediaType()).isEqualTo(MediaTypes.IMAGE_MANIFEST);
            assertThat(d.size()).isEqualTo(image.size());
            assertThat(d.annotations()).containsEntry(Annotations.REF_NAME, "docker.io/library/busybox:latest");
        });
    }

    @Test
    void retaggingMovesTheNameAndKeepsOneEntryPerName() {
        ContentStore store = ContentStore.open(dir);
        Descriptor first = StoreFixtures.image(store, null, "1", "a");
        Descriptor second = StoreFixtures.image(store, null, "2", "b");
        store.names().tag("app:1", first);
        store.names().tag("app:latest", first);
        store.names().tag("docker.io/library/app:1", second);
        assertThat(store.names().list()).extracting(ImageNames.NamedImage::name, ImageNames.NamedImage::digest)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("docker.io/library/app:latest", first.digest()),
                        org.assertj.core.groups.Tuple.tuple("docker.io/library/app:1", second.digest()));
    }

    @Test
    void resolvesByAnySpellingDigestAndUniquePrefix() {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        store.names().tag("ghcr.io/org/app:2", image);
        ImageNames names = store.names();
        assertThat(names.resolve("ghcr.io/org/app:2").digest()).isEqualTo(image.digest());
        assertThat(names.resolve(image.digest().toString()).name()).isEqualTo("ghcr.io/org/app:2");
        assertThat(names.resolve(image.digest().encoded().substring(0, 12)).digest()).isEqualTo(image.digest());
        assertThat(names.resolve("sha256:" + image.digest().encoded().substring(0, 5)).digest()).isEqualTo(image.digest());

        store.names().tag("busybox", image);
        assertThat(names.resolve("busybox").name()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(names.resolve("docker.io/busybox:latest").name()).isEqualTo("docker.io/library/busybox:latest");
        assertThat(names.resolve(image.digest().encoded().substring(0, 3)).digest())
                .as("two names of one image are not ambiguous").isEqualTo(image.digest());
    }

    @Test
    void resolvesRefNamesWrittenByOtherTools() throws Exception {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        Descriptor entry = new Descriptor(image.mediaType(), image.digest(), image.size(), null,
                Map.of(Annotations.REF_NAME, "v1.0"), null, null, null, null);
        Files.write(dir.resolve("index.json"), OciJson.write(Index.of(List.of(entry))));
        assertThat(store.names().resolve("v1.0").digest()).isEqualTo(image.digest());
        assertThat(store.names().untag("v1.0")).isTrue();
        assertThat(store.names().list()).isEmpty();
    }

    @Test
    void refusesAnAmbiguousPrefixListingTheCandidates() {
        ContentStore store = ContentStore.open(dir);
        Map<Character, Descriptor> byFirstHex = new HashMap<>();
        Descriptor a = null;
        Descriptor b = null;
        for (int i = 0; a == null; i++) {
            Descriptor image = StoreFixtures.image(store, null, "c" + i, "l");
            Descriptor previous = byFirstHex.putIfAbsent(image.digest().encoded().charAt(0), image);
            if (previous != null) {
                a = previous;
                b = image;
            }
        }
        store.names().tag("a", a);
        store.names().tag("b", b);
        String prefix = a.digest().encoded().substring(0, 1);
        assertThatThrownBy(() -> store.names().resolve(prefix))
                .isInstanceOf(ImageNotFoundException.class)
                .hasMessageContaining("digest prefix \"" + prefix + "\" is ambiguous")
                .hasMessageContaining(a.digest().toString())
                .hasMessageContaining(b.digest().toString())
                .hasMessageEndingWith("give more characters");
        assertThat(store.names().resolve(a.digest().encoded().substring(0, 20)).digest()).isEqualTo(a.digest());
    }

    @Test
    void reportsUnknownNamesWithWhatTheStoreHas() {
        ContentStore store = ContentStore.open(dir);
        assertThatThrownBy(() -> store.names().resolve("nope"))
                .isInstanceOf(ImageNotFoundException.class)
                .hasMessage("no image named \"nope\" (nor with that digest) in '" + dir + "'; the store has no named images");
        store.names().tag("present", StoreFixtures.image(store, null, "c", "l"));
        assertThatThrownBy(() -> store.names().resolve("absent:1"))
                .hasMessageContaining("it has docker.io/library/present:latest");
    }

    @Test
    void untagAndRemove() {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        Descriptor other = StoreFixtures.image(store, null, "o", "m");
        store.names().tag("one", image);
        store.names().tag("two", image);
        store.names().tag("other", other);
        assertThat(store.names().untag("docker.io/library/one:latest")).isTrue();
        assertThat(store.names().untag("one")).isFalse();
        assertThat(store.names().remove("two")).containsExactly("docker.io/library/two:latest");
        assertThat(store.names().list()).extracting(ImageNames.NamedImage::name)
                .containsExactly("docker.io/library/other:latest");
        store.gc();
        assertThat(store.exists(image.digest())).isFalse();
        assertThat(store.exists(other.digest())).isTrue();
    }

    @Test
    void refusesToNameABlobTheStoreDoesNotHoldOrThatIsNoManifest() {
        ContentStore store = ContentStore.open(dir);
        Digest missing = Digest.sha256(new byte[] {1});
        assertThatThrownBy(() -> store.names().tag("x", Descriptor.of(MediaTypes.IMAGE_MANIFEST, missing, 1)))
                .isInstanceOf(BlobNotFoundException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> store.names().tag("x", Descriptor.of(MediaTypes.LAYER_TAR, missing, 1)))
                .hasMessageContaining("is neither a manifest nor an index");
        assertThat(store.names().list()).isEmpty();
    }

    @Test
    void aHalfWrittenIndexLeftByACrashIsNeverReadAndGcRemovesIt() throws Exception {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        store.names().tag("kept", image);
        Files.writeString(dir.resolve(".index.json123.tmp"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaTy");
        assertThat(ContentStore.open(dir).names().resolve("kept").digest()).isEqualTo(image.digest());
        assertThat(store.gc().staleFilesRemoved()).isEqualTo(1);
        assertThat(dir.resolve(".index.json123.tmp")).doesNotExist();
        assertThat(store.exists(image.digest())).isTrue();
    }

    @Test
    void concurrentTaggersLoseNoUpdateAndReadersNeverSeeAHalfWrittenIndex() throws Exception {
        ContentStore store = ContentStore.open(dir);
        Descriptor image = StoreFixtures.image(store, null, "c", "l");
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        List<Future<?>> readers = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            readers.add(pool.submit(() -> {
                while (writing.get()) {
                    // Every read parses: a torn file would throw here.
                    store.names().list();
                    reads.incrementAndGet();
                }
                return null;
            }));
        }
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int id = w;
            writers.add(pool.submit(() -> {
                for (int i = 0; i < 25; i++) {
                    store.names().tag("w" + id + ":" + i, image);
                }
                return null;
            }));
        }
        for (Future<?> f : writers) {
            f.get();
        }
        writing.set(false);
        for (Future<?> f : readers) {
            f.get();
        }
        pool.shutdown();
        assertThat(store.names().list()).hasSize(100);
        assertThat(reads.get()).isPositive();
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no temporary index file left")
                    .containsExactlyInAnyOrder("oci-layout", "index.json", "blobs", "ingest", "leases", "locks");
        }
    }
}
