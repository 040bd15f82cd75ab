package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JffiStubTest {

    @TempDir
    Path tmp;

    private static byte[] stubResource() throws Exception {
        assertThat(JffiStub.resource()).as("this test needs Linux on x86_64 or aarch64").isNotNull();
        try (InputStream in = JffiStub.class.getClassLoader().getResourceAsStream(JffiStub.resource())) {
            assertThat(in).as("jffi's native jar on the class path").isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void theStubIsExtractedOnceAndACorruptCopyIsReplaced() throws Exception {
        byte[] resource = stubResource();
        Path bin = tmp.resolve("bin");

        Path stubDir = JffiStub.extract(bin);
        Path stub = stubDir.resolve(System.mapLibraryName("jffi-1.2"));
        assertThat(stubDir.getParent()).isEqualTo(bin);
        assertThat(stubDir.getFileName().toString()).matches("jffi-[0-9a-f]{8}");
        assertThat(Files.readAllBytes(stub)).isEqualTo(resource);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stub))).isEqualTo("r-x------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(bin))).isEqualTo("rwx------");

        Object inode = Files.getAttribute(stub, "unix:ino");
        assertThat(JffiStub.extract(bin)).isEqualTo(stubDir);
        assertThat(Files.getAttribute(stub, "unix:ino")).as("an intact copy is reused, not rewritten").isEqualTo(inode);

        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rw-------"));
        Files.write(stub, new byte[] {0x7f, 'E', 'L', 'F'});
        assertThat(JffiStub.extract(bin)).isEqualTo(stubDir);
        assertThat(Files.readAllBytes(stub)).as("the corrupt copy is replaced").isEqualTo(resource);
        try (var files = Files.list(stubDir)) {
            assertThat(files).as("no temporary file is left").containsExactly(stub);
        }
    }

    @Test
    void theBootPathIsSetForTheLoadOnlyAndAUsersOwnIsLeftAlone() throws Exception {
        stubResource();
        assertThat(System.getProperty(JffiStub.BOOT_PATH)).as("no boot path set around this test").isNull();

        String seen = JffiStub.withBootPath(tmp.resolve("bin"), () -> System.getProperty(JffiStub.BOOT_PATH));
        assertThat(seen).isEqualTo(JffiStub.extract(tmp.resolve("bin")).toString());
        assertThat(System.getProperty(JffiStub.BOOT_PATH)).as("removed after the load").isNull();

        System.setProperty(JffiStub.BOOT_PATH, "/opt/users/own");
        try {
            Path other = tmp.resolve("other");
            assertThat(JffiStub.withBootPath(other, () -> System.getProperty(JffiStub.BOOT_PATH)))
                    .isEqualTo("/opt/users/own");
            assertThat(System.getProperty(JffiStub.BOOT_PATH)).isEqualTo("/opt/users/own");
            assertThat(other).as("nothing extracted when the user chose the boot path").doesNotExist();
        } finally {
            System.clearProperty(JffiStub.BOOT_PATH);
        }
    }

    @Test
    void aDirectoryThatCannotHoldTheStubLeavesJffiToFindItItself() throws Exception {
        stubResource();
        Path notADirectory = Files.writeString(tmp.resolve("file"), "x");

        String seen = JffiStub.withBootPath(notADirectory.resolve("bin"), () -> String.valueOf(
                System.getProperty(JffiStub.BOOT_PATH)));
        assertThat(seen).isEqualTo("null");
    }

    /** In a fresh JVM (this one's jffi is loaded already), jffi maps the extracted copy. */
    @Test
    void aFreshJvmLoadsTheExtractedStub() throws Exception {
        stubResource();
        Path bin = tmp.resolve("bin");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                LoadsLibc.class.getName(), bin.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out.strip()).isEqualTo(JffiStub.extract(bin).resolve(System.mapLibraryName("jffi-1.2")).toString());
    }

    /** Loads the C library binding as a runtime does and prints where the stub jffi mapped lives. */
    static final class LoadsLibc {
        public static void main(String[] args) throws Exception {
            JffiStub.keepIn(Path.of(args[0]));
            String reason = Libc.unavailableReason();
            if (reason != null) {
                throw new IllegalStateException(reason);
            }
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                if (line.contains("libjffi")) {
                    System.out.println(line.substring(line.indexOf('/')));
                    return;
                }
            }
            throw new IllegalStateException("no libjffi mapped");
        }
    }
}
