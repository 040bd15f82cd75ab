package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scanned context: its tree, path lookups, and which content changes a reused digest still notices. */
class BuildContextTest {

    private static final FileTime OLD = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));

    @TempDir
    Path tmp;

    @Test
    void theTreeIsInNameOrderAndPathsLeadThroughIt() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.createDirectories(ctx.resolve("a/b"));
        Files.writeString(ctx.resolve("a/b/c"), "c");
        Files.writeString(ctx.resolve("a.txt"), "t");
        Files.writeString(ctx.resolve("a/z"), "z");
        Files.writeString(ctx.resolve("B"), "B");
        Files.createSymbolicLink(ctx.resolve("a/link"), Path.of("b"));
        Files.createDirectories(ctx.resolve("skip/deep"));
        Files.writeString(ctx.resolve("skip/deep/f"), "f");
        Files.createDirectories(ctx.resolve("out/keep"));
        Files.writeString(ctx.resolve("out/keep/k"), "k");
        Files.writeString(ctx.resolve("out/drop"), "d");
        BuildContext c = BuildContext.scan(ctx, DockerIgnore.parse("skip\nout\n!out/keep\n", ".dockerignore"),
                StatCache.load(tmp.resolve("s")));

        assertThat(c.tree(c.get("")).stream().map(BuildContext.Node::path)).containsExactly(
                "B", "a", "a/b", "a/b/c", "a/link", "a/z", "a.txt", "out", "out/keep", "out/keep/k");
        assertThat(c.get("a/b/c").kind()).isEqualTo(BuildContext.Kind.FILE);
        assertThat(c.get("a/b/c").name()).isEqualTo("c");
        assertThat(c.get("a/b").kind()).isEqualTo(BuildContext.Kind.DIRECTORY);
        assertThat(c.get("a/link").linkTarget()).isEqualTo("b");
        assertThat(c.get("").path()).isEmpty();
        assertThat(c.get("a/missing")).isNull();
        assertThat(c.get("a/z/under-a-file")).isNull();
        assertThat(c.get("skip")).as("ignored").isNull();
        assertThat(c.get("out/drop")).as("ignored, though its directory is taken back for what is kept").isNull();
        assertThat(c.match("a/*").stream().map(BuildContext.Node::path)).containsExactly("a/b", "a/link", "a/z");
        assertThat(c.match("a/link/c")).extracting(BuildContext.Node::path).containsExactly("a/b/c");
    }

    /** A scan that a second thread joins lists each directory once, into the tree one thread makes alone. */
    @Test
    void aScanSharedByTwoThreadsGivesTheSameTree() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("wide"));
        for (int d = 0; d < 30; d++) {
            Path dir = Files.createDirectories(ctx.resolve("d" + d + "/sub"));
            for (int f = 0; f < 20; f++) {
                Files.writeString(dir.resolve("f" + f), d + "/" + f);
                Files.writeString(dir.getParent().resolve("g" + f), "g" + f);
            }
        }
        BuildContext one = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(tmp.resolve("s1")));
        List<String> alone = one.tree(one.get("")).stream().map(BuildContext.Node::path).toList();
        for (int round = 0; round < 20; round++) {
            BuildContext.Scan scan = new BuildContext.Scan(ctx, () -> DockerIgnore.NONE,
                    () -> StatCache.load(tmp.resolve("s2")));
            Thread other = new Thread(scan);
            other.start();
            BuildContext shared = scan.result();
            assertThat(shared.tree(shared.get("")).stream().map(BuildContext.Node::path)).containsExactlyElementsOf(alone);
            other.join();
        }
        assertThat(alone).hasSize(30 * 2 + 30 * 40);
    }

    @Test
    void aContextThatCannotBeListedIsNamed() {
        Path missing = tmp.resolve("gone");
        assertThatThrownBy(() -> BuildContext.scan(missing, DockerIgnore.NONE, StatCache.load(tmp.resolve("s"))))
                .isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageStartingWith("cannot read the build context '" + missing + "'");
    }

    /**
     * A digest is reused while size, mtime, ctime and inode are those it was computed for. So a content
     * change is caught when it changes the size or the inode even though the mtime was put back, and
     * (through the ctime, which no tool can put back) an in-place rewrite of the same size too; what is not
     * caught is a change the kernel does not see in the stat data (a file system that keeps no ctime).
     */
    @Test
    void contentChangesThatPutTheMtimeBackAreCaught() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("longer"), "one");
        Files.writeString(ctx.resolve("replaced"), "one");
        Files.writeString(ctx.resolve("in-place"), "one");
        Files.writeString(ctx.resolve("touched"), "one");
        for (String f : List.of("longer", "replaced", "in-place", "touched")) {
            Files.setLastModifiedTime(ctx.resolve(f), OLD);
        }
        Thread.sleep(200); // setting the mtime set the ctime: let it age past the racy window
        Path cacheFile = tmp.resolve("stat");
        BuildContext first = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(cacheFile));
        first.hashAll(first.tree(first.get("")));
        first.saveStatCache();
        byte[] one = first.digest(first.get("longer"));

        Files.writeString(ctx.resolve("longer"), "one more");
        Files.setLastModifiedTime(ctx.resolve("longer"), OLD);
        Path next = Files.writeString(tmp.resolve("next"), "two");
        Files.setLastModifiedTime(next, OLD);
        Files.move(next, ctx.resolve("replaced"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(ctx.resolve("in-place"), "two");
        Files.setLastModifiedTime(ctx.resolve("in-place"), OLD);
        Files.setLastModifiedTime(ctx.resolve("touched"), FileTime.from(Instant.parse("2021-01-01T00:00:00Z")));
        Thread.sleep(200);

        StatCache reloaded = StatCache.load(cacheFile);
        BuildContext second = BuildContext.scan(ctx, DockerIgnore.NONE, reloaded);
        assertThat(second.hasDigest(second.get("longer"))).as("size changed").isFalse();
        assertThat(second.hasDigest(second.get("replaced"))).as("another inode").isFalse();
        assertThat(second.hasDigest(second.get("in-place"))).as("same size and inode, ctime changed").isFalse();
        assertThat(second.hasDigest(second.get("touched"))).as("mtime changed").isFalse();
        second.hashAll(second.tree(second.get("")));
        assertThat(second.digest(second.get("longer"))).isNotEqualTo(one);
        assertThat(second.digest(second.get("replaced"))).isNotEqualTo(one);
        assertThat(second.digest(second.get("in-place"))).isNotEqualTo(one);
        assertThat(second.digest(second.get("touched"))).as("a touch gives the same digest").isEqualTo(one);
        second.saveStatCache();

        BuildContext third = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(cacheFile));
        assertThat(third.tree(third.get(""))).allMatch(third::hasDigest);
    }

    @Test
    void manyFilesHashInParallelAndAFewOnTheCallingThreadAlike() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        for (int i = 0; i < 100; i++) {
            Files.writeString(ctx.resolve("f" + i), "content " + i);
        }
        BuildContext many = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(tmp.resolve("a")));
        many.hashAll(many.tree(many.get("")));
        BuildContext few = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(tmp.resolve("b")));
        for (int i = 0; i < 100; i++) {
            BuildContext.Node n = few.get("f" + i);
            few.hashAll(List.of(n, n));
            assertThat(few.digest(n)).isEqualTo(many.digest(many.get("f" + i)))
                    .isEqualTo(java.util.HexFormat.of().parseHex(
                            dev.stevedore.oci.Digest.sha256(("content " + i).getBytes()).encoded()));
        }
    }
}
