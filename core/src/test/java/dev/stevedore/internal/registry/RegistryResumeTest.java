package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry killed in the middle of a pull: the store stays consistent and the next pull resumes. */
class RegistryResumeTest {

    @TempDir
    Path dir;

    @Test
    void aPullInterruptedByARegistryCrashResumesWithoutDownloadingFinishedBlobsAgain() throws IOException {
        try (LocalRegistry registry = LocalRegistry.builder(dir.resolve("registry")).start()) {
            RegistryClient client = new RegistryClient(RegistryOptions.defaults().withParallelTransfers(2));
            ContentStore source = ContentStore.open(dir.resolve("source"));
            TestImages.Layer big = TestImages.randomLayer("big", 32 << 20, 1);
            List<TestImages.Layer> small = List.of(TestImages.randomLayer("s1", 1000, 2),
                    TestImages.randomLayer("s2", 2000, 3), TestImages.randomLayer("s3", 3000, 4));
            List<TestImages.Layer> layers = new java.util.ArrayList<>(small);
            layers.add(1, big);
            Descriptor image = TestImages.image(source, Platform.of("linux", "amd64", null), layers);
            ImageReference ref = ImageReference.parse(registry.host() + "/test/crash:1");
            client.push(source, image, ref, TransferListener.NONE);

            ContentStore target = ContentStore.open(dir.resolve("target"));
            Digest bigDigest = big.descriptor().digest();
            AtomicBoolean killed = new AtomicBoolean();
            TransferListener killer = new TransferListener() {
                @Override
                public void progress(Descriptor blob, long bytes, long total) {
                    if (!blob.digest().equals(bigDigest)) {
                        return;
                    }
                    // Reads slowly so the crash lands in the middle of the big layer.
                    sleep(1);
                    if (bytes > total / 3 && killed.compareAndSet(false, true)) {
                        registry.kill();
                    }
                }
            };
            assertThatThrownBy(() -> client.pull(ref, target, killer))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("pull of blob " + bigDigest)
                    .hasMessageContaining("the bytes received are kept and the next pull continues from there");
            assertThat(killed).isTrue();
            assertThat(target.exists(bigDigest)).isFalse();
            assertThat(target.names().list()).isEmpty();
            Set<Digest> finishedBefore = new HashSet<>(target.blobs());

            registry.start();
            Map<Digest, Long> resumedAt = new ConcurrentHashMap<>();
            PullResult second = client.pull(ref, target, new TransferListener() {
                @Override
                public void started(Descriptor blob, long resumed) {
                    resumedAt.put(blob.digest(), resumed);
                }
            });

            assertThat(resumedAt.get(bigDigest)).as("the big layer continues where the crash stopped it")
                    .isGreaterThan((long) big.bytes().length / 3);
            assertThat(second.bytesDownloaded()).isLessThan((long) big.bytes().length * 2 / 3);
            assertThat(second.downloaded()).as("blobs finished before the crash are not downloaded again")
                    .doesNotContainAnyElementsOf(finishedBefore);
            assertThat(second.present()).containsAll(finishedBefore.stream()
                    .filter(d -> !d.equals(image.digest())).toList());
            assertThat(Files.readAllBytes(target.blobPath(bigDigest))).isEqualTo(big.bytes());
            assertThat(target.names().resolve(ref.toString()).digest()).isEqualTo(image.digest());
            try (var ingest = Files.list(target.root().resolve("ingest"))) {
                assertThat(ingest).as("no partial download left").isEmpty();
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
