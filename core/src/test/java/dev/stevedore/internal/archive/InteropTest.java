package dev.stevedore.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.TestImages;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What we write, the reference tools read; what they write, we read. */
class InteropTest {

    private static final String NAME = "docker.io/library/busybox:latest";

    @TempDir
    Path dir;

    private ContentStore store;
    private Descriptor busybox;

    @BeforeEach
    void buildBusybox() {
        store = ContentStore.open(dir.resolve("store"));
        busybox = TestImages.busybox(store, "busybox");
    }

    @Test
    void theStoreItselfIsALayoutSkopeoAndUmociRead() {
        String root = store.root().toString();
        assertThat(Tool.run("skopeo", "inspect", "oci:" + root + ":" + NAME).succeeded("skopeo inspect").output())
                .contains(busybox.digest().toString());
        assertThat(Tool.run("umoci", "ls", "--layout", root).succeeded("umoci ls").output().trim()).isEqualTo(NAME);
    }

    @Test
    void umociUnpacksAndOciImageToolValidatesOurLayout() throws IOException {
        Path layout = dir.resolve("layout");
        OciArchives.exportLayout(store, List.of("busybox"), layout);
        Tool.run("oci-image-tool", "validate", "--type", "image", layout.toString()).succeeded("oci-image-tool validate");
        Tool.run("oci-image-tool", "validate", "--type", "image", "--ref", "name=" + NAME, layout.toString())
                .succeeded("oci-image-tool validate --ref");
        Path bundle = dir.resolve("bundle");
        Tool.run("umoci", "unpack", "--image", layout + ":" + NAME, bundle.toString()).succeeded("umoci unpack");
        assertThat(bundle.resolve("rootfs/bin/busybox")).isRegularFile().hasSameBinaryContentAs(TestImages.BUSYBOX);
        assertThat(Files.readSymbolicLink(bundle.resolve("rootfs/bin/sh"))).isEqualTo(Path.of("busybox"));
        assertThat(Files.readString(bundle.resolve("config.json"))).contains("\"echo hello\"");
        assertThat(layout).isDirectoryNotContaining(p -> p.getFileName().toString().matches("ingest|leases|locks|layers"));
    }

    @Test
    void skopeoCopiesFromOurLayoutAndWeImportWhatItWrites() {
        Path ours = dir.resolve("ours");
        OciArchives.exportLayout(store, List.of("busybox"), ours);
        Path theirs = dir.resolve("theirs");
        Tool.run("skopeo", "copy", "oci:" + ours + ":" + NAME, "oci:" + theirs + ":copied:1").succeeded("skopeo copy");

        ContentStore fresh = ContentStore.open(dir.resolve("fresh"));
        List<ImageNames.NamedImage> imported = OciArchives.importLayout(fresh, theirs);
        assertThat(imported).extracting(ImageNames.NamedImage::name).containsExactly("docker.io/library/copied:1");
        assertSameImage(fresh, "copied:1");
    }

    @Test
    void ociArchivesBothWays() throws IOException {
        Path archive = dir.resolve("ours.tar");
        try (OutputStream out = Files.newOutputStream(archive)) {
            OciArchives.exportArchive(store, List.of("busybox"), out);
        }
        Path copied = dir.resolve("skopeo.tar");
        Tool.run("skopeo", "copy", "oci-archive:" + archive + ":" + NAME, "oci-archive:" + copied + ":again:2")
                .succeeded("skopeo copy oci-archive");
        ContentStore fresh = ContentStore.open(dir.resolve("fresh"));
        try (InputStream in = Files.newInputStream(copied)) {
            assertThat(OciArchives.importArchive(fresh, in, copied.toString()))
                    .extracting(ImageNames.NamedImage::name).containsExactly("docker.io/library/again:2");
        }
        assertSameImage(fresh, "again:2");
    }

    @Test
    void dockerArchivesBothWays() throws IOException {
        Path archive = dir.resolve("docker.tar");
        try (OutputStream out = Files.newOutputStream(archive)) {
            DockerArchives.exportArchive(store, List.of("busybox"), out);
        }
        assertThat(Tool.run("skopeo", "inspect", "docker-archive:" + archive).succeeded("skopeo inspect docker-archive")
                .output()).contains(diffId(store, "busybox"));
        Path viaSkopeo = dir.resolve("skopeo-oci");
        Tool.run("skopeo", "copy", "docker-archive:" + archive + ":busybox:latest", "oci:" + viaSkopeo + ":x")
                .as("skopeo finds the image by its RepoTag").succeeded("skopeo copy");
        Path bundle = dir.resolve("bundle");
        Tool.run("umoci", "unpack", "--image", viaSkopeo + ":x", bundle.toString()).succeeded("umoci unpack");
        assertThat(bundle.resolve("rootfs/bin/busybox")).hasSameBinaryContentAs(TestImages.BUSYBOX);

        Path theirs = dir.resolve("skopeo-docker.tar");
        Tool.run("skopeo", "copy", "oci:" + store.root() + ":" + NAME, "docker-archive:" + theirs + ":mine/bb:3")
                .succeeded("skopeo copy to docker-archive");
        ContentStore fresh = ContentStore.open(dir.resolve("fresh"));
        try (InputStream in = Files.newInputStream(theirs)) {
            assertThat(DockerArchives.importArchive(fresh, in, theirs.toString()))
                    .extracting(ImageNames.NamedImage::name).containsExactly("docker.io/mine/bb:3");
        }
        assertSameImage(fresh, "mine/bb:3");
    }

    @Test
    void conformanceSuiteFindsNoFailureInAnExportedImage() {
        Path script = Conformance.imageLayoutScript();
        Path layout = dir.resolve("conformance");
        OciArchives.exportLayout(store, List.of("busybox"), layout);
        Tool.Result result = Tool.run(java.util.Map.of("RUN", "1", "PODMAN", "0", "RUN_EXPECT", "^hello$",
                        "WORKDIR", Path.of(System.getProperty("java.io.tmpdir"), "stevedore-image-layout-check").toString()),
                List.of("bash", script.toString(), layout.toString()));
        String[] lines = result.output().trim().split("\n");
        String summary = lines[lines.length - 1];
        assertThat(summary).as("conformance summary; full output:\n%s", result.output())
                .matches("[1-9][0-9]* passed, 0 failed.*");
        assertThat(result.output()).contains("PASS run/runc run");
    }

    /** The imported image has our config and a layer with our diffID, whatever its compression. */
    private void assertSameImage(ContentStore other, String name) {
        Descriptor manifest = other.names().resolve(name).descriptor();
        Manifest m = OciJson.read(other.read(manifest.digest()), Manifest.class, "manifest");
        Manifest original = OciJson.read(store.read(busybox.digest()), Manifest.class, "manifest");
        assertThat(m.config().digest()).isEqualTo(original.config().digest());
        ImageConfig config = OciJson.read(other.read(m.config().digest()), ImageConfig.class, "config");
        assertThat(config.config().cmd()).isEqualTo(TestImages.HELLO_CMD);
        assertThat(other.exists(m.layers().get(0).digest())).isTrue();
    }

    private static String diffId(ContentStore store, String name) {
        Manifest m = OciJson.read(store.read(store.names().resolve(name).digest()), Manifest.class, "manifest");
        return OciJson.read(store.read(m.config().digest()), ImageConfig.class, "config").rootfs().diffIds().get(0).toString();
    }
}
