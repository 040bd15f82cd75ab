package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull and push against a real registry without authentication, over plain HTTP on 127.0.0.1. */
class RegistryClientTest {

    private static final Platform AMD64 = Platform.of("linux", "amd64", null);
    private static final Platform ARM64 = Platform.of("linux", "arm64", "v8");

    @TempDir
    static Path shared;

    static LocalRegistry registry;
    static RegistryClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRegistry() {
        registry = LocalRegistry.builder(shared.resolve("registry")).start();
        client = new RegistryClient(RegistryOptions.defaults());
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private ImageReference ref(String repositoryAndTag) {
        return ImageReference.parse(registry.host() + "/" + repositoryAndTag);
    }

    private ContentStore store(String name) {
        return ContentStore.open(dir.resolve(name));
    }

    @Test
    void pushesABusyboxImageAndPullsItIntoAFreshStore() throws IOException {
        ContentStore source = store("source");
        TestImages.Layer layer = TestImages.busyboxLayer();
        Descriptor image = TestImages.image(source, AMD64, List.of(layer));
        PushResult pushed = client.push(source, image, ref("test/busybox:1"), TransferListener.NONE);
        Manifest manifest = OciJson.read(source.read(image.digest()), Manifest.class, "manifest");
        assertThat(pushed.uploaded()).containsExactlyInAnyOrder(layer.descriptor().digest(), manifest.config().digest());

        ContentStore target = store("target");
        PullResult pulled = client.pull(ref("test/busybox:1"), target, TransferListener.NONE);

        assertThat(pulled.name()).isEqualTo(registry.host() + "/test/busybox:1");
        assertThat(pulled.image().digest()).isEqualTo(image.digest());
        assertThat(pulled.index()).isNull();
        assertThat(target.blobs()).containsExactlyInAnyOrder(image.digest(), manifest.config().digest(),
                layer.descriptor().digest());
        assertThat(Files.readAllBytes(target.blobPath(layer.descriptor().digest()))).isEqualTo(layer.bytes());
        assertThat(target.names().resolve("127.0.0.1:" + registry.port() + "/test/busybox:1").digest())
                .isEqualTo(image.digest());
        assertThat(client.resolve(ref("test/busybox:1"))).isEqualTo(image);

        PullResult again = client.pull(ref("test/busybox:1"), target, TransferListener.NONE);
        assertThat(again.downloaded()).as("a second pull finds every blob in the store").isEmpty();
        assertThat(again.present()).hasSize(2);
        assertThat(again.bytesDownloaded()).isZero();
    }

    @Test
    void pushingTheSameImageAgainUploadsNothing() {
        ContentStore source = store("source");
        Descriptor image = TestImages.image(source, AMD64, List.of(TestImages.randomLayer("a", 1000, 1)));
        client.push(source, image, ref("test/again:1"), TransferListener.NONE);
        PushResult second = client.push(source, image, ref("test/again:2"), TransferListener.NONE);
        assertThat(second.uploaded()).isEmpty();
        assertThat(second.present()).hasSize(2);
    }

    @Test
    void mountsBlobsFromAnotherRepositoryOfTheRegistry() {
        ContentStore source = store("source");
        Descriptor image = TestImages.image(source, AMD64, List.of(TestImages.randomLayer("m", 5000, 2)));
        client.push(source, image, ref("test/mount-a:1"), TransferListener.NONE);
        PushResult other = client.push(source, image, ref("test/mount-b:1"), TransferListener.NONE);
        assertThat(other.mounted()).as("config and layer mounted, not uploaded").hasSize(2);
        assertThat(other.uploaded()).isEmpty();
        ContentStore target = store("target");
        assertThat(client.pull(ref("test/mount-b:1"), target, TransferListener.NONE).downloaded()).hasSize(2);
    }

    @Test
    void mountsBlobsOfImagesTheStoreNamesFromAnotherRepositoryEvenInANewClient() {
        ContentStore source = store("source");
        Descriptor image = TestImages.image(source, AMD64, List.of(TestImages.randomLayer("n", 5000, 5)));
        client.push(source, image, ref("test/named-a:1"), TransferListener.NONE);
        ContentStore pulled = store("pulled");
        new RegistryClient(RegistryOptions.defaults()).pull(ref("test/named-a:1"), pulled, TransferListener.NONE);

        PushResult other = new RegistryClient(RegistryOptions.defaults())
                .push(pulled, image, ref("test/named-b:1"), TransferListener.NONE);
        assertThat(other.mounted()).as("the store's name says where the blobs came from").hasSize(2);
    }

    @Test
    void uploadsLargeBlobsInChunks() throws IOException {
        ContentStore source = store("source");
        TestImages.Layer big = TestImages.randomLayer("big", 3_500_000, 3);
        Descriptor image = TestImages.image(source, AMD64, List.of(big));
        RegistryClient chunked = new RegistryClient(RegistryOptions.defaults().withChunkSize(1 << 20));
        java.util.List<Long> progress = new java.util.concurrent.CopyOnWriteArrayList<>();
        PushResult pushed = chunked.push(source, image, ref("test/chunked:1"), new TransferListener() {
            @Override
            public void progress(Descriptor blob, long bytes, long total) {
                if (blob.digest().equals(big.descriptor().digest())) {
                    progress.add(bytes);
                }
            }
        });
        assertThat(pushed.uploaded()).contains(big.descriptor().digest());
        assertThat(progress).as("one step per 1 MiB chunk").containsSubsequence(1L << 20, 2L << 20, 3L << 20,
                (long) big.bytes().length);
        ContentStore target = store("target");
        client.pull(ref("test/chunked:1"), target, TransferListener.NONE);
        assertThat(Files.readAllBytes(target.blobPath(big.descriptor().digest()))).isEqualTo(big.bytes());
    }

    @Test
    void pushesAMultiPlatformIndexAndPullsThePlatformAskedFor() {
        ContentStore source = store("source");
        TestImages.Layer amdLayer = TestImages.randomLayer("amd", 2000, 10);
        TestImages.Layer armLayer = TestImages.randomLayer("arm", 2000, 11);
        Descriptor amd = TestImages.image(source, AMD64, List.of(amdLayer)).withPlatform(AMD64);
        Descriptor arm = TestImages.image(source, ARM64, List.of(armLayer)).withPlatform(ARM64);
        Descriptor index = TestImages.index(source, List.of(amd, arm));
        client.push(source, index, ref("test/multi:1"), TransferListener.NONE);

        ContentStore armStore = store("arm");
        RegistryClient armClient = new RegistryClient(RegistryOptions.defaults().withPlatform(Platform.of("linux", "arm64", null)));
        PullResult pulledArm = armClient.pull(ref("test/multi:1"), armStore, TransferListener.NONE);
        assertThat(pulledArm.index().digest()).isEqualTo(index.digest());
        assertThat(pulledArm.image().digest()).isEqualTo(arm.digest());
        assertThat(pulledArm.image().platform()).isEqualTo(ARM64);
        assertThat(armStore.exists(armLayer.descriptor().digest())).isTrue();
        assertThat(armStore.exists(amdLayer.descriptor().digest())).as("the other platform is not downloaded").isFalse();

        ContentStore amdStore = store("amd");
        PullResult pulledAmd = new RegistryClient(RegistryOptions.defaults().withPlatform(AMD64))
                .pull(ref("test/multi:1"), amdStore, TransferListener.NONE);
        assertThat(pulledAmd.image().digest()).isEqualTo(amd.digest());

        ContentStore all = store("all");
        PullResult pulledAll = new RegistryClient(RegistryOptions.defaults().withAllPlatforms(true))
                .pull(ref("test/multi:1"), all, TransferListener.NONE);
        assertThat(pulledAll.image().digest()).isEqualTo(index.digest());
        assertThat(all.exists(amdLayer.descriptor().digest()) && all.exists(armLayer.descriptor().digest())).isTrue();

        RegistryClient s390x = new RegistryClient(RegistryOptions.defaults().withPlatform(Platform.of("linux", "s390x", null)));
        assertThatThrownBy(() -> s390x.pull(ref("test/multi:1"), store("none"), TransferListener.NONE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no image for linux/s390x; it offers linux/amd64, linux/arm64/v8");
    }

    @Test
    void pullsADockerManifestListAndSchema2Manifests() {
        ContentStore source = store("source");
        List<Descriptor> entries = new java.util.ArrayList<>();
        for (Platform platform : List.of(AMD64, ARM64)) {
            TestImages.Layer layer = TestImages.randomLayer(platform.architecture(), 3000, platform.hashCode());
            source.put(layer.bytes(), null);
            byte[] config = ("{\"architecture\":\"" + platform.architecture() + "\",\"os\":\"linux\","
                    + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + layer.diffId() + "\"]}}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            source.put(config, null);
            Manifest manifest = new Manifest(2, MediaTypes.DOCKER_MANIFEST, null,
                    Descriptor.of(MediaTypes.DOCKER_CONFIG, config),
                    List.of(Descriptor.of(MediaTypes.DOCKER_LAYER_TAR, layer.bytes())), null, null, null);
            byte[] bytes = OciJson.write(manifest);
            source.put(bytes, null);
            entries.add(Descriptor.of(MediaTypes.DOCKER_MANIFEST, bytes).withPlatform(platform));
        }
        byte[] list = OciJson.write(new Index(2, MediaTypes.DOCKER_MANIFEST_LIST, null, entries, null, null, null));
        source.put(list, null);
        Descriptor listDescriptor = Descriptor.of(MediaTypes.DOCKER_MANIFEST_LIST, list);
        client.push(source, listDescriptor, ref("test/docker-list:1"), TransferListener.NONE);

        assertThat(client.resolve(ref("test/docker-list:1"))).isEqualTo(listDescriptor);
        PullResult pulled = new RegistryClient(RegistryOptions.defaults().withPlatform(ARM64))
                .pull(ref("test/docker-list:1"), store("target"), TransferListener.NONE);
        assertThat(pulled.index().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(pulled.image().mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(pulled.image().digest()).isEqualTo(entries.get(1).digest());
    }

    @Test
    void refusesABlobCorruptedOnTheRegistryAndKeepsTheStoreConsistent() throws IOException {
        ContentStore source = store("source");
        TestImages.Layer layer = TestImages.randomLayer("c", 200_000, 20);
        Descriptor image = TestImages.image(source, AMD64, List.of(layer));
        client.push(source, image, ref("test/corrupt:1"), TransferListener.NONE);
        Digest digest = layer.descriptor().digest();
        try (FileChannel data = FileChannel.open(registry.blobData(digest), StandardOpenOption.WRITE)) {
            data.write(java.nio.ByteBuffer.wrap(new byte[] {42, 42, 42}), 1000);
        }

        ContentStore target = store("target");
        assertThatThrownBy(() -> client.pull(ref("test/corrupt:1"), target, TransferListener.NONE))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("pull of blob " + digest)
                .hasMessageContaining("repository 'test/corrupt'")
                .hasMessageContaining("but " + digest + " was expected");
        assertThat(target.exists(digest)).isFalse();
        assertThat(target.names().list()).as("no name for a failed pull").isEmpty();
        try (Stream<Path> ingest = Files.list(target.root().resolve("ingest"))) {
            assertThat(ingest).as("no partial download of corrupt content is kept").isEmpty();
        }
        target.gc();
        assertThat(target.blobs()).as("gc leaves nothing behind once the lease is gone").isEmpty();
    }

    @Test
    void unknownManifestNamesTheRepositoryAndTheRegistryErrorCode() {
        assertThatThrownBy(() -> client.pull(ref("test/nothing:nope"), store("s"), TransferListener.NONE))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.code()).contains("MANIFEST_UNKNOWN");
                    assertThat(e.status()).isEqualTo(404);
                    assertThat(e.repository()).isEqualTo("test/nothing");
                })
                .hasMessageContaining("registry '" + registry.host() + "' repository 'test/nothing' answered HTTP 404"
                        + " MANIFEST_UNKNOWN: manifest unknown");
    }

    @Test
    void aMirrorIsTriedFirstAndTheRegistryServesWhenItFails() {
        ContentStore source = store("source");
        Descriptor image = TestImages.image(source, AMD64, List.of(TestImages.randomLayer("mirror", 100, 30)));
        client.push(source, image, ref("test/mirrored:1"), TransferListener.NONE);

        int closedPort = LocalRegistry.freePort();
        RegistryClient viaBrokenMirror = new RegistryClient(RegistryOptions.defaults()
                .withMirrors(registry.host(), List.of("127.0.0.1:" + closedPort)));
        assertThat(viaBrokenMirror.pull(ref("test/mirrored:1"), store("a"), TransferListener.NONE).source())
                .isEqualTo(registry.host());

        // The image named at an unreachable registry is served by its mirror.
        RegistryClient viaMirror = new RegistryClient(RegistryOptions.defaults()
                .withMirrors("127.0.0.1:" + closedPort, List.of(registry.host())));
        PullResult pulled = viaMirror.pull(ImageReference.parse("127.0.0.1:" + closedPort + "/test/mirrored:1"),
                store("b"), TransferListener.NONE);
        assertThat(pulled.source()).isEqualTo(registry.host());
        assertThat(pulled.image().digest()).isEqualTo(image.digest());
    }

    @Test
    void skopeoCopiesOurPushedImageToAnOciLayout() throws IOException {
        ContentStore source = store("source");
        TestImages.Layer layer = TestImages.busyboxLayer();
        Descriptor image = TestImages.image(source, AMD64, List.of(layer));
        client.push(source, image, ref("test/skopeo:1"), TransferListener.NONE);
        Path layout = dir.resolve("skopeo-layout");
        LocalRegistry.run(List.of("skopeo", "copy", "--src-tls-verify=false",
                "docker://" + registry.host() + "/test/skopeo:1", "oci:" + layout + ":copied"));
        assertThat(layout.resolve("blobs/sha256/" + layer.descriptor().digest().encoded()))
                .hasBinaryContent(layer.bytes());
        assertThat(Files.readString(layout.resolve("index.json"))).contains("\"copied\"");
        Set<String> blobs;
        try (Stream<Path> files = Files.list(layout.resolve("blobs/sha256"))) {
            blobs = Set.copyOf(files.map(p -> p.getFileName().toString()).toList());
        }
        assertThat(blobs).contains(image.digest().encoded());
    }
}
