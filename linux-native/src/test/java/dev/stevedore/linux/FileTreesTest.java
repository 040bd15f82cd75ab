package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {

    @Test
    void removesATreeWithoutFollowingItsLinksOut(@TempDir Path dir) throws IOException {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "x");
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Files.writeString(tree.resolve("file"), "x");
        Files.createSymbolicLink(dir.resolve("tree/a/link"), outside);
        Files.createSymbolicLink(dir.resolve("tree/dangling"), dir.resolve("nowhere"));
        Path closed = Files.createDirectories(dir.resolve("tree/work/work"));
        Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("---------"));

        FileTrees.delete(dir.resolve("tree"));

        assertThat(dir.resolve("tree")).doesNotExist();
        assertThat(outside.resolve("keep")).as("a link's target stays").hasContent("x");
    }

    @Test
    void aMissingPathOrAFileIsNoTree(@TempDir Path dir) throws IOException {
        FileTrees.delete(dir.resolve("missing"));
        Path file = Files.writeString(dir.resolve("file"), "x");
        FileTrees.delete(file);
        assertThat(file).doesNotExist();
    }

    @Test
    void preparingASnapshotAgainKeepsItsChangesAndEmptiesItsWorkDirectory(@TempDir Path dir) throws IOException {
        OverlaySnapshotter overlay = new OverlaySnapshotter();
        Path layer = Files.createDirectories(dir.resolve("layer"));
        Path snapshot = dir.resolve("containers/c1/snapshot");
        overlay.prepare(snapshot, List.of(layer), false);
        assertThat(snapshot.resolve("upper")).as("made with its missing parents").isDirectory();
        Files.writeString(snapshot.resolve("upper/changed"), "x");
        Files.createDirectories(snapshot.resolve("work/incompat/volatile"));

        assertThat(overlay.prepare(snapshot, List.of(layer), false).get(0).options())
                .contains("upperdir=" + snapshot.resolve("upper"), "workdir=" + snapshot.resolve("work"), "volatile");
        assertThat(snapshot.resolve("upper/changed")).hasContent("x");
        assertThat(snapshot.resolve("work")).isEmptyDirectory();

        overlay.remove(snapshot);
        assertThat(snapshot).doesNotExist();
        assertThat(snapshot.getParent()).isDirectory();
    }
}
