package dev.stevedore.internal.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerCompressionTest {
    @TempDir
    Path tmp;

    private static LayerCompression detect(byte[] bytes) throws IOException {
        BufferedInputStream in = new BufferedInputStream(new ByteArrayInputStream(bytes));
        LayerCompression c = LayerCompression.detect(in);
        assertThat(in.readAllBytes()).as("detection consumes nothing").isEqualTo(bytes);
        return c;
    }

    private static byte[] compress(LayerCompression c, int level, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream z = c.compress(out, level)) {
            z.write(data);
        }
        return out.toByteArray();
    }

    /** Text-like data with some noise, spanning several gzip blocks. */
    private static byte[] sample(int size) {
        Random random = new Random(7);
        byte[] data = new byte[size];
        for (int i = 0; i < size; i++) {
            data[i] = (byte) (i % 13 == 0 ? random.nextInt(256) : 'a' + (i / 7) % 26);
        }
        return data;
    }

    @Test
    void detectsByMagicBytes() throws IOException {
        byte[] data = sample(1000);
        assertThat(detect(compress(LayerCompression.GZIP, 6, data))).isEqualTo(LayerCompression.GZIP);
        assertThat(detect(compress(LayerCompression.ZSTD, 3, data))).isEqualTo(LayerCompression.ZSTD);
        assertThat(detect(data)).isEqualTo(LayerCompression.NONE);
        assertThat(detect(new byte[0])).isEqualTo(LayerCompression.NONE);
    }

    @Test
    void refusesXzAndBzip2WithAHint() {
        byte[] xz = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2};
        assertThatThrownBy(() -> detect(xz)).isInstanceOf(LayerException.class)
                .hasMessageContaining("xz").hasMessageContaining("recompress");
        assertThatThrownBy(() -> detect(new byte[] {'B', 'Z', 'h', '9'}))
                .isInstanceOf(LayerException.class).hasMessageContaining("bzip2");
    }

    @Test
    void parallelGzipIsOneValidMemberAndTheSameBytesEveryTime() throws IOException {
        byte[] data = sample(3 * ParallelGzipOutputStream.BLOCK + 12345);
        byte[] first = compress(LayerCompression.GZIP, 1, data);
        assertThat(compress(LayerCompression.GZIP, 1, data)).isEqualTo(first);
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(first))) {
            assertThat(in.readAllBytes()).isEqualTo(data);
        }
        Files.write(tmp.resolve("x.gz"), first);
        TestTars.run(tmp, "gzip", "-t", "x.gz");
        assertThat(TestTars.run(tmp, "sh", "-c", "gzip -l x.gz | tail -1"))
                .as("gzip's trailer sizes are right").contains(String.valueOf(data.length));
        assertThat(compress(LayerCompression.GZIP, 9, data).length).isLessThan(first.length);
    }

    @Test
    void emptyAndTinyStreamsRoundTrip() throws IOException {
        for (LayerCompression c : LayerCompression.values()) {
            for (byte[] data : new byte[][] {new byte[0], {42}}) {
                byte[] z = compress(c, c == LayerCompression.ZSTD ? 3 : 6, data);
                try (InputStream in = c.decompress(new ByteArrayInputStream(z))) {
                    assertThat(in.readAllBytes()).as("%s of %d bytes", c, data.length)
                            .isEqualTo(data);
                }
            }
        }
    }

    @Test
    void extractsTarsCompressedByTheCommandLineTools() throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src/d"));
        Files.write(src.resolve("f"), sample(200_000));
        for (String tool : new String[] {"gzip", "zstd -q"}) {
            TestTars.run(tmp, "sh", "-c", "tar -C src -cf - . | " + tool + " > layer");
            Path out = Files.createDirectory(tmp.resolve("out-" + tool.charAt(0)));
            ExtractResult r;
            try (InputStream in = Files.newInputStream(tmp.resolve("layer"))) {
                r = LayerExtractor.extract(in, out, ExtractOptions.rootless());
            }
            assertThat(Files.readAllBytes(out.resolve("d/f"))).isEqualTo(sample(200_000));
            String sum = TestTars.run(tmp, "sh", "-c", "tar -C src -cf - . | sha256sum");
            assertThat(sum).startsWith(r.diffId().encoded());
            assertThat(TestTars.run(tmp, "sha256sum", "layer")).startsWith(r.blobDigest().encoded());
        }
    }

    @Test
    void corruptCompressedStreamIsAClearError() throws IOException {
        byte[] z = compress(LayerCompression.GZIP, 6, TestTars.tar().file("f", "x".repeat(5000))
                .build());
        for (int i = 20; i < z.length - 8; i++) {
            z[i] ^= 0x55;
        }
        Path out = Files.createDirectory(tmp.resolve("out"));
        assertThatThrownBy(() -> LayerExtractor.extract(new ByteArrayInputStream(z), out,
                ExtractOptions.rootless()))
                .isInstanceOf(LayerException.class).hasMessageContaining("layer");
    }
}
