package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.build.BuildFixture.Entry;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds end to end without a container backend: every instruction but RUN, the context, the cache. */
class ImageBuilderTest {

    @TempDir
    static Path tmp;
    static BuildFixture f;

    @BeforeAll
    static void store() {
        assertThat(ImageBuilder.isRoot()).as("these tests set file owners: run them as root (CI does)").isTrue();
        f = new BuildFixture(tmp, null);
    }

    static Path context(String dockerfile, String... files) {
        return f.context(dockerfile, files);
    }

    @Test
    void busyboxBaseIsOneLayerWithAppletLinksAndPasswd() {
        BuildResult r = f.build(tmp.resolve("busybox"));
        assertThat(r.stepsRun()).isZero();
        Map<String, Entry> layer = f.topLayer(r);
        assertThat(f.manifest(r).layers()).hasSize(1);
        assertThat(layer.get("bin/busybox").mode()).isEqualTo(0755);
        assertThat(layer.get("bin/sh").link()).isEqualTo("busybox");
        assertThat(layer.get("tmp/").mode()).isEqualTo(01777);
        assertThat(layer.get("etc/passwd").content()).contains("app:x:1000:1000");
        assertThat(layer.values()).allSatisfy(e -> {
            assertThat(e.uid()).isZero();
            assertThat(e.mtime()).isZero();
        });
        assertThat(f.config(r).config().cmd()).containsExactly("sh");
    }

