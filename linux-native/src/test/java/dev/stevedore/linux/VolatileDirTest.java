package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolatileDirTest {

    @TempDir
    Path tmp;

    @Test
    void choosesAnOwnerOnlyDirectoryOnTmpfsWhenTheHostHasOne() throws Exception {
        assertThat(Files.getFileStore(Path.of("/dev/shm")).type()).as("this test needs /dev/shm on tmpfs")
                .isEqualTo("tmpfs");
        Path dir = VolatileDir.forState(tmp.resolve("state"));
        try {
            assertThat(Files.getFileStore(dir).type()).isEqualTo("tmpfs");
            assertThat(Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
            assertThat(VolatileDir.forState(tmp.resolve("state"))).as("the same for the same state directory")
                    .isEqualTo(dir);
            assertThat(VolatileDir.forState(tmp.resolve("other"))).isNotEqualTo(dir);
        } finally {
            Files.deleteIfExists(dir);
            Files.deleteIfExists(VolatileDir.forState(tmp.resolve("other")));
        }
    }

    @Test
    void refusesADirectoryOthersCouldWriteToAndFallsBackToTheStateDirectory() throws Exception {
        Path state = tmp.resolve("state");
        Path dir = VolatileDir.forState(state);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path chosen = VolatileDir.forState(state);
            assertThat(chosen).isNotEqualTo(dir);
            if (!chosen.equals(state)) {
                Files.deleteIfExists(chosen);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
    }
}
