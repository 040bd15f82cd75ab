package dev.stevedore.internal.archive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.store.BlobMismatchException;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.TestImages;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.docker.DockerArchiveManifest;
import dev.stevedore.oci.image.Annotations;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArchivesTest {

    @TempDir
    Path dir;

    private ContentStore store;
    private Descriptor busybox;

    @BeforeEach
    void buildBusybox() {
        store = ContentStore.open(dir.resolve("store"));
        busybox = TestImages.busybox(store, "busybox:1");
    }

    private ContentStore fresh() {
        return ContentStore.open(dir.resolve("fresh"));
    }

    @Test
    void layoutRoundTripKeepsDigestsAndNames() {
        Path layout = dir.resolve("layout");
        List<Descriptor> written = OciArchives.exportLayout(store, List.of("busybox:1"), layout);
        assertThat(written).singleElement().satisfies(d -> {
            assertThat(d.digest()).isEqualTo(busybox.digest());
            assertThat(d.annotations()).containsEntry(Annotations.REF_NAME, "docker.io/library/busybox:1");
        });
        ContentStore other = fresh();
        assertThat(OciArchives.importLayout(other, layout)).extracting(ImageNames.NamedImage::name, ImageNames.NamedImage::digest)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("docker.io/library/busybox:1", busybox.digest()));
        assertThat(other.blobs()).isEqualTo(store.blobs());
    }

    @Test
    void exportingIntoALayoutAddsAndReplacesByName() throws IOException {
        Path layout = dir.resolve("layout");
        OciArchives.exportLayout(store, List.of("busybox:1"), layout);
        store.names().tag("other:2", busybox);
        OciArchives.exportLayout(store, List.of("busybox:1", "other:2"), layout);
        Index index = OciJson.read(Files.readAllBytes(layout.resolve("index.json")), Index.class, "index");
        assertThat(index.manifests()).extracting(d -> d.annotations().get(Annotations.REF_NAME))
                .containsExactly("docker.io/library/busybox:1", "docker.io/library/other:2");
    }

    @Test
    void refusesToExportIntoADirectoryThatIsNoLayout() throws IOException {
        Path notLayout = Files.createDirectories(dir.resolve("home"));
        Files.writeString(notLayout.resolve("precious.txt"), "keep me");
        assertThatThrownBy(() -> OciArchives.exportLayout(store, List.of("busybox:1"), notLayout))
                .isInstanceOf(ArchiveException.class)
                .hasMessageContaining("is neither empty nor an OCI image layout");
        assertThat(notLayout.resolve("precious.txt")).hasContent("keep me");
    }

    @Test
    void ociArchiveRoundTripIsStreamingAndReproducible() {
        ByteArrayOutputStream first = new ByteArrayOutputStream();
        OciArchives.exportArchive(store, List.of("busybox:1"), first);
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        OciArchives.exportArchive(store, List.of(busybox.digest().toString()), second);
        assertThat(second.toByteArray()).as("same images, same bytes").isEqualTo(first.toByteArray());

        ContentStore other = fresh();
        List<ImageNames.NamedImage> imported = OciArchives.importArchive(other,
                new ByteArrayInputStream(first.toByteArray()), "test.tar");
        assertThat(imported).extracting(ImageNames.NamedImage::name).containsExactly("docker.io/library/busybox:1");
        assertThat(other.blobs()).isEqualTo(store.blobs());
        assertThat(other.gc().removed()).isEmpty();
    }

    @Test
    void ociArchiveWithACorruptBlobIsRefusedNamingBothDigests() throws IOException {
        Manifest manifest = OciJson.read(store.read(busybox.digest()), Manifest.class, "manifest");
        Digest config = manifest.config().digest();
        byte[] tar = rewrite(exportOci(), Map.of("blobs/sha256/" + config.encoded(), corrupt(store.read(config))));
        ContentStore other = fresh();
        assertThatThrownBy(() -> OciArchives.importArchive(other, new ByteArrayInputStream(tar), "bad.tar"))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("but " + config + " was expected");
        assertThat(other.names().list()).isEmpty();
        assertThat(other.exists(config)).isFalse();
    }

    @Test
    void ociArchiveMissingABlobIsRefusedAndNamesNothing() throws IOException {
        Manifest manifest = OciJson.read(store.read(busybox.digest()), Manifest.class, "manifest");
        Digest layer = manifest.layers().get(0).digest();
        byte[] tar = rewrite(exportOci(), Map.of("blobs/sha256/" + layer.encoded(), new byte[0]));
        ContentStore other = fresh();
        assertThatThrownBy(() -> OciArchives.importArchive(other, new ByteArrayInputStream(tar), "partial.tar"))
                .isInstanceOf(ArchiveException.class)
                .hasMessage("partial.tar lacks blob " + layer + " (" + manifest.layers().get(0).mediaType()
                        + ") that its images refer to");
        assertThat(other.names().list()).isEmpty();
        other.gc();
        assertThat(other.blobs()).as("what the failed import wrote is garbage").isEmpty();
    }

    @Test
    void truncatedArchiveIsRefused() {
        byte[] tar = exportOci();
        byte[] cut = java.util.Arrays.copyOf(tar, tar.length / 2);
        ContentStore other = fresh();
        assertThatThrownBy(() -> OciArchives.importArchive(other, new ByteArrayInputStream(cut), "cut.tar"))
                .isInstanceOf(ArchiveException.class)
                .hasMessageStartingWith("cut.tar: entry 'blobs/sha256/")
                .hasMessageEndingWith("the archive is truncated or corrupt");
        assertThat(other.root().resolve("ingest")).as("nothing of the cut blob left").isEmptyDirectory();
        assertThat(other.names().list()).isEmpty();
    }

    @Test
    void archiveEntriesClimbingOutAreRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry("../../etc/evil", true);
            e.setSize(1);
            tar.putArchiveEntry(e);
            tar.write('x');
            tar.closeArchiveEntry();
        }
        assertThatThrownBy(() -> DockerArchives.importArchive(fresh(), new ByteArrayInputStream(out.toByteArray()), "evil.tar"))
                .isInstanceOf(ArchiveException.class)
                .hasMessage("evil.tar: entry '../../etc/evil' points outside the archive");
    }

    @Test
    void dockerArchiveRoundTrip() throws IOException {
        store.names().tag("ghcr.io/org/bb:2", busybox);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DockerArchives.exportArchive(store, List.of("busybox:1", "ghcr.io/org/bb:2"), out);
        Map<String, byte[]> files = entries(out.toByteArray());
        DockerArchiveManifest manifest = OciJson.read(files.get("manifest.json"), DockerArchiveManifest.class, "m");
        assertThat(manifest.entries()).hasSize(2);
        assertThat(manifest.entries().get(0).repoTags()).containsExactly("busybox:1");
        assertThat(manifest.entries().get(1).repoTags()).containsExactly("ghcr.io/org/bb:2");
        assertThat(files).containsKey("repositories");
        assertThat(new String(files.get("repositories"), StandardCharsets.UTF_8))
                .contains("\"busybox\":{\"1\":").contains("\"ghcr.io/org/bb\":{\"2\":");
        assertThat(files.keySet().stream().filter(n -> n.endsWith("/layer.tar"))).as("shared layer written once").hasSize(1);

        ContentStore other = fresh();
        assertThat(DockerArchives.importArchive(other, new ByteArrayInputStream(out.toByteArray()), "docker.tar"))
                .extracting(ImageNames.NamedImage::name)
                .containsExactly("docker.io/library/busybox:1", "ghcr.io/org/bb:2");
        Manifest imported = OciJson.read(other.read(other.names().resolve("busybox:1").digest()), Manifest.class, "m");
        Manifest original = OciJson.read(store.read(busybox.digest()), Manifest.class, "m");
        assertThat(imported.config().digest()).isEqualTo(original.config().digest());
        assertThat(imported.layers().get(0).mediaType()).as("docker archives hold uncompressed tars")
                .isEqualTo("application/vnd.oci.image.layer.v1.tar");
        other.gc();
        assertThat(other.names().list()).hasSize(2);
    }

    @Test
    void dockerArchiveWithALayerThatDoesNotMatchTheConfigIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DockerArchives.exportArchive(store, List.of("busybox:1"), out);
        Map<String, byte[]> files = entries(out.toByteArray());
        String layer = files.keySet().stream().filter(n -> n.endsWith("/layer.tar")).findFirst().orElseThrow();
        byte[] tampered = rewrite(out.toByteArray(), Map.of(layer, corrupt(files.get(layer))));
        ContentStore other = fresh();
        assertThatThrownBy(() -> DockerArchives.importArchive(other, new ByteArrayInputStream(tampered), "t.tar"))
                .isInstanceOf(ArchiveException.class)
                .hasMessageContaining("t.tar: layer " + layer + " has diffID")
                .hasMessageContaining("but " + files.keySet().stream().filter(n -> n.endsWith(".json") && !n.contains("/")
                        && !n.equals("manifest.json")).findFirst().orElseThrow() + " says sha256:");
        assertThat(other.names().list()).isEmpty();
    }

    @Test
    void dockerArchiveLayersReachedThroughSymlinksAsDockerDedupesThem() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DockerArchives.exportArchive(store, List.of("busybox:1"), out);
        ByteArrayOutputStream linked = new ByteArrayOutputStream();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()));
                TarArchiveOutputStream writer = new TarArchiveOutputStream(linked)) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] content = in.readAllBytes();
                if (e.getName().endsWith("/layer.tar")) {
                    TarArchiveEntry shared = new TarArchiveEntry("shared/layer.tar");
                    shared.setSize(content.length);
                    writer.putArchiveEntry(shared);
                    writer.write(content);
                    writer.closeArchiveEntry();
                    TarArchiveEntry link = new TarArchiveEntry(e.getName(), TarArchiveEntry.LF_SYMLINK);
                    link.setLinkName("../shared/layer.tar");
                    writer.putArchiveEntry(link);
                } else {
                    writer.putArchiveEntry(e);
                    writer.write(content);
                }
                writer.closeArchiveEntry();
            }
        }
        ContentStore other = fresh();
        assertThat(DockerArchives.importArchive(other, new ByteArrayInputStream(linked.toByteArray()), "linked.tar"))
                .extracting(ImageNames.NamedImage::name).containsExactly("docker.io/library/busybox:1");
    }

    @Test
    void dockerArchiveWithoutManifestIsRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DockerArchives.exportArchive(store, List.of("busybox:1"), out);
        byte[] withoutManifest = rewrite(out.toByteArray(), Map.of("manifest.json", new byte[0]));
        assertThatThrownBy(() -> DockerArchives.importArchive(fresh(), new ByteArrayInputStream(withoutManifest), "x.tar"))
                .isInstanceOf(ArchiveException.class)
                .hasMessage("x.tar is not a complete docker archive: its manifest 'manifest.json' is missing");
    }

    @Test
    void exportOfAnUnknownImageNamesIt() {
        assertThatThrownBy(() -> OciArchives.exportArchive(store, List.of("nope"), new ByteArrayOutputStream()))
                .hasMessageContaining("no image named \"nope\"");
    }

    private byte[] exportOci() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OciArchives.exportArchive(store, List.of("busybox:1"), out);
        return out.toByteArray();
    }

    private static byte[] corrupt(byte[] content) {
        byte[] copy = content.clone();
        copy[copy.length / 2] ^= 1;
        return copy;
    }

    private static Map<String, byte[]> entries(byte[] tar) throws IOException {
        Map<String, byte[]> result = new LinkedHashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.isFile()) {
                    result.put(e.getName(), in.readAllBytes());
                }
            }
        }
        return result;
    }

    /** Copies a tar, replacing the content of some entries, and dropping those replaced by an empty array. */
    private static byte[] rewrite(byte[] tar, Map<String, byte[]> replacements) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar));
                TarArchiveOutputStream writer = new TarArchiveOutputStream(out)) {
            writer.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] content = replacements.containsKey(e.getName()) ? replacements.get(e.getName()) : in.readAllBytes();
                if (content.length == 0 && replacements.containsKey(e.getName())) {
                    continue;
                }
                e.setSize(e.isFile() ? content.length : 0);
                writer.putArchiveEntry(e);
                writer.write(content);
                writer.closeArchiveEntry();
            }
        }
        return out.toByteArray();
    }
}
