package dev.stevedore.internal.layer;

import static dev.stevedore.internal.layer.TestTars.tar;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files are written on several threads, yet the result must be what extracting the entries one
 * after the other gives: overwrites, hard links to just-written files, directories replaced by
 * files, whiteouts of files written moments before.
 */
class ExtractOrderingTest {
    @TempDir
    Path tmp;

    @Test
    void parallelWritersGiveTheSameTreeAsOneThread() throws IOException {
        TestTars t = tar();
        for (int i = 0; i < 200; i++) {
            t.file("d/f" + i, "first " + i);
        }
        t.file("d/f1", "second").hardlink("d/h1", "d/f1").file("d/f1", "third")
                .hardlink("d/h2", "d/f2")
                .file("gone/a", "a").file("gone/b", "b").file("gone", "now a file")
                .file("opq/x", "x").file("opq/.wh..wh..opq", "").file("opq/y", "y")
                .file("lower/k", "k").symlink("lower/s", "k").file("wh/z", "z")
                .file("wh/.wh.z", "");
        byte[] layer = t.build();
        Map<String, String> expected = null;
        for (int run = 0; run < 5; run++) {
            for (int threads : new int[] {0, 3}) {
                Path out = Files.createDirectory(tmp.resolve("out-" + run + "-" + threads));
                Files.createDirectories(out.resolve("opq"));
                Files.writeString(out.resolve("opq/lower-only"), "hidden by opaque");
                LayerExtractor.extract(new ByteArrayInputStream(layer), out,
                        ExtractOptions.rootless().withWriterThreads(threads));
                Map<String, String> snapshot = TreeSnapshot.of(out, false);
                if (expected == null) {
                    expected = snapshot;
                    assertThat(Files.readString(out.resolve("d/f1"))).isEqualTo("third");
                    assertThat(Files.readString(out.resolve("d/h1"))).isEqualTo("second");
                    assertThat(Files.readString(out.resolve("d/h2"))).isEqualTo("first 2");
                    assertThat(Files.readString(out.resolve("gone"))).isEqualTo("now a file");
                    assertThat(snapshot).containsKeys("opq/x", "opq/y", "wh/z")
                            .doesNotContainKey("opq/lower-only");
                }
                assertThat(snapshot).as("run %d with %d writer threads", run, threads)
                        .isEqualTo(expected);
            }
        }
    }
}
