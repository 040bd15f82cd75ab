package dev.stevedore.internal.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumableWriterTest {

    @TempDir
    Path dir;

    private final byte[] content = randomBytes(300_000);
    private final Digest digest = Digest.sha256(content);

    @Test
    void aSecondWriterContinuesWhereAnInterruptedOneStopped() throws IOException {
        ContentStore store = ContentStore.open(dir);
        try (BlobWriter first = store.resumableWriter(digest, content.length, null)) {
            assertThat(first.resumedAt()).isZero();
            first.write(content, 0, 120_000);
        }
        assertThat(store.exists(digest)).isFalse();
        try (BlobWriter second = store.resumableWriter(digest, content.length, null)) {
            assertThat(second.resumedAt()).as("bytes kept from the first writer").isEqualTo(120_000);
            second.write(content, 120_000, content.length - 120_000);
            assertThat(second.commit()).isEqualTo(digest);
        }
        assertThat(Files.readAllBytes(store.blobPath(digest))).isEqualTo(content);
        assertThat(partials()).as("the partial file is gone once committed").isEmpty();
    }

    @Test
    void corruptKeptBytesAreDiscardedAtCommit() throws IOException {
        ContentStore store = ContentStore.open(dir);
        byte[] damaged = Arrays.copyOf(content, 100_000);
        damaged[5] ^= 1;
        try (BlobWriter first = store.resumableWriter(digest, content.length, null)) {
            first.write(damaged);
        }
        try (BlobWriter second = store.resumableWriter(digest, content.length, null)) {
            second.write(content, (int) second.resumedAt(), content.length - (int) second.resumedAt());
            assertThatThrownBy(second::commit).isInstanceOf(BlobMismatchException.class)
                    .hasMessageContaining("but " + digest + " was expected");
        }
        assertThat(store.exists(digest)).isFalse();
        assertThat(partials()).as("corrupt content is not resumed again").isEmpty();
    }

    @Test
    void aConcurrentWriterOfTheSameBlobStartsFresh() throws IOException {
        ContentStore store = ContentStore.open(dir);
        try (BlobWriter first = store.resumableWriter(digest, content.length, null)) {
            first.write(content, 0, 1000);
            try (BlobWriter second = store.resumableWriter(digest, content.length, null)) {
                assertThat(second.resumedAt()).isZero();
                second.write(content);
                second.commit();
            }
        }
        assertThat(store.exists(digest)).isTrue();
    }

    @Test
    void gcRemovesPartialFilesNobodyWrites() throws IOException {
        ContentStore store = ContentStore.open(dir);
        try (BlobWriter first = store.resumableWriter(digest, content.length, null)) {
            first.write(content, 0, 1000);
            store.gc();
            assertThat(partials()).as("kept while written").hasSize(1);
        }
        assertThat(partials()).hasSize(1);
        store.gc();
        assertThat(partials()).isEmpty();
    }

    private java.util.List<Path> partials() throws IOException {
        try (var files = Files.list(dir.resolve("ingest"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("partial-")).toList();
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(7).nextBytes(b);
        return b;
    }
}