    @Test
    void metadataInstructionsSetTheConfigWithEmptyLayerHistory() {
        Path ctx = context("""
                FROM busybox
                ENV A=1 B="two words"
                ENV C=${A}-x
                LABEL org.example.name="demo app" version=1
                USER app:staff
                EXPOSE 80 53/udp
                VOLUME ["/data", "/logs"]
                SHELL ["/bin/sh", "-ec"]
                ENTRYPOINT run --fast
                STOPSIGNAL SIGQUIT
                HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q localhost
                ONBUILD COPY . /src
                MAINTAINER someone@example.com
                """);
        BuildResult r = f.build(ctx, BuildOptions.defaults().withTags(List.of("meta:1")));
        ImageConfig config = f.config(r);
        ImageConfig.Config c = config.config();
        assertThat(c.env()).containsExactly("PATH=/bin", "A=1", "B=two words", "C=1-x");
        assertThat(c.labels()).containsEntry("org.example.name", "demo app").containsEntry("version", "1");
        assertThat(c.user()).isEqualTo("app:staff");
        assertThat(c.exposedPorts()).containsExactly("80/tcp", "53/udp");
        assertThat(c.volumes()).containsExactly("/data", "/logs");
        assertThat(c.shell()).containsExactly("/bin/sh", "-ec");
        assertThat(c.entrypoint()).containsExactly("/bin/sh", "-ec", "run --fast");
        assertThat(c.cmd()).as("ENTRYPOINT drops the base image's CMD").isEmpty();
        assertThat(c.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(c.healthcheck().test()).containsExactly("CMD-SHELL", "wget -q localhost");
        assertThat(c.healthcheck().interval()).isEqualTo(30_000_000_000L);
        assertThat(c.healthcheck().retries()).isEqualTo(3);
        assertThat(c.onBuild()).containsExactly("COPY . /src");
        assertThat(config.author()).isEqualTo("someone@example.com");
        assertThat(config.created()).isEqualTo("1970-01-01T00:00:00Z");
        List<ImageConfig.History> history = config.history();
        assertThat(history).hasSize(3 + 12);
        assertThat(history.subList(3, history.size())).allSatisfy(h -> assertThat(h.emptyLayer()).isTrue());
        assertThat(history.get(3).createdBy()).isEqualTo("ENV A=1 B=\"two words\"");
        assertThat(history.get(4).createdBy()).isEqualTo("ENV C=1-x");
        assertThat(history.get(12).createdBy()).isEqualTo("HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD wget -q localhost");
        assertThat(f.manifest(r).layers()).hasSize(1);
        assertThat(r.tags()).containsExactly("docker.io/library/meta:1");
    }

    @Test
    void cmdAfterEntrypointStaysAndEntrypointKeepsACmdOfThisStage() {
        BuildResult r = f.build(context("FROM busybox\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\n"));
        assertThat(f.config(r).config().cmd()).containsExactly("a");
        assertThat(f.config(r).config().entrypoint()).containsExactly("e");
        BuildResult shell = f.build(context("FROM busybox\nENTRYPOINT [\"e\"]\nCMD echo hi\n"));
        assertThat(f.config(shell).config().cmd()).containsExactly("/bin/sh", "-c", "echo hi");
    }

    @Test
    void onbuildTriggersRunWhenAnotherBuildStartsFromTheImage() {
        f.build(context("FROM busybox\nONBUILD COPY app.txt /app/\nONBUILD ENV TRIGGERED=yes\n"),
                BuildOptions.defaults().withTags(List.of("with-triggers")));
        BuildResult r = f.build(context("FROM with-triggers\nLABEL after=1\n", "app.txt", "from the child's context"));
        assertThat(f.config(r).config().env()).contains("TRIGGERED=yes");
        assertThat(f.config(r).config().onBuild()).as("triggers are not inherited").isEmpty();
        assertThat(f.layer(f.manifest(r).layers().get(1)).get("app/app.txt").content()).isEqualTo("from the child's context");
    }

    @Test
    void workdirIsCreatedRelativeToThePreviousAndOwnedByTheUser() {
        BuildResult r = f.build(context("FROM busybox\nUSER app\nWORKDIR /srv\nWORKDIR app/data\nWORKDIR /tmp\n"));
        assertThat(f.config(r).config().workingDir()).isEqualTo("/tmp");
        List<ImageConfig.History> h = f.config(r).history();
        assertThat(h.get(h.size() - 1).emptyLayer()).as("/tmp exists: no layer").isTrue();
        assertThat(f.manifest(r).layers()).hasSize(3);
        Map<String, Entry> second = f.layer(f.manifest(r).layers().get(2));
        assertThat(second.get("srv/app/data/").uid()).isEqualTo(1000);
        assertThat(second.get("srv/").uid()).as("existing parent keeps its owner").isEqualTo(1000);
    }

    @Test
    void copyFollowsDockersDestinationRules() throws IOException {
        Path ctx = context("""
                FROM busybox
                WORKDIR /w
                COPY a.txt /one/renamed.txt
                COPY a.txt /two/
                COPY a.txt rel
                COPY dir /three
                COPY dir/ /four/
                COPY *.txt /globbed/
                COPY a.txt dir/sub/b.txt /five/
                COPY a.txt /tmp
                """, "a.txt", "A", "b.txt", "B", "dir/x", "X", "dir/sub/b.txt", "SUB");
        BuildResult r = f.build(ctx);
        List<dev.stevedore.oci.image.Descriptor> layers = f.manifest(r).layers();
        assertThat(f.layer(layers.get(2)).get("one/renamed.txt").content()).isEqualTo("A");
        assertThat(f.layer(layers.get(3)).get("two/a.txt").content()).isEqualTo("A");
        assertThat(f.layer(layers.get(4)).get("w/rel").content()).as("relative to WORKDIR").isEqualTo("A");
        Map<String, Entry> three = f.layer(layers.get(5));
        assertThat(three).containsKeys("three/", "three/x", "three/sub/", "three/sub/b.txt").doesNotContainKey("three/dir/");
        assertThat(f.layer(layers.get(6))).containsKeys("four/x", "four/sub/b.txt");
        assertThat(f.layer(layers.get(7))).containsKeys("globbed/a.txt", "globbed/b.txt");
        assertThat(f.layer(layers.get(8))).containsKeys("five/a.txt", "five/b.txt");
        assertThat(f.layer(layers.get(9))).as("an existing directory takes the file inside").containsKey("tmp/a.txt");
        assertThat(f.layer(layers.get(9)).get("tmp/").mode()).isEqualTo(01777);
    }

    @Test
    void copyParentsKeepsTheSourcesPathsOrWhatFollowsADotSlash() throws IOException {
        Path ctx = context("""
                FROM busybox
                COPY --parents ./x/a.txt y/a.txt /parents/
                COPY --parents x/./deep/*.txt /pivot
                COPY --parents x/deep /tree/
                COPY x/a.txt y/a.txt /plain/
                """, "x/a.txt", "XA", "y/a.txt", "YA", "x/deep/b.txt", "B", "x/deep/c.txt", "C");
        BuildResult r = f.build(ctx);
        List<dev.stevedore.oci.image.Descriptor> layers = f.manifest(r).layers();
        Map<String, Entry> parents = f.layer(layers.get(1));
        assertThat(parents.get("parents/x/a.txt").content()).isEqualTo("XA");
        assertThat(parents.get("parents/y/a.txt").content()).isEqualTo("YA");
        assertThat(f.layer(layers.get(2))).as("only what follows /./").containsKeys("pivot/deep/b.txt",
                "pivot/deep/c.txt").doesNotContainKey("pivot/x/");
        assertThat(f.layer(layers.get(3))).as("a directory keeps its own name and parents")
                .containsKeys("tree/x/deep/", "tree/x/deep/b.txt", "tree/x/deep/c.txt");
        assertThat(f.layer(layers.get(4))).as("without --parents, one name").containsKey("plain/a.txt")
                .doesNotContainKey("plain/x/");
        assertThat(CopyStep.keptPath("./x/./y/*.txt", "x/y/a.txt")).isEqualTo("y/a.txt");
        assertThat(CopyStep.keptPath("/x/./", "x")).isEmpty();
        assertThat(CopyStep.keptPath("x/a.txt", "x/a.txt")).isEqualTo("x/a.txt");
    }

    @Test
    void copyWithSeveralSourcesNeedsADirectoryDestination() {
        Path ctx = context("FROM busybox\n\nCOPY a b /dest\n", "a", "1", "b", "2");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessage("Dockerfile:3: when COPY takes more than one file, the destination must be a directory and end with a / ('/dest' does not)");
    }

    @Test
    void missingSourceNamesPatternAndLine() {
        Path ctx = context("FROM busybox\nCOPY nope*.txt /x/\n", "a", "1");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessage("Dockerfile:2: COPY source 'nope*.txt' matches no file in the build context (or .dockerignore excludes it)");
    }

    @Test
    void sourcesCannotLeaveTheContext() throws IOException {
        Path ctx = context("FROM busybox\nCOPY ../secret /x\n");
        Files.writeString(ctx.getParent().resolve("secret"), "no");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessageStartingWith("Dockerfile:2: COPY source '../secret' is outside the build context");
        Path abs = context("FROM busybox\nCOPY /a.txt /etc/hostname /x/\n", "a.txt", "A");
        assertThatThrownBy(() -> f.build(abs)).hasMessageContaining("'/etc/hostname' matches no file in the build context");
        Path links = context("FROM busybox\nCOPY out in /x/\n", "inside.txt", "I");
        Files.createSymbolicLink(links.resolve("out"), Path.of("/etc/passwd"));
        Files.createSymbolicLink(links.resolve("in"), Path.of("inside.txt"));
        Map<String, Entry> layer = f.topLayer(f.build(links));
        assertThat(layer.get("x/out").link()).as("never followed out").isEqualTo("/etc/passwd");
        assertThat(layer.get("x/inside.txt").content()).as("followed inside").isEqualTo("I");
    }

    @Test
    void dockerignoreLeavesFilesOut() {
        Path ctx = context("FROM busybox\nCOPY . /app/\n", ".dockerignore", """
                # comment
                *.log
                /build
                ./secret/
                **/cache
                docs
                !docs/keep.md
                """, "main.txt", "m", "x.log", "l", "sub/y.log", "kept: not at the root", "build/out", "o",
                "secret/key", "k", "a/b/cache/c", "c", "docs/drop.md", "d", "docs/keep.md", "k");
        Map<String, Entry> layer = f.topLayer(f.build(ctx));
        assertThat(layer).containsKeys("app/main.txt", "app/sub/y.log", "app/docs/keep.md", "app/.dockerignore",
                "app/Dockerfile");
        assertThat(layer).doesNotContainKeys("app/x.log", "app/build/", "app/build/out", "app/secret/key",
                "app/a/b/cache/c", "app/docs/drop.md");
    }

    @Test
    void chownByNameAndChmod() {
        Path ctx = context("FROM busybox\nCOPY --chown=app:staff --chmod=640 f /home/app/\nCOPY --chown=1 f /d1/\n",
                "f", "F");
        BuildResult r = f.build(ctx);
        List<dev.stevedore.oci.image.Descriptor> layers = f.manifest(r).layers();
        Entry file = f.layer(layers.get(1)).get("home/app/f");
        assertThat(file.uid()).isEqualTo(1000);
        assertThat(file.gid()).isEqualTo(50);
        assertThat(file.mode()).isEqualTo(0640);
        assertThat(f.layer(layers.get(1)).get("home/app/").uid()).as("new directories are the chown user's").isEqualTo(1000);
        assertThat(f.layer(layers.get(2)).get("d1/f").gid()).as("a uid alone is also the gid").isEqualTo(1);
        Path bad = context("FROM busybox\nCOPY --chown=nobody f /x\n", "f", "F");
        assertThatThrownBy(() -> f.build(bad)).hasMessageStartingWith("Dockerfile:2: --chown user 'nobody' is not in the image's /etc/passwd");
    }

    @Test
    void heredocCopyAndLocalTarAdd() throws IOException {
        Path ctx = context("FROM busybox\nCOPY <<EOF /etc/motd\nhello\nEOF\nADD files.tgz /opt/\nADD plain.txt /opt/\n",
                "plain.txt", "P");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new GZIPOutputStream(bytes))) {
            TarArchiveEntry e = new TarArchiveEntry("pkg/readme");
            byte[] content = "inside the tar".getBytes();
            e.setSize(content.length);
            tar.putArchiveEntry(e);
            tar.write(content);
            tar.closeArchiveEntry();
        }
        Files.write(ctx.resolve("files.tgz"), bytes.toByteArray());
        BuildResult r = f.build(ctx);
        List<dev.stevedore.oci.image.Descriptor> layers = f.manifest(r).layers();
        assertThat(f.layer(layers.get(1)).get("etc/motd").content()).isEqualTo("hello\n");
        assertThat(f.layer(layers.get(2)).get("opt/pkg/readme").content()).isEqualTo("inside the tar");
        assertThat(f.layer(layers.get(3)).get("opt/plain.txt").content()).isEqualTo("P");
    }

    @Test
    void addOfAUrlRefusesWithoutNetwork() {
        Path ctx = context("FROM busybox\nADD --checksum=sha256:" + "0".repeat(64) + " https://example.com/x.tgz /x/\n");
        assertThatThrownBy(() -> f.build(ctx)).hasMessageStartingWith(
                "Dockerfile:2: ADD https://example.com/x.tgz needs the network, and this build has none");
    }

    @Test
    void multiStageCopiesFromStagesAndSkipsUnusedOnes() {
        Path ctx = context("""
                ARG BASE=busybox
                FROM ${BASE} AS build
                COPY src /out/
                FROM busybox AS broken
                COPY does-not-exist /
                FROM scratch
                COPY --from=build /out/ /app/
                COPY --from=0 /bin/busybox /bin/
                COPY --from=busybox /etc/passwd /etc/
                """, "src", "S");
        BuildResult r = f.build(ctx);
        assertThat(f.events).noneMatch(e -> e.contains("does-not-exist"));
        List<dev.stevedore.oci.image.Descriptor> layers = f.manifest(r).layers();
        assertThat(layers).hasSize(3);
        assertThat(f.layer(layers.get(0)).get("app/src").content()).isEqualTo("S");
        assertThat(f.layer(layers.get(1)).get("bin/busybox").mode()).isEqualTo(0755);
        assertThat(f.layer(layers.get(2)).get("etc/passwd").content()).contains("root:x:0:0");
        assertThatThrownBy(() -> f.build(ctx, BuildOptions.defaults().withTarget("broken")))
                .hasMessageStartingWith("Dockerfile:5: COPY source 'does-not-exist' matches no file");
        BuildResult build = f.build(ctx, BuildOptions.defaults().withTarget("build"));
        assertThat(f.manifest(build).layers()).hasSize(2);
    }

    @Test
    void buildArgsReachFromAndStagesAndUnusedOnesAreReported() {
        Path ctx = context("""
                ARG TAG=latest
                FROM busybox:${TAG}
                ARG TAG
                ARG MODE=debug
                ENV MODE=${MODE} TAG=${TAG}
                """);
        BuildResult r = f.build(ctx, BuildOptions.defaults().withBuildArgs(Map.of("MODE", "release", "EXTRA", "x")));
        assertThat(f.config(r).config().env()).contains("MODE=release", "TAG=latest");
        assertThat(f.warnings).anyMatch(w -> w.contains("[EXTRA]"));
    }

    @Test
    void unchangedRebuildRunsNothingAndTouchKeepsTheCache() throws IOException {
        Path ctx = context("FROM busybox\nENV X=1\nCOPY a /a\nCOPY b /b\nCMD [\"x\"]\n", "a", "A", "b", "B");
        BuildResult first = f.build(ctx);
        assertThat(first.stepsRun()).isEqualTo(4);
        BuildResult again = f.build(ctx);
        assertThat(again.stepsRun()).isZero();
        assertThat(again.stepsCached()).isEqualTo(4);
        assertThat(again.digest()).isEqualTo(first.digest());
        Files.setLastModifiedTime(ctx.resolve("b"), FileTime.from(Instant.now().plusSeconds(5)));
        BuildResult touched = f.build(ctx);
        assertThat(touched.stepsRun()).isZero();
        assertThat(touched.digest()).isEqualTo(first.digest());
        Files.writeString(ctx.resolve("b"), "B2");
        BuildResult changed = f.build(ctx);
        assertThat(f.events).containsExactly("cached FROM busybox", "cached ENV X=1", "cached COPY a /a", "running COPY b /b", "running CMD [\"x\"]");
        assertThat(changed.digest()).isNotEqualTo(first.digest());
        BuildResult noCache = f.build(ctx, BuildOptions.defaults().withNoCache(true));
        assertThat(noCache.stepsCached()).isZero();
        assertThat(noCache.digest()).isEqualTo(changed.digest());
    }

    @Test
    void anUnchangedRebuildWritesNothingButItsLeaseWhileANewTagIsWritten() throws Exception {
        Path ctx = context("FROM busybox\nCOPY a /a\nENV A=1\n", "a", "A");
        // The stat cache keeps the digests of files older than 50 ms only (a file changed within the same clock
        // tick could keep its stat data): younger ones would be hashed again, and kept, by the next build.
        Thread.sleep(100);
        BuildResult first = f.build(ctx, BuildOptions.defaults().withTags(List.of("unchanged:1")));
        Path index = f.store.root().resolve("index.json");
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(index, old);
        Map<Path, FileTime> before = modificationTimes(f.store.root());
        BuildResult again = f.build(ctx, BuildOptions.defaults().withTags(List.of("unchanged:1")));
        assertThat(again.stepsRun()).isZero();
        assertThat(again.digest()).isEqualTo(first.digest());
        Map<Path, FileTime> after = modificationTimes(f.store.root());
        assertThat(after.entrySet()).as("files and directories of the store changed or added, but for leases/")
                .filteredOn(e -> !e.getValue().equals(before.get(e.getKey()))).isEmpty();
        assertThat(before.keySet()).as("files and directories removed").isSubsetOf(after.keySet());
        f.build(ctx, BuildOptions.defaults().withTags(List.of("unchanged:1", "unchanged:2")));
        assertThat(Files.getLastModifiedTime(index)).isNotEqualTo(old);
        assertThat(f.store.names().resolve("unchanged:2").digest()).isEqualTo(first.digest());
        assertThat(f.store.names().resolve("unchanged:1").digest()).isEqualTo(first.digest());
    }

    @Test
    void aRebuildFromTheCacheTakesTheImageItWroteOrWritesItAgainWhenItIsGone() throws IOException {
        Path ctx = context("FROM busybox\nCOPY a /a\nLABEL x=1\n", "a", "A");
        Path outputs = f.store.root().resolve("build-cache/outputs");
        Files.createDirectories(outputs);
        List<Path> before = list(outputs);
        BuildResult first = f.build(ctx);
        List<Path> added = new java.util.ArrayList<>(list(outputs));
        added.removeAll(before);
        assertThat(added).hasSize(1);
        BuildResult cached = f.build(ctx);
        assertThat(cached.stepsRun()).isZero();
        assertThat(cached.digest()).isEqualTo(first.digest());
        assertThat(cached.config()).isEqualTo(first.config());
        assertThat(list(outputs)).hasSize(before.size() + 1);
        Files.delete(f.store.blobPath(first.digest()));
        BuildResult rewritten = f.build(ctx);
        assertThat(rewritten.digest()).isEqualTo(first.digest());
        assertThat(f.store.exists(first.digest())).isTrue();
        BuildResult labelled = f.build(ctx, BuildOptions.defaults().withLabels(Map.of("extra", "y")));
        assertThat(labelled.digest()).isNotEqualTo(first.digest());
        assertThat(f.config(labelled).config().labels()).containsEntry("extra", "y").containsEntry("x", "1");
        Files.writeString(added.get(0), "{\"manifest\":");
        assertThat(f.build(ctx).digest()).as("a damaged record is a miss").isEqualTo(first.digest());
    }

    private static List<Path> list(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** The modification time of everything under a store, except the leases each build takes and drops. */
    private static Map<Path, FileTime> modificationTimes(Path root) throws IOException {
        Map<Path, FileTime> times = new java.util.TreeMap<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (!p.startsWith(root.resolve("leases"))) {
                    times.put(p, Files.getLastModifiedTime(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
                }
            }
        }
        return times;
    }

    @Test
    void contentChangeWithTheSameMtimeIsSeen() throws IOException {
        Path ctx = context("FROM busybox\nCOPY a /a\n", "a", "one");
        FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(ctx.resolve("a"), old);
        BuildResult first = f.build(ctx);
        Files.writeString(ctx.resolve("a"), "two");
        Files.setLastModifiedTime(ctx.resolve("a"), old);
        BuildResult second = f.build(ctx);
        assertThat(second.stepsRun()).isEqualTo(1);
        assertThat(f.topLayer(second).get("a").content()).isEqualTo("two");
        assertThat(second.digest()).isNotEqualTo(first.digest());
    }

    @Test
    void sameInputsGiveTheSameDigestInAnotherStore() {
        Map<String, String> files = Map.of("Dockerfile", "FROM busybox\nWORKDIR /app\nCOPY . .\nENV A=1\n",
                "src/main.c", "int main() {}", "README", "r");
        Path ctx1 = f.context("repro1", files);
        BuildResult one = f.build(ctx1);
        BuildFixture other = new BuildFixture(tmp.resolve("other-store"), null);
        Path ctx2 = other.context("repro2", files);
        BuildResult two = other.build(ctx2);
        assertThat(two.digest()).isEqualTo(one.digest());
        assertThat(two.stepsCached()).isZero();
    }

    @Test
    void aCopyOfTheContextElsewhereHitsTheCacheAndLeavesNoCopiedFiles() throws IOException {
        Map<String, String> files = Map.of("Dockerfile", "FROM busybox\nCOPY . /app\nCMD [\"x\"]\n",
                "src/main.c", "int main() {}", "README", "r");
        BuildResult first = f.build(f.context("here", files));
        // Another directory has no stat cache yet: its files are hashed as they are copied, then the
        // cache is asked, and its hit makes the copy go.
        BuildResult second = f.build(f.context("there", files));
        assertThat(second.stepsRun()).isZero();
        assertThat(second.digest()).isEqualTo(first.digest());
        try (var left = Files.list(f.store.root().resolve("build-cache/tmp"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void sourceDateEpochSetsTimestamps() {
        Path ctx = context("FROM busybox\nCOPY a /a\n", "a", "A");
        Instant t = Instant.parse("2024-05-01T12:00:00Z");
        BuildResult r = f.build(ctx, BuildOptions.defaults().withCreated(t));
        assertThat(f.config(r).created()).isEqualTo("2024-05-01T12:00:00Z");
        assertThat(f.topLayer(r).get("a").mtime()).isEqualTo(t.toEpochMilli());
    }

    @Test
    void runWithoutABackendFailsClearly() {
        Path ctx = context("FROM busybox\nRUN echo hi\n");
        assertThatThrownBy(() -> f.build(ctx)).hasMessage(
                "Dockerfile:2: RUN needs a container backend, and none is available to this builder");
    }

    @Test
    void unknownBaseImageNamesTheLine() {
        Path ctx = context("# comment\nFROM nosuch:1.0\n");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessageStartingWith("Dockerfile:2: base image nosuch:1.0 is not in the store");
    }

    @Test
    void cachedLayersSurviveGc() {
        Path ctx = context("FROM busybox\nCOPY a /a\n", "a", "kept");
        BuildResult first = f.build(ctx);
        ContentStore.GcResult gc = f.store.gc();
        assertThat(gc.removed()).doesNotContain(first.manifest().digest(), f.manifest(first).layers().get(1).digest());
        assertThat(f.build(ctx).stepsRun()).isZero();
    }

    @Test
    void aFullyCachedRebuildLeavesTheCacheNameAsItIsAndStillSurvivesGc() {
        Path ctx = context("FROM busybox\nCOPY a /a\n", "a", "kept");
        BuildResult first = f.build(ctx);
        Descriptor named = f.store.names().resolve(BuildCache.NAME).descriptor();
        BuildResult again = f.build(ctx);
        assertThat(again.stepsRun()).isZero();
        assertThat(again.manifest()).isEqualTo(first.manifest());
        assertThat(f.store.names().resolve(BuildCache.NAME).descriptor()).isEqualTo(named);
        ContentStore.GcResult gc = f.store.gc();
        assertThat(gc.removed()).doesNotContain(first.manifest().digest(), f.manifest(first).layers().get(1).digest());
        assertThat(f.build(ctx).stepsRun()).isZero();
    }

    @Test
    void aRerunCopyReusesUnchangedFilesAndLeavesTheOldLayerAlone() throws IOException {
        Path ctx = context("FROM busybox\nCOPY src /src/\n", "src/same", "unchanged", "src/edit", "v1");
        BuildResult first = f.build(ctx);
        Files.writeString(ctx.resolve("src/edit"), "v2");
        BuildResult second = f.build(ctx);
        assertThat(f.topLayer(second).get("src/edit").content()).isEqualTo("v2");
        assertThat(f.topLayer(second).get("src/same").content()).isEqualTo("unchanged");
        assertThat(f.topLayer(first).get("src/edit").content()).isEqualTo("v1");
        LayerCacheView layers = new LayerCacheView(f);
        Path oldDir = layers.unpacked(first);
        Path newDir = layers.unpacked(second);
        assertThat(Files.readString(oldDir.resolve("src/edit"))).isEqualTo("v1");
        assertThat(Files.readString(newDir.resolve("src/edit"))).isEqualTo("v2");
        assertThat(Files.isSameFile(oldDir.resolve("src/same"), newDir.resolve("src/same"))).as("hard-linked").isTrue();
    }

    @Test
    void filesHashedAsTheyAreCopiedAreStillLinkedFromTheEarlierLayer() {
        String dockerfile = "FROM busybox\nCOPY src /src/\n";
        BuildResult first = f.build(f.context("linked1", Map.of("Dockerfile", dockerfile, "src/same", "unchanged",
                "src/edit", "v1")));
        // A new directory has no stat cache: its files are hashed while the step copies them, and the
        // unchanged one is hashed first when the earlier layer has it, to be linked instead of copied.
        BuildResult second = f.build(f.context("linked2", Map.of("Dockerfile", dockerfile, "src/same", "unchanged",
                "src/edit", "v2")));
        LayerCacheView layers = new LayerCacheView(f);
        assertThat(layers.unpacked(second).resolve("src/edit")).hasContent("v2");
        assertThat(layers.unpacked(first).resolve("src/edit")).hasContent("v1");
        assertThat(layers.unpacked(second).resolve("src/same")).hasContent("unchanged");
        try {
            assertThat(Files.isSameFile(layers.unpacked(first).resolve("src/same"), layers.unpacked(second).resolve("src/same")))
                    .as("hard-linked").isTrue();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The unpacked directory of an image's top layer. */
    record LayerCacheView(BuildFixture f) {
        Path unpacked(BuildResult r) {
            List<dev.stevedore.oci.Digest> ids = f.config(r).rootfs().diffIds();
            return new dev.stevedore.internal.store.LayerCache(f.store).path(ids.get(ids.size() - 1));
        }
    }

    @Test
    void addDownloadsWithChecksumWhenTheBuildHasNetwork() throws Exception {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        byte[] body = "downloaded".getBytes();
        server.createContext("/files/tool.txt", x -> {
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/tool.txt";
            String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(body));
            Path ctx = context("FROM busybox\nADD --checksum=sha256:" + sha + " " + url + " /opt/\n");
            BuildResult r = f.build(ctx, BuildOptions.defaults().withNetwork("host"));
            Entry e = f.topLayer(r).get("opt/tool.txt");
            assertThat(e.content()).isEqualTo("downloaded");
            assertThat(e.mode()).isEqualTo(0600);
            Path wrong = context("FROM busybox\nADD --checksum=sha256:" + "1".repeat(64) + " " + url + " /opt/\n");
            assertThatThrownBy(() -> f.build(wrong, BuildOptions.defaults().withNetwork("host")))
                    .hasMessageStartingWith("Dockerfile:2: ADD " + url + ": checksum mismatch: expected sha256:111");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void platformFlagsAndLinkAreAccepted() {
        Path ctx = context("FROM --platform=$BUILDPLATFORM busybox AS b\nCOPY --link a /a\n", "a", "A");
        BuildResult r = f.build(ctx);
        assertThat(f.config(r).architecture()).isEqualTo(Build.hostPlatform().architecture());
        assertThat(f.topLayer(r).get("a").content()).isEqualTo("A");
    }

    @Test
    void badExposeNamesTheLine() {
        Path ctx = context("FROM busybox\nEXPOSE 80\nEXPOSE http\n");
        assertThatThrownBy(() -> f.build(ctx)).hasMessage(
                "Dockerfile:3: EXPOSE 'http' is not a port: write PORT or PORT/tcp, PORT/udp, PORT/sctp");
    }

    @Test
    void labelsOfTheOptionsAndDockerfileOutsideTheContext() throws IOException {
        Path ctx = context("unused");
        Path dockerfile = tmp.resolve("elsewhere.Dockerfile");
        Files.writeString(dockerfile, "FROM busybox\nLABEL a=1\n");
        BuildResult r = f.build(ctx, BuildOptions.defaults().withDockerfile(dockerfile).withLabels(Map.of("b", "2")));
        assertThat(f.config(r).config().labels()).containsEntry("a", "1").containsEntry("b", "2");
    }

    @Test
    void copyFromAStageNamedByAVariableBuildsThatStage() {
        Path ctx = context("""
                ARG SRC=one
                FROM busybox AS one
                COPY a /a
                FROM scratch
                ARG SRC
                COPY --from=${SRC} /a /copied
                """, "a", "from stage one");
        BuildResult r = f.build(ctx);
        assertThat(f.topLayer(r).get("copied").content()).isEqualTo("from stage one");
    }
}
