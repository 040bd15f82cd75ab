package dev.stevedore.internal.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempFilesTest {

    @TempDir
    Path dir;

    @Test
    void createsNewOwnerOnlyFilesNamedByPrefixNumberAndSuffix() throws IOException {
        Set<Path> made = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            Path file = TempFiles.create(dir, ".index.json", ".tmp");
            assertThat(made.add(file)).as("a new name each time").isTrue();
            assertThat(file.getParent()).isEqualTo(dir);
            assertThat(file.getFileName().toString()).matches("\\.index\\.json[0-9]+\\.tmp");
            assertThat(Files.size(file)).isZero();
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        }
        try (var listing = Files.list(dir)) {
            assertThat(listing.count()).isEqualTo(200);
        }
    }

    @Test
    void createOpenGivesAReadableWritableChannelOfTheNewFile() throws IOException {
        TempFiles.Created created = TempFiles.createOpen(dir, "lease-", "");
        try (FileChannel channel = created.channel()) {
            channel.write(ByteBuffer.wrap("abc".getBytes()));
            ByteBuffer back = ByteBuffer.allocate(3);
            channel.read(back, 0);
            assertThat(back.array()).isEqualTo("abc".getBytes());
        }
        assertThat(Files.readString(created.path())).isEqualTo("abc");
        assertThat(created.path().getFileName().toString()).matches("lease-[0-9]+");
    }

    @Test
    void createsOwnerOnlyDirectories() throws IOException {
        Path a = TempFiles.createDirectory(dir, "42-build-");
        Path b = TempFiles.createDirectory(dir, "42-build-");
        assertThat(a).isNotEqualTo(b).isDirectory();
        assertThat(b).isDirectory();
        assertThat(a.getFileName().toString()).matches("42-build-[0-9]+");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("rwx------");
    }

    @Test
    void aMissingDirectoryFailsRatherThanLooping() {
        assertThatThrownBy(() -> TempFiles.create(dir.resolve("missing"), "x", ".tmp"))
                .isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> TempFiles.createDirectory(dir.resolve("missing"), "x"))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void aPrefixOrSuffixThatIsAPathIsRefused() {
        assertThatThrownBy(() -> TempFiles.create(dir, "../x", ".tmp")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'/'");
        assertThatThrownBy(() -> TempFiles.createDirectory(dir, "a/b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(dir).isEmptyDirectory();
    }
}
