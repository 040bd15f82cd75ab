package dev.stevedore.internal.layer;

import static dev.stevedore.internal.layer.TestTars.tar;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.layer.ExtractOptions.DevicePolicy;
import dev.stevedore.internal.layer.ExtractOptions.WhiteoutMode;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crafted tars that try to write outside the extraction target. Each runs next to a sentinel
 * directory whose contents must come out unchanged; each tar is either contained (what it
 * writes lands inside the target) or refused with an error naming the entry.
 */
class HostileLayerTest {
    @TempDir
    Path base;
    Path target;
    Path sentinel;
    /** The sentinel's absolute path without the leading slash, as found again inside the target. */
    String sentinelRel;

    @BeforeEach
    void setUp() throws IOException {
        target = Files.createDirectory(base.resolve("target"));
        sentinel = Files.createDirectory(base.resolve("sentinel"));
        Files.writeString(sentinel.resolve("keep"), "precious");
        sentinelRel = sentinel.toString().substring(1);
    }

    @AfterEach
    void sentinelIsUntouched() throws IOException {
        try (Stream<Path> s = Files.list(base)) {
            assertThat(s.map(p -> p.getFileName().toString()).sorted())
                    .as("nothing appears beside the target").containsExactly("sentinel", "target");
        }
        try (Stream<Path> s = Files.list(sentinel)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactly("keep");
        }
        assertThat(Files.readString(sentinel.resolve("keep"))).isEqualTo("precious");
        assertThat(Files.getAttribute(sentinel.resolve("keep"), "unix:nlink"))
                .as("no hard link was made to the sentinel").isEqualTo(1);
    }

    private ExtractResult extract(byte[] tar) {
        return extract(tar, ExtractOptions.defaults());
    }

    private ExtractResult extract(byte[] tar, ExtractOptions options) {
        return LayerExtractor.extract(new ByteArrayInputStream(tar), target, options);
    }

    private String read(String rel) throws IOException {
        return Files.readString(target.resolve(rel));
    }

    @Test
    void dotDotNameIsClampedToRoot() throws IOException {
        extract(tar().file("../sentinel/keep", "pwned").file("../../../../escape", "x").build());
        assertThat(read("sentinel/keep")).isEqualTo("pwned");
        assertThat(read("escape")).isEqualTo("x");
    }

    @Test
    void absoluteNameIsMadeRelative() throws IOException {
        extract(tar().file("/" + sentinelRel + "/keep", "pwned").build());
        assertThat(read(sentinelRel + "/keep")).isEqualTo("pwned");
    }

    @Test
    void symlinkToRootThenWriteThroughItStaysInside() throws IOException {
        extract(tar().symlink("a", "/").file("a/" + sentinelRel + "/keep", "pwned").build());
        assertThat(Files.isSymbolicLink(target.resolve("a"))).isTrue();
        assertThat(read(sentinelRel + "/keep")).isEqualTo("pwned");
    }

    @Test
    void symlinkToAbsoluteOutsideDirectoryIsResolvedInsideRoot() throws IOException {
        extract(tar().symlink("a", sentinel.toString()).file("a/new", "pwned").build());
        assertThat(read(sentinelRel + "/new")).isEqualTo("pwned");
    }

    @Test
    void relativeSymlinkClimbingOutIsClamped() throws IOException {
        extract(tar().dir("d").symlink("d/up", "../../../../../sentinel").file("d/up/keep", "pwned")
                .build());
        assertThat(read("sentinel/keep")).isEqualTo("pwned");
    }

    @Test
    void symlinkChainEndingOutsideStaysInside() throws IOException {
        extract(tar().symlink("a", "b").symlink("b", "c/d").dir("c").symlink("c/d", "../../..")
                .file("a/" + "sentinel/keep", "pwned").build());
        assertThat(read("sentinel/keep")).isEqualTo("pwned");
    }

