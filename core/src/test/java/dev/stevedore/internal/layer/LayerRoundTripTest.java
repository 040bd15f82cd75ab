package dev.stevedore.internal.layer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Directory to layer to directory, against ourselves and GNU tar. Needs root (owners, devices). */
class LayerRoundTripTest {
    @TempDir
    Path tmp;
    Path src;

    @BeforeEach
    void makeTree() throws IOException {
        TestTars.requireRoot();
        src = Files.createDirectory(tmp.resolve("src"));
        Files.createDirectories(src.resolve("bin"));
        Files.writeString(src.resolve("bin/suid"), "#!/bin/sh\n");
        Files.setAttribute(src.resolve("bin/suid"), "unix:mode", 04755);
        Files.writeString(src.resolve("bin/sgid"), "sgid");
        Posix.lchown(src.resolve("bin/sgid"), 0, 50);
        Files.setAttribute(src.resolve("bin/sgid"), "unix:mode", 02711);
        Files.createDirectories(src.resolve("tmp"));
        Files.setAttribute(src.resolve("tmp"), "unix:mode", 01777);
        Files.createDirectories(src.resolve("home/user"));
        Files.writeString(src.resolve("home/user/secret"), "mine");
        Files.setAttribute(src.resolve("home/user/secret"), "unix:mode", 0600);
        Posix.lchown(src.resolve("home/user/secret"), 1000, 1000);
        Posix.lchown(src.resolve("home/user"), 70000, 70001);
        Files.write(src.resolve("empty"), new byte[0]);
        Files.createSymbolicLink(src.resolve("link"), Path.of("bin/suid"));
        Files.createSymbolicLink(src.resolve("dangling"), Path.of("/nonexistent/x"));
        Posix.lchown(src.resolve("dangling"), 7, 8);
        Files.writeString(src.resolve("hl1"), "shared");
        Files.createLink(src.resolve("hl2"), src.resolve("hl1"));
        Files.createDirectories(src.resolve("dev"));
        Posix.mknod(src.resolve("dev/null"), Posix.S_IFCHR | 0666, Posix.makedev(1, 3));
        Posix.mknod(src.resolve("dev/loop9"), Posix.S_IFBLK | 0660, Posix.makedev(7, 9));
        Posix.mknod(src.resolve("fifo"), Posix.S_IFIFO | 0640, 0);
        Files.writeString(src.resolve("xattrs"), "x");
        Posix.setXattr(src.resolve("xattrs"), "user.comment", "hello".getBytes(StandardCharsets.UTF_8));
        Posix.setXattr(src.resolve("xattrs"), "trusted.note", "t".getBytes(StandardCharsets.UTF_8));
        Files.writeString(src.resolve("ünïcödé ✓.txt"), "utf8");
        Path deep = src.resolve("a-rather-long-directory-name-that-goes-on/" + "and-on-".repeat(12)
                + "/file-with-a-long-name-" + "x".repeat(120));
        Files.createDirectories(deep.getParent());
        Files.writeString(deep, "deep");
        Files.write(src.resolve("big"), new byte[3 * 1024 * 1024 + 17]);
    }

    private static LayerDigests write(Path dir, Path blob, LayerWriteOptions options)
            throws IOException {
        try (OutputStream out = Files.newOutputStream(blob)) {
            return LayerWriter.write(dir, out, options);
        }
    }

    private static ExtractResult extract(Path blob, Path target, ExtractOptions options)
            throws IOException {
        Files.createDirectories(target);
        try (InputStream in = Files.newInputStream(blob)) {
            return LayerExtractor.extract(in, target, options);
        }
    }

    @ParameterizedTest
    @EnumSource(LayerCompression.class)
    void roundTripKeepsEverythingALayerCarries(LayerCompression compression) throws IOException {
        Path blob = tmp.resolve("layer");
        Instant fixed = Instant.ofEpochSecond(1_700_000_000L);
        LayerDigests digests = write(src, blob,
                LayerWriteOptions.defaults().withCompression(compression).withMtime(fixed));
        for (int threads : new int[] {0, 4}) {
            Path out = tmp.resolve("out" + threads);
            ExtractResult result = extract(blob, out,
                    ExtractOptions.defaults().withWriterThreads(threads));
            assertThat(result.compression()).isEqualTo(compression);
            assertThat(result.diffId()).isEqualTo(digests.diffId());
            assertThat(result.blobDigest()).isEqualTo(digests.blobDigest());
            assertThat(TreeSnapshot.of(out, false)).isEqualTo(TreeSnapshot.of(src, false));
            assertThat(TreeSnapshot.of(out, true).values())
                    .as("every mtime, directories' included, is the fixed one")
                    .allMatch(d -> !d.contains("mtime=") || d.endsWith("mtime=1700000000"));
            assertThat(result.hardLinks()).isEqualTo(1);
            assertThat(result.specialFiles()).isEqualTo(3);
        }
        assertThat(digests.size()).isEqualTo(Files.size(blob));
        String decompress = compression == LayerCompression.GZIP ? "gzip -dc layer"
                : compression == LayerCompression.ZSTD ? "zstd -dcq layer" : "cat layer";
        assertThat(TestTars.run(tmp, "sh", "-c", decompress + " | sha256sum"))
                .startsWith(digests.diffId().encoded() + " ");
        assertThat(TestTars.run(tmp, "sha256sum", "layer"))
                .startsWith(digests.blobDigest().encoded() + " ");
    }

