package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Content digests are reused only for unchanged stat data, survive a restart, and are not trusted when fresh. */
class StatCacheTest {

    @TempDir
    Path tmp;

    @Test
    void roundTripAndStatMismatch() {
        Path file = tmp.resolve("cache");
        StatCache c = StatCache.load(file);
        StatCache.Stat stat = new StatCache.Stat(3, 10, 20, 99);
        byte[] digest = new byte[32];
        digest[0] = 7;
        c.put("a/b", stat, digest, true);
        c.put("gone", stat, digest, true);
        c.save(java.util.Set.of("a/b"));
        assertThat(c.get("gone", stat)).as("dropped from memory too").isNull();
        assertThat(c.get("a/b", stat)).isEqualTo(digest);
        StatCache again = StatCache.load(file);
        assertThat(again.get("a/b", stat)).isEqualTo(digest);
        assertThat(again.get("a/b", new StatCache.Stat(3, 11, 20, 99))).as("mtime changed").isNull();
        assertThat(again.get("a/b", new StatCache.Stat(3, 10, 21, 99))).as("ctime changed").isNull();
        assertThat(again.get("a/b", new StatCache.Stat(3, 10, 20, 98))).as("another inode").isNull();
        assertThat(again.get("gone", stat)).as("no longer in the context").isNull();
    }

    @Test
    void aDamagedFileIsAnEmptyCache() throws Exception {
        Path file = tmp.resolve("cache");
        Files.write(file, new byte[] {'S', 'T', 'C', '1', 0, 0, 0, 5, 1});
        assertThat(StatCache.load(file).get("x", new StatCache.Stat(0, 0, 0, 0))).isNull();
    }

    @Test
    void aCacheCutShortIsAnEmptyCache() throws Exception {
        Path file = tmp.resolve("cache");
        StatCache c = StatCache.load(file);
        c.put("a", new StatCache.Stat(1, 2, 3, 4), new byte[32], true);
        c.put("b", new StatCache.Stat(5, 6, 7, 8), new byte[32], true);
        c.save(List.of("a", "b"));
        assertThat(StatCache.load(file).get("b", new StatCache.Stat(5, 6, 7, 8))).isNotNull();
        byte[] whole = Files.readAllBytes(file);
        for (int cut : new int[] {whole.length - 1, whole.length - 40, 9}) {
            Files.write(file, java.util.Arrays.copyOf(whole, cut));
            StatCache damaged = StatCache.load(file);
            assertThat(damaged.get("a", new StatCache.Stat(1, 2, 3, 4))).as("cut at " + cut).isNull();
            assertThat(damaged.get("b", new StatCache.Stat(5, 6, 7, 8))).as("cut at " + cut).isNull();
        }
    }

    @Test
    void contextHashesOldFilesOnceAndFreshFilesAgain() throws Exception {
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("old"), "old");
        Files.setLastModifiedTime(ctx.resolve("old"), FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
        Thread.sleep(200); // setting the mtime set the ctime: let it age past the racy window
        Path cacheFile = tmp.resolve("stat");
        BuildContext first = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(cacheFile));
        first.hashAll(List.of(first.get("old")));
        first.saveStatCache();
        Files.writeString(ctx.resolve("fresh"), "fresh");
        BuildContext second = BuildContext.scan(ctx, DockerIgnore.NONE, StatCache.load(cacheFile));
        StatCache reloaded = StatCache.load(cacheFile);
        assertThat(reloaded.get("old", second.get("old").stat())).as("kept across builders").isNotNull();
        second.hashAll(List.of(second.get("fresh")));
        second.saveStatCache();
        assertThat(StatCache.load(cacheFile).get("fresh", second.get("fresh").stat()))
                .as("a file changed just before hashing is hashed again next time").isNull();
    }
}
