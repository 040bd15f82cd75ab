package dev.stevedore.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerCacheTest {

    @TempDir
    Path root;

    @Test
    void removeStaleDropsDeadPreparersWorkAndUnfinishedEvictionsOnly() throws IOException {
        ContentStore store = ContentStore.open(root);
        LayerCache cache = new LayerCache(store);
        Path ingest = root.resolve("layers").resolve("ingest");
        // A preparer that died: its marker is unlocked, its half-extracted directory left behind.
        Files.createFile(ingest.resolve("dead.lock"));
        Files.createDirectories(ingest.resolve("dead.dir").resolve("usr"));
        // A preparer alive in this JVM: its marker and directory stay.
        try (OwnedFile alive = OwnedFile.create(ingest, "alive", ".lock")) {
            String aliveName = alive.path().getFileName().toString();
            Path aliveDir = ingest.resolve(aliveName.substring(0, aliveName.length() - ".lock".length()) + ".dir");
            Files.createDirectories(aliveDir);
            // A gc that evicted a layer but died before deleting it.
            Files.createDirectories(ingest.resolve("evicted-abc-1.dir").resolve("bin"));
            Files.writeString(ingest.resolve("evicted-abc-1.dir").resolve("bin").resolve("sh"), "x");
            Files.createDirectories(ingest.resolve("unrelated.dir"));

            assertThat(cache.removeStale()).isEqualTo(2);

            assertThat(ingest.resolve("dead.lock")).doesNotExist();
            assertThat(ingest.resolve("dead.dir")).doesNotExist();
            assertThat(ingest.resolve("evicted-abc-1.dir")).doesNotExist();
            assertThat(alive.path()).exists();
            assertThat(aliveDir).exists();
            assertThat(ingest.resolve("unrelated.dir")).exists();
        }
    }
}