    @Test
    void keepsFileMtimesWhenAsked() throws IOException {
        Files.setLastModifiedTime(src.resolve("empty"), FileTime.from(Instant.ofEpochSecond(1234)));
        Files.setLastModifiedTime(src.resolve("bin"), FileTime.from(Instant.ofEpochSecond(5678)));
        Path blob = tmp.resolve("layer");
        write(src, blob, LayerWriteOptions.defaults().withMtime(null));
        Path out = tmp.resolve("out");
        extract(blob, out, ExtractOptions.defaults());
        assertThat(TreeSnapshot.of(out, true)).isEqualTo(TreeSnapshot.of(src, true));
        assertThat(Files.getLastModifiedTime(out.resolve("bin")).toInstant().getEpochSecond())
                .as("a directory's mtime is set after its content was created").isEqualTo(5678);
    }

    @Test
    void gnuTarReadsWhatWeWrite() throws IOException {
        Path blob = tmp.resolve("layer");
        write(src, blob, LayerWriteOptions.defaults());
        String listing = TestTars.run(tmp, "tar", "-tvzf", "layer");
        assertThat(listing).contains("hl2 link to hl1").contains("link -> bin/suid")
                .contains("crw-r--r-- 0/0").contains("1,3").contains("prw-r-----")
                .contains("-rwsr-xr-x").contains("drwxrwxrwt").contains("ünïcödé ✓.txt")
                .contains("x".repeat(120));
        Path out = Files.createDirectory(tmp.resolve("gnu"));
        TestTars.run(tmp, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpzf",
                "layer", "-C", "gnu");
        assertThat(TreeSnapshot.of(out, false)).isEqualTo(TreeSnapshot.of(src, false));
    }

    @Test
    void weReadWhatGnuTarWrites() throws IOException {
        TestTars.run(tmp, "tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-czf",
                "gnu.tar.gz", "-C", "src", ".");
        Path out = tmp.resolve("out");
        ExtractResult r = extract(tmp.resolve("gnu.tar.gz"), out, ExtractOptions.defaults());
        assertThat(TreeSnapshot.of(out, true)).isEqualTo(TreeSnapshot.of(src, true));
        assertThat(TestTars.run(tmp, "sh", "-c", "gzip -dc gnu.tar.gz | sha256sum"))
                .startsWith(r.diffId().encoded() + " ");
    }

    @Test
    void binaryCapabilityXattrsFromGnuTarArriveIntact() throws IOException {
        Path caps = Files.createDirectory(tmp.resolve("caps"));
        Files.writeString(caps.resolve("setuid-tool"), "x");
        Files.writeString(caps.resolve("ping"), "x");
        TestTars.run(caps, "setcap", "cap_setuid,cap_setgid+ep", "setuid-tool");
        TestTars.run(caps, "setcap", "cap_net_raw+ep", "ping");
        TestTars.run(tmp, "tar", "--xattrs", "--xattrs-include=*", "-cf", "caps.tar", "-C", "caps",
                ".");
        Path out = tmp.resolve("out");
        extract(tmp.resolve("caps.tar"), out, ExtractOptions.defaults());
        assertThat(Posix.xattr(out.resolve("setuid-tool"), "security.capability"))
                .isEqualTo(Posix.xattr(caps.resolve("setuid-tool"), "security.capability"));
        assertThat(TestTars.run(out, "getcap", "setuid-tool", "ping"))
                .contains("setuid-tool cap_setgid,cap_setuid=ep").contains("ping cap_net_raw=ep");

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> LayerWriter.write(caps,
                OutputStream.nullOutputStream(), LayerWriteOptions.defaults())))
                .as("our writer refuses a value it cannot store instead of storing another one")
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("security.capability of 'setuid-tool'");
    }

    @Test
    void rootlessOptionsLeaveOwnersAndDevicesAlone() throws IOException {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        LayerWriter.write(src, blob, LayerWriteOptions.defaults());
        Path out = Files.createDirectory(tmp.resolve("out"));
        ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(blob.toByteArray()), out,
                ExtractOptions.rootless());
        assertThat(r.skipped()).isEqualTo(2);
        assertThat(out.resolve("dev/null")).doesNotExist();
        assertThat(Files.getAttribute(out.resolve("home/user/secret"), "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(out.resolve("fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Posix.S_IFIFO | 0640);
        assertThat(Posix.xattr(out.resolve("xattrs"), "user.comment")).isNull();
    }

    @Test
    void sameContentGivesSameDigestsWhateverTheCreationOrderAndMtimes() throws IOException {
        Path a = Files.createDirectory(tmp.resolve("a"));
        Path b = Files.createDirectory(tmp.resolve("b"));
        for (int i = 0; i < 30; i++) {
            Files.createDirectories(a.resolve("d" + (i % 4)));
            Files.writeString(a.resolve("d" + (i % 4) + "/f" + i), "content " + i);
        }
        for (int i = 29; i >= 0; i--) {
            Files.createDirectories(b.resolve("d" + (i % 4)));
            Files.writeString(b.resolve("d" + (i % 4) + "/f" + i), "content " + i);
            Files.setLastModifiedTime(b.resolve("d" + (i % 4) + "/f" + i),
                    FileTime.from(Instant.ofEpochSecond(1_000_000 + i)));
        }
        for (LayerCompression c : LayerCompression.values()) {
            LayerWriteOptions options = LayerWriteOptions.defaults().withCompression(c);
            LayerDigests first = LayerWriter.write(a, OutputStream.nullOutputStream(), options);
            assertThat(LayerWriter.write(a, OutputStream.nullOutputStream(), options))
                    .isEqualTo(first);
            assertThat(LayerWriter.write(b, OutputStream.nullOutputStream(), options))
                    .isEqualTo(first);
        }
    }
}
