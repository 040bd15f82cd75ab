package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HelperBinaryTest {

    @TempDir
    Path tmp;

    @Test
    void theExtractedFileIsNamedByTheExecutablesHashAndAModifiedCopyIsReplaced() throws Exception {
        byte[] resource;
        try (InputStream in = HelperBinary.class.getResourceAsStream(HelperBinary.RESOURCE)) {
            resource = in.readAllBytes();
        }
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(resource));

        Path extracted = HelperBinary.extract(tmp.resolve("bin"));
        assertThat(extracted.getFileName().toString()).isEqualTo("helper-" + hash.substring(0, 16));
        assertThat(Files.readAllBytes(extracted)).isEqualTo(resource);

        Files.setPosixFilePermissions(extracted, PosixFilePermissions.fromString("rwx------"));
        Files.write(extracted, new byte[] {'#', '!'});
        assertThat(HelperBinary.extract(tmp.resolve("bin"))).isEqualTo(extracted);
        assertThat(Files.readAllBytes(extracted)).as("the modified copy is replaced").isEqualTo(resource);
    }
}