    @Test
    void symlinkLoopIsRefused() {
        assertThatThrownBy(() -> extract(tar().symlink("a", "b").symlink("b", "a")
                .file("a/x", "loop").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("entry 'a/x'").hasMessageContaining("symlinks");
    }

    @Test
    void hardLinkToOutsideFileIsRefused() {
        assertThatThrownBy(() -> extract(tar().hardlink("h", "../sentinel/keep").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("entry 'h'").hasMessageContaining("does not exist");
        assertThatThrownBy(() -> extract(tar().hardlink("h", sentinel + "/keep").build()))
                .isInstanceOf(LayerException.class).hasMessageContaining("entry 'h'");
    }

    @Test
    void hardLinkThroughSymlinkToOutsideIsRefused() {
        assertThatThrownBy(() -> extract(tar().symlink("s", sentinel.toString())
                .hardlink("h", "s/keep").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("entry 'h'").hasMessageContaining("'s/keep' does not exist");
    }

    @Test
    void hardLinkToSymlinkLinksTheSymlinkItself() throws IOException {
        extract(tar().symlink("s", sentinel + "/keep").hardlink("h", "s").build());
        assertThat(Files.isSymbolicLink(target.resolve("h"))).isTrue();
        assertThat(Files.getAttribute(target.resolve("h"), "unix:ino", LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(Files.getAttribute(target.resolve("s"), "unix:ino",
                        LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void symlinkLaterReplacedByDirectory() throws IOException {
        extract(tar().symlink("a", sentinel.toString()).dir("a").file("a/keep", "inside").build());
        assertThat(Files.isDirectory(target.resolve("a"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(read("a/keep")).isEqualTo("inside");
    }

    @Test
    void directoryEntryReplacesLowerLayersSymlinkToOutside() throws IOException {
        Files.createSymbolicLink(target.resolve("etc"), sentinel);
        extract(tar().dir("etc").file("etc/keep", "inside").build());
        assertThat(Files.isDirectory(target.resolve("etc"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(read("etc/keep")).isEqualTo("inside");
    }

    @Test
    void lowerLayersSymlinkToOutsideIsResolvedInsideRoot() throws IOException {
        Files.createSymbolicLink(target.resolve("etc"), sentinel);
        extract(tar().file("etc/keep", "pwned").build());
        assertThat(read(sentinelRel + "/keep")).isEqualTo("pwned");
    }

    @Test
    void fileReplacesSymlinkInsteadOfWritingThroughIt() throws IOException {
        extract(tar().symlink("s", sentinel + "/keep").file("s", "replaced").build());
        assertThat(Files.isSymbolicLink(target.resolve("s"))).isFalse();
        assertThat(read("s")).isEqualTo("replaced");
    }

    @Test
    void whiteoutsCannotDeleteOutside() throws IOException {
        extract(tar().file("x", "x").file("../.wh.sentinel", "").build());
        extract(tar().symlink("a", base.toString()).file("a/.wh.sentinel", "")
                .file("a/sentinel/.wh.keep", "").build());
        extract(tar().symlink("b", sentinel.toString()).file("b/.wh..wh..opq", "").build());
        assertThat(read("x")).isEqualTo("x");
    }

    @Test
    void overlayWhiteoutsThroughSymlinkStayInside() {
        extract(tar().symlink("a", sentinel.toString()).file("a/.wh.keep", "").build(),
                ExtractOptions.defaults().withWhiteouts(WhiteoutMode.OVERLAY));
        assertThat(Files.exists(target.resolve(sentinelRel + "/keep"), LinkOption.NOFOLLOW_LINKS))
                .as("the whiteout device was made inside the target").isTrue();
    }

    @Test
    void devicesAreRefusedOrSkippedWhenNotAllowed() {
        byte[] tar = tar().charDevice("dev/mem", 1, 1).file("ok", "ok").build();
        assertThatThrownBy(() -> extract(tar, ExtractOptions.defaults()
                .withDevices(DevicePolicy.REFUSE)))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("entry 'dev/mem'").hasMessageContaining("device 1:1");
        ExtractResult r = extract(tar, ExtractOptions.defaults().withDevices(DevicePolicy.SKIP));
        assertThat(r.skipped()).isEqualTo(1);
        assertThat(target.resolve("dev/mem")).doesNotExist();
    }

    @Test
    void enormousNameIsRefused() {
        String longName = "d/".repeat(3000) + "x";
        assertThatThrownBy(() -> extract(tar().file(longName, "x").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("longer than the 4096");
        String longComponent = "n".repeat(300);
        assertThatThrownBy(() -> extract(tar().file(longComponent, "x").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("longer than 255 bytes");
    }

    @Test
    void hugePaxHeaderIsRefusedBeforeItIsBuffered() {
        String huge = "A".repeat(TarHeaderGuard.MAX_META + 1);
        assertThatThrownBy(() -> extract(tar().file("ok", "fine")
                .file("x", "x", 0644, Map.of("comment", huge)).build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("PAX header of").hasMessageContaining("hostile");
    }

    @Test
    void pathThroughRegularFileIsRefused() {
        assertThatThrownBy(() -> extract(tar().file("f", "file").file("f/x", "x").build()))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("entry 'f/x'").hasMessageContaining("'f' is a regular file");
    }

    @Test
    void overlayXattrsFromTheTarAreNotApplied() throws IOException {
        TestTars.requireRoot();
        extract(tar().file("f", "x", 0644, Map.of("SCHILY.xattr.trusted.overlay.redirect", "/etc"))
                .build());
        assertThat(Posix.xattr(target.resolve("f"), "trusted.overlay.redirect")).isNull();
    }

    @Test
    void truncatedTarIsRefusedWithClearError() {
        byte[] whole = tar().file("big", "y".repeat(10_000)).build();
        byte[] cut = Arrays.copyOf(whole, 3000);
        assertThatThrownBy(() -> extract(cut)).isInstanceOf(LayerException.class)
                .hasMessageContaining("big");
    }

    @Test
    void allHostileEntriesInOneLayerStayInside() throws IOException {
        byte[] tar = tar().symlink("root", "/").symlink("up", "../..")
                .file("root/" + sentinelRel + "/a", "1").file("up/" + sentinelRel + "/b", "2")
                .file("/../" + sentinelRel + "/c", "3").build();
        extract(tar);
        try (Stream<Path> s = Files.list(target.resolve(sentinelRel))) {
            List<String> names = s.map(p -> p.getFileName().toString()).sorted()
                    .collect(Collectors.toList());
            assertThat(names).containsExactly("a", "b", "c");
        }
        assertThat(new String(Files.readAllBytes(target.resolve(sentinelRel + "/c")),
                StandardCharsets.UTF_8)).isEqualTo("3");
    }
}
