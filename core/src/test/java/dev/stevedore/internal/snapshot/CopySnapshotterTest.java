package dev.stevedore.internal.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerChange;
import dev.stevedore.internal.layer.LayerException;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.internal.store.BlobMismatchException;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.internal.store.TestLayers;
import dev.stevedore.internal.store.TestLayers.StoredLayer;
import dev.stevedore.oci.Digest;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopySnapshotterTest {

    @TempDir
    Path dir;

    private ContentStore store;
    private LayerCache cache;
    private Lease lease;
    private StoredLayer base;
    private StoredLayer top;

    @BeforeEach
    void twoLayers() throws IOException {
        assertThat(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))
                .as("unpacking layers in overlayfs form creates whiteout device nodes: these tests must run as root")
                .isEqualTo(0);
        store = ContentStore.open(dir.resolve("store"));
        cache = new LayerCache(store);
        lease = store.lease("test");
        Path one = Files.createDirectories(dir.resolve("one"));
        Files.writeString(one.resolve("a"), "a1");
        Files.createDirectories(one.resolve("d"));
        Files.writeString(one.resolve("d/b"), "b");
        Files.writeString(one.resolve("d/c"), "c");
        Files.createDirectories(one.resolve("e"));
        Files.writeString(one.resolve("e/f"), "f");
        Files.createSymbolicLink(one.resolve("link"), Path.of("d/c"));
        Files.setAttribute(one.resolve("d/c"), "unix:mode", 04750);
        base = TestLayers.fromDirectory(store, lease, one);

        Path two = Files.createDirectories(dir.resolve("two"));
        Files.writeString(two.resolve("a"), "a2");
        Files.createDirectories(two.resolve("e"));
        Files.createDirectories(two.resolve("d"));
        Files.writeString(two.resolve("e/g"), "g");
        top = TestLayers.fromChanges(store, lease, two, List.of(LayerChange.modified("a"),
                LayerChange.deleted("d/b"), LayerChange.opaque("e"), LayerChange.added("e/g")));
    }

    private List<Path> unpacked() {
        return List.of(cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), lease),
                cache.unpack(top.blob(), top.diffId(), ExtractOptions.defaults(), lease));
    }

    @Test
    void layerCacheUnpacksOnceByDiffIdKeepingWhiteoutsForOverlayfs() throws IOException {
        List<Path> layers = unpacked();
        assertThat(layers.get(1)).isEqualTo(store.root().resolve("layers/sha256/" + top.diffId().encoded()));
        assertThat(cache.contains(top.diffId())).isTrue();
        assertThat(Files.getAttribute(layers.get(1).resolve("d/b"), "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .as("whiteout kept as a 0/0 character device").isEqualTo(0020000);
        Object inode = Files.getAttribute(layers.get(0).resolve("a"), "unix:ino");
        assertThat(cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), lease)).isEqualTo(layers.get(0));
        assertThat(Files.getAttribute(layers.get(0).resolve("a"), "unix:ino")).as("not extracted again").isEqualTo(inode);
    }

    @Test
    void layerCacheIsSafeUnderConcurrentPreparation() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Path>> results = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            results.add(pool.submit(() -> cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), lease)));
        }
        for (Future<Path> f : results) {
            assertThat(f.get()).isEqualTo(cache.path(base.diffId()));
        }
        pool.shutdown();
        assertThat(Files.readString(cache.path(base.diffId()).resolve("d/c"))).isEqualTo("c");
        try (Stream<Path> leftovers = Files.list(store.root().resolve("layers/ingest"))) {
            assertThat(leftovers).as("no half-extracted copy left").isEmpty();
        }
    }

    @Test
    void layerCacheRefusesALayerWhoseTarDoesNotHaveTheConfigsDiffId() {
        Digest wrong = Digest.sha256(new byte[] {42});
        assertThatThrownBy(() -> cache.unpack(base.blob(), wrong, ExtractOptions.defaults(), lease))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("has digest " + base.diffId() + " but " + wrong + " was expected");
        assertThat(cache.contains(wrong)).isFalse();
        assertThat(cache.contains(base.diffId())).isFalse();
    }

    @Test
    void gcKeepsUnpackedLayersThatALeaseOrANamedImageHoldsAndRemovesTheOthers() {
        Path baseDir = cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), null);
        Path topDir;
        try (Lease container = store.lease("container")) {
            topDir = cache.unpack(top.blob(), top.diffId(), ExtractOptions.defaults(), container);
            lease.close();
            ContentStore.GcResult result = store.gc();
            assertThat(result.layersRemoved()).containsExactly(base.diffId());
            assertThat(baseDir).doesNotExist();
            assertThat(topDir).isDirectory();
            assertThat(result.removed()).as("the container's lease names diffIDs, not the blobs")
                    .contains(base.blob().digest(), top.blob().digest());
        }
        assertThat(store.gc().layersRemoved()).containsExactly(top.diffId());
        assertThat(topDir).doesNotExist();
        try (Stream<Path> leftovers = Files.list(store.root().resolve("layers/ingest"))) {
            assertThat(leftovers).isEmpty();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void gcKeepsTheUnpackedLayersOfNamedImages() {
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + base.diffId() + "\"]}}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        dev.stevedore.oci.image.Descriptor configDescriptor = dev.stevedore.oci.image.Descriptor.of(
                dev.stevedore.oci.image.MediaTypes.IMAGE_CONFIG, store.put(config, lease), config.length);
        byte[] manifest = dev.stevedore.oci.OciJson.write(dev.stevedore.oci.image.Manifest.of(configDescriptor, List.of(base.blob())));
        store.names().tag("named", dev.stevedore.oci.image.Descriptor.of(dev.stevedore.oci.image.MediaTypes.IMAGE_MANIFEST,
                store.put(manifest, lease), manifest.length));
        Path baseDir = cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), null);
        Path topDir = cache.unpack(top.blob(), top.diffId(), ExtractOptions.defaults(), null);
        lease.close();
        assertThat(store.gc().layersRemoved()).containsExactly(top.diffId());
        assertThat(baseDir).isDirectory();
        assertThat(topDir).doesNotExist();
    }

    @Test
    void layerCacheRefusesABlobDamagedOnDisk() throws IOException {
        Path blob = store.blobPath(base.blob().digest());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 5] ^= 1;
        Files.write(blob, bytes);
        assertThatThrownBy(() -> cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), lease))
                .isInstanceOf(LayerException.class)
                .hasMessageStartingWith("cannot unpack layer " + base.blob().digest() + " of store '" + store.root() + "'");
        assertThat(cache.contains(base.diffId())).isFalse();
        try (Stream<Path> leftovers = Files.list(store.root().resolve("layers/ingest"))) {
            assertThat(leftovers).isEmpty();
        }
    }

    @Test
    void layerCacheRefusesABlobWithFlippedBytesThatStillDecompresses() throws IOException {
        Path blob = store.blobPath(base.blob().digest());
        byte[] bytes = Files.readAllBytes(blob);
        // The gzip header's mtime field: the stream still decompresses, only the digest catches it.
        bytes[5] ^= 1;
        Files.write(blob, bytes);
        assertThatThrownBy(() -> cache.unpack(base.blob(), base.diffId(), ExtractOptions.defaults(), lease))
                .isInstanceOf(LayerException.class)
                .hasMessageContaining("cannot unpack layer " + base.blob().digest())
                .hasMessageContaining("but " + base.blob().digest() + " was expected");
        assertThat(cache.contains(base.diffId())).isFalse();
    }

    @Test
    void prepareCopiesTheChainApplyingWhiteoutsAndReturnsABindMount() throws IOException {
        CopySnapshotter snapshotter = new CopySnapshotter();
        Path snapshot = dir.resolve("snap");
        List<RootfsMount> mounts = snapshotter.prepare(snapshot, unpacked(), false);
        Path rootfs = snapshot.resolve("rootfs");
        assertThat(mounts).containsExactly(new RootfsMount("bind", rootfs.toString(), List.of("rbind", "rw")));
        assertThat(rootfs.resolve("a")).hasContent("a2");
        assertThat(rootfs.resolve("d/b")).as("whited out").doesNotExist();
        assertThat(rootfs.resolve("d/c")).hasContent("c");
        assertThat((Integer) Files.getAttribute(rootfs.resolve("d/c"), "unix:mode") & 07777).as("setuid kept").isEqualTo(04750);
        assertThat(rootfs.resolve("e/f")).as("hidden by the opaque directory").doesNotExist();
        assertThat(rootfs.resolve("e/g")).hasContent("g");
        assertThat(Files.readSymbolicLink(rootfs.resolve("link"))).isEqualTo(Path.of("d/c"));
        assertThat(snapshotter.prepare(dir.resolve("ro"), unpacked(), true).get(0).options()).containsExactly("rbind", "ro");

        snapshotter.remove(snapshot);
        assertThat(snapshot).doesNotExist();
        snapshotter.remove(snapshot);
    }

    @Test
    void viewShowsTheSnapshotAsItIsNowWithoutMounting() throws IOException {
        List<Path> layers = unpacked();
        RootfsView image = new RootfsView(layers);
        assertThat(image.readText("/a")).contains("a2");
        assertThat(image.lookup("/d/b", false)).as("whited out by the upper layer").isEmpty();
        assertThat(image.list("/e")).as("the opaque directory hides the lower f").containsExactly("g");

        CopySnapshotter snapshotter = new CopySnapshotter();
        Path snapshot = dir.resolve("snap");
        snapshotter.prepare(snapshot, layers, false);
        Files.writeString(snapshot.resolve("rootfs/a"), "changed");
        Files.delete(snapshot.resolve("rootfs/d/c"));
        RootfsView view = new RootfsView(snapshotter.view(snapshot, layers));
        assertThat(view.readText("/a")).contains("changed");
        assertThat(view.readText("/link")).as("the link's target was deleted").isEmpty();
        assertThat(view.list("/d")).isEmpty();
        assertThat(view.readText("/e/g")).contains("g");
    }

    @Test
    void writeChangesCapturesAdditionsModificationsAndDeletions() throws IOException {
        CopySnapshotter snapshotter = new CopySnapshotter();
        Path snapshot = dir.resolve("snap");
        List<Path> layers = unpacked();
        snapshotter.prepare(snapshot, layers, false);
        Path rootfs = snapshot.resolve("rootfs");
        Files.writeString(rootfs.resolve("new"), "new");
        Files.writeString(rootfs.resolve("e/g"), "G");
        Files.delete(rootfs.resolve("d/c"));
        Files.delete(rootfs.resolve("link"));
        Files.setPosixFilePermissions(rootfs.resolve("a"), PosixFilePermissions.fromString("rwx------"));

        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        snapshotter.writeChanges(snapshot, layers, tar);
        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
            }
        }
        assertThat(names).contains("a", "new", "e/g", "d/.wh.c", ".wh.link").doesNotContain("d/b", "e/f");

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        snapshotter.writeChanges(snapshot, layers, again);
        assertThat(again.toByteArray()).as("reproducible").isEqualTo(tar.toByteArray());

        Path check = dir.resolve("check");
        snapshotter.prepare(check, layers, false);
        LayerExtractor.extract(new ByteArrayInputStream(tar.toByteArray()), check.resolve("rootfs"), ExtractOptions.defaults());
        assertThat(check.resolve("rootfs/new")).hasContent("new");
        assertThat(check.resolve("rootfs/e/g")).hasContent("G");
        assertThat(check.resolve("rootfs/d/c")).doesNotExist();
        assertThat(check.resolve("rootfs/link")).doesNotExist();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(check.resolve("rootfs/a")))).isEqualTo("rwx------");
    }

    @Test
    void anUnchangedSnapshotHasNoChanges() throws IOException {
        CopySnapshotter snapshotter = new CopySnapshotter();
        Path snapshot = dir.resolve("snap");
        List<Path> layers = unpacked();
        snapshotter.prepare(snapshot, layers, false);
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        snapshotter.writeChanges(snapshot, layers, tar);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            assertThat(in.getNextEntry()).isNull();
        }
    }

    @Test
    void aDirectoryReplacedByAFileNeedsNoWhiteoutsBelowIt() throws IOException {
        CopySnapshotter snapshotter = new CopySnapshotter();
        Path snapshot = dir.resolve("snap");
        List<Path> layers = unpacked();
        snapshotter.prepare(snapshot, layers, false);
        Path rootfs = snapshot.resolve("rootfs");
        Files.delete(rootfs.resolve("d/c"));
        Files.delete(rootfs.resolve("d"));
        Files.writeString(rootfs.resolve("d"), "now a file");
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        snapshotter.writeChanges(snapshot, layers, tar);
        Path check = dir.resolve("check");
        snapshotter.prepare(check, layers, false);
        LayerExtractor.extract(new ByteArrayInputStream(tar.toByteArray()), check.resolve("rootfs"), ExtractOptions.defaults());
        assertThat(check.resolve("rootfs/d")).isRegularFile().hasContent("now a file");
    }

    @Test
    void isFoundByServiceLoaderAsCopy() {
        assertThat(ServiceLoader.load(Snapshotter.class).stream().map(p -> p.get().name())).contains("copy");
        assertThat(new CopySnapshotter().unavailableReason(dir.resolve("not/yet"))).isNull();
    }

    @Test
    void refusesSomethingThatIsNoUnpackedLayer() {
        assertThatThrownBy(() -> new CopySnapshotter().prepare(dir.resolve("s"), List.of(dir.resolve("missing")), false))
                .hasMessageContaining("'" + dir.resolve("missing") + "' is not an unpacked layer directory");
    }
}
