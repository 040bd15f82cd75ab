package dev.stevedore.internal.layer;

import static dev.stevedore.internal.layer.TestTars.tar;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.internal.layer.ExtractOptions.WhiteoutMode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI whiteouts read both ways (applied, kept for overlayfs) and written from changes. */
class WhiteoutTest {
    @TempDir
    Path tmp;

    private final byte[] lower = tar().dir("a").file("a/x", "x").file("a/y", "y").dir("b")
            .file("b/z", "z").dir("b/sub").file("b/sub/deep", "d").dir("c").file("c/keep", "k")
            .file("top", "t").build();
    private final byte[] upper = tar().file("a/.wh.x", "").dir("b").file("b/new", "n")
            .file("b/.wh..wh..opq", "").file(".wh.c", "").file("a/.wh.missing", "")
            .file("top", "changed").build();

    @BeforeEach
    void needsRoot() {
        TestTars.requireRoot();
    }

    private static void extract(byte[] tar, Path target, ExtractOptions options) {
        LayerExtractor.extract(new ByteArrayInputStream(tar), target, options);
    }

    @Test
    void appliedWhiteoutsDeleteLowerFilesAndOpaqueKeepsOnlyThisLayersFiles() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        extract(lower, root, ExtractOptions.defaults());
        ExtractResult r = LayerExtractor.extract(new ByteArrayInputStream(upper), root,
                ExtractOptions.defaults());
        assertThat(r.whiteouts()).isEqualTo(4);
        assertThat(TreeSnapshot.of(root, false).keySet())
                .containsExactlyInAnyOrder("a", "a/y", "b", "b/new", "top");
        assertThat(Files.readString(root.resolve("top"))).isEqualTo("changed");
    }

    @Test
    void overlayModeKeepsWhiteoutsAndOverlayfsShowsTheSameTree() throws IOException {
        Path l1 = Files.createDirectory(tmp.resolve("l1"));
        Path l2 = Files.createDirectory(tmp.resolve("l2"));
        ExtractOptions overlay = ExtractOptions.defaults().withWhiteouts(WhiteoutMode.OVERLAY);
        extract(lower, l1, overlay);
        extract(upper, l2, overlay);
        Map<String, Object> wh = Files.readAttributes(l2.resolve("a/x"), "unix:mode,rdev",
                LinkOption.NOFOLLOW_LINKS);
        assertThat((Integer) wh.get("mode") & Posix.S_IFMT).isEqualTo(Posix.S_IFCHR);
        assertThat(wh.get("rdev")).isEqualTo(0L);
        assertThat(Posix.xattr(l2.resolve("b"), "trusted.overlay.opaque")).containsExactly('y');
        assertThat(l2.resolve("b/.wh..wh..opq")).doesNotExist();

        Path merged = Files.createDirectory(tmp.resolve("merged"));
        TestTars.run(tmp, "mount", "-t", "overlay", "overlay", "-o",
                "ro,lowerdir=" + l2 + ":" + l1, merged.toString());
        try {
            assertThat(TreeSnapshot.of(merged, false).keySet())
                    .containsExactlyInAnyOrder("a", "a/y", "b", "b/new", "top");
            assertThat(Files.readString(merged.resolve("top"))).isEqualTo("changed");
        } finally {
            TestTars.run(tmp, "umount", merged.toString());
        }
    }

    @Test
    void overlayUpperDirBecomesALayerThatReplaysTheContainersChanges() throws IOException {
        Path lowerDir = Files.createDirectory(tmp.resolve("lower"));
        extract(lower, lowerDir, ExtractOptions.defaults());
        Path upperDir = Files.createDirectory(tmp.resolve("upper"));
        Path work = Files.createDirectory(tmp.resolve("work"));
        Path merged = Files.createDirectory(tmp.resolve("merged"));
        TestTars.run(tmp, "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerDir
                + ",upperdir=" + upperDir + ",workdir=" + work, merged.toString());
        Map<String, String> expected;
        try {
            TestTars.run(merged, "sh", "-c", "rm a/x && rm -r b && mkdir b && echo n > b/new"
                    + " && rm -r c && echo changed > top && mkdir -p d/e && echo f > d/e/f");
            expected = TreeSnapshot.of(merged, false);
        } finally {
            TestTars.run(tmp, "umount", merged.toString());
        }
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        LayerWriter.writeOverlayUpper(upperDir, layer, LayerWriteOptions.defaults()
                .withCompression(LayerCompression.NONE));
        assertThat(names(layer.toByteArray())).containsExactly(".wh.c", "a/", "a/.wh.x", "b/",
                "b/.wh..wh..opq", "b/new", "d/", "d/e/", "d/e/f", "top");

        Path replay = Files.createDirectory(tmp.resolve("replay"));
        extract(lower, replay, ExtractOptions.defaults());
        extract(layer.toByteArray(), replay, ExtractOptions.defaults());
        assertThat(TreeSnapshot.of(replay, false)).isEqualTo(expected);
    }

    @Test
    void changeListBecomesEntriesAndWhiteoutsInOrder() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createDirectories(root.resolve("etc/conf.d"));
        Files.writeString(root.resolve("etc/conf.d/app"), "app");
        Files.createDirectories(root.resolve("var"));
        Files.writeString(root.resolve("var/fresh"), "fresh");
        ByteArrayOutputStream layer = new ByteArrayOutputStream();
        LayerWriter.writeChanges(root, List.of(LayerChange.deleted("old/file"),
                LayerChange.modified("etc/conf.d/app"), LayerChange.opaque("var"),
                LayerChange.added("var/fresh"), LayerChange.deleted("gone")), layer,
                LayerWriteOptions.defaults().withCompression(LayerCompression.NONE));
        assertThat(names(layer.toByteArray())).containsExactly(".wh.gone", "etc/", "etc/conf.d/",
                "etc/conf.d/app", "old/.wh.file", "var/", "var/.wh..wh..opq", "var/fresh");
    }

    private static List<String> names(byte[] tar) throws IOException {
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            TarArchiveEntry e;
            while ((e = in.getNextEntry()) != null) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
