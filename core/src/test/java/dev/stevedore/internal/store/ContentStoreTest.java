package dev.stevedore.internal.store;

import static dev.stevedore.internal.store.StoreFixtures.bytes;
import static dev.stevedore.internal.store.StoreFixtures.digestOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.MediaTypes;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {

    @TempDir
    Path dir;

    private ContentStore store() {
        return ContentStore.open(dir.resolve("store"));
    }

    private Path storeDir() {
        return dir.resolve("store");
    }

    @Test
    void createsAnOciImageLayout() throws IOException {
        store();
        assertThat(storeDir().resolve("oci-layout")).hasContent("{\"imageLayoutVersion\":\"1.0.0\"}");
        Index index = OciJson.read(Files.readAllBytes(storeDir().resolve("index.json")), Index.class, "index");
        assertThat(index.schemaVersion()).isEqualTo(2);
        assertThat(index.manifests()).isEmpty();
        assertThat(storeDir().resolve("blobs/sha256")).isDirectory();
        assertThat(store().names().list()).as("reopening keeps the layout").isEmpty();
    }

    @Test
    void refusesALayoutOfAnotherVersion() throws IOException {
        Files.createDirectories(storeDir());
        Files.writeString(storeDir().resolve("oci-layout"), "{\"imageLayoutVersion\":\"2.0.0\"}");
        assertThatThrownBy(this::store).hasMessageContaining(storeDir().resolve("oci-layout") + ".imageLayoutVersion: \"2.0.0\" is not supported");
    }

    @Test
    void theLayoutOpenedWithoutParsingIsExactlyTheOneWritten() {
        assertThat(ContentStore.CURRENT_LAYOUT).isEqualTo(OciJson.write(dev.stevedore.oci.image.ImageLayout.current()));
    }

    @Test
    void readsALayoutOtherToolsWroteInAnotherSpelling() throws IOException {
        Files.createDirectories(storeDir());
        Files.writeString(storeDir().resolve("oci-layout"), "{\n  \"imageLayoutVersion\": \"1.0.0\"\n}\n");
        assertThat(store().names().list()).isEmpty();
        Files.writeString(storeDir().resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.1.0\",\"x\":1}");
        assertThat(store().names().list()).isEmpty();
    }

    @Test
    void refusesAMalformedOrIncompleteLayoutFileNamingIt() throws IOException {
        Files.createDirectories(storeDir());
        Path layout = storeDir().resolve("oci-layout");
        Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"");
        assertThatThrownBy(this::store).hasMessageStartingWith(layout + ": the document ends too early");
        Files.writeString(layout, "{}");
        assertThatThrownBy(this::store).hasMessageContaining(layout + ".imageLayoutVersion: is required");
        Files.writeString(layout, "{\"imageLayoutVersion\":\"1.0.0\"} ");
        assertThat(store().names().list()).as("trailing white space is still the same document").isEmpty();
        Files.writeString(layout, "{\"imageLayoutVersion\":\"2.0.0\"} ");
        assertThatThrownBy(this::store).hasMessageContaining(layout + ".imageLayoutVersion: \"2.0.0\" is not supported");
    }

    @Test
    void writesAndReadsByDigest() throws IOException {
        ContentStore store = store();
        Digest digest = store.put(bytes("hello"), null);
        assertThat(digest).isEqualTo(digestOf("hello"));
        assertThat(store.exists(digest)).isTrue();
        assertThat(store.size(digest)).isEqualTo(5);
        assertThat(store.blobPath(digest)).isEqualTo(storeDir().resolve("blobs/sha256/" + digest.encoded()));
        try (InputStream in = store.open(digest)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes("hello"));
        }
        assertThat(store.read(digest)).isEqualTo(bytes("hello"));
        assertThat(store.blobs()).containsExactly(digest);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(store.blobPath(digest))))
                .as("blobs are readable by tools running as other users").isEqualTo("rw-r--r--");
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void computesTheDigestWhenNoneIsExpected() {
        ContentStore store = store();
        try (BlobWriter w = store.writer(null, -1, null)) {
            w.write(bytes("streamed"), 0, 8);
            assertThat(w.size()).isEqualTo(8);
            assertThat(w.commit()).isEqualTo(digestOf("streamed"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertThat(store.read(digestOf("streamed"))).isEqualTo(bytes("streamed"));
    }

    @Test
    void storesContentHashedByItsWriterUnderTheWritersDigest() throws IOException {
        ContentStore store = store();
        try (BlobWriter w = store.writerForHashedContent(null)) {
            w.write(bytes("layer tar"), 0, 9);
            assertThat(w.size()).isEqualTo(9);
            assertThatThrownBy(w::commit).hasMessageContaining("needs the digest its caller computed");
            assertThat(w.commit(digestOf("layer tar"))).isEqualTo(digestOf("layer tar"));
        }
        assertThat(store.read(digestOf("layer tar"))).isEqualTo(bytes("layer tar"));
        try (BlobWriter w = store.writer(null, -1, null)) {
            w.write(bytes("x"), 0, 1);
            assertThatThrownBy(() -> w.commit(digestOf("x"))).hasMessageContaining("computes the digest itself");
        }
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void refusesContentWithAnotherDigestNamingBothAndKeepsNothing() {
        ContentStore store = store();
        Digest expected = digestOf("good");
        Digest actual = digestOf("evil");
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(bytes("evil")), expected, 4, null))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("has digest " + actual + " but " + expected + " was expected")
                .satisfies(e -> {
                    assertThat(((BlobMismatchException) e).expected()).isEqualTo(expected);
                    assertThat(((BlobMismatchException) e).actual()).isEqualTo(actual);
                });
        assertThat(store.exists(expected)).isFalse();
        assertThat(store.exists(actual)).isFalse();
        assertThat(ingestFiles()).as("nothing of the refused blob is left").isEmpty();
    }

    @Test
    void refusesTruncatedContent() {
        ContentStore store = store();
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(bytes("hel")), digestOf("hello"), 5, null))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("is 3 bytes long but 5 were expected");
        assertThat(store.blobs()).isEmpty();
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void refusesOverlongContentAsSoonAsItExceedsTheSize() throws IOException {
        ContentStore store = store();
        BlobWriter w = store.writer(digestOf("hello"), 5, null);
        w.write(bytes("hell"), 0, 4);
        assertThatThrownBy(() -> w.write(bytes("o world"), 0, 7))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("is more than 5 bytes long but 5 were expected");
        assertThat(ingestFiles()).as("the temporary file went with the failure").isEmpty();
        assertThatThrownBy(w::commit).isInstanceOf(IllegalStateException.class);
        w.close();
    }

    @Test
    void refusesTheRightBytesUnderAWrongSize() {
        ContentStore store = store();
        assertThatThrownBy(() -> store.put(new ByteArrayInputStream(bytes("hello")), digestOf("hello"), 6, null))
                .isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("is 5 bytes long but 6 were expected");
        assertThat(store.blobs()).isEmpty();
    }

    @Test
    void closingWithoutCommitDiscards() throws IOException {
        ContentStore store = store();
        try (BlobWriter w = store.writer(null, -1, null)) {
            w.write(bytes("abandoned"), 0, 9);
            assertThat(ingestFiles()).hasSize(1);
        }
        assertThat(ingestFiles()).isEmpty();
        assertThat(store.blobs()).isEmpty();
    }

    @Test
    void doesNotReadTheStreamWhenTheBlobIsPresent() {
        ContentStore store = store();
        Digest digest = store.put(bytes("present"), null);
        InputStream failing = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("the stream should not be read");
            }
        };
        assertThat(store.put(failing, digest, 7, null)).isEqualTo(digest);
    }

    @Test
    void keepsTheFirstCopyWhenTheSameBlobIsWrittenTwice() throws IOException {
        ContentStore store = store();
        BlobWriter first = store.writer(digestOf("same"), 4, null);
        BlobWriter second = store.writer(digestOf("same"), 4, null);
        first.write(bytes("same"), 0, 4);
        second.write(bytes("same"), 0, 4);
        first.commit();
        Object inode = Files.getAttribute(store.blobPath(digestOf("same")), "unix:ino");
        second.commit();
        assertThat(Files.getAttribute(store.blobPath(digestOf("same")), "unix:ino")).isEqualTo(inode);
        assertThat(store.read(digestOf("same"))).isEqualTo(bytes("same"));
        assertThat(ingestFiles()).isEmpty();
    }

    @Test
    void detectsABlobDamagedOnDisk() throws IOException {
        ContentStore store = store();
        Digest digest = store.put(bytes("pristine"), null);
        Files.writeString(store.blobPath(digest), "tampered");
        assertThatThrownBy(() -> store.read(digest)).isInstanceOf(BlobMismatchException.class)
                .hasMessageContaining("has digest " + digestOf("tampered") + " but " + digest + " was expected");
        try (InputStream in = store.openVerified(Descriptor.of(MediaTypes.LAYER_TAR, digest, 8))) {
            assertThatThrownBy(in::readAllBytes).isInstanceOf(BlobMismatchException.class);
        }
    }

    @Test
    void refusesToLoadAHugeBlobAsADocument() throws IOException {
        ContentStore store = store();
        long size = ContentStore.MAX_DOCUMENT_SIZE + 1;
        Digest digest;
        try (InputStream in = new GeneratedStream(7, size)) {
            digest = store.put(in, null, size, null);
        }
        assertThatThrownBy(() -> store.read(digest)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blob " + digest + " is " + size + " bytes long");
        assertThatThrownBy(() -> store.children(Descriptor.of(MediaTypes.IMAGE_MANIFEST, digest, size)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void reportsMissingBlobsByDigestAndStore() {
        ContentStore store = store();
        Digest digest = digestOf("absent");
        assertThatThrownBy(() -> store.open(digest)).isInstanceOf(BlobNotFoundException.class)
                .hasMessage("blob " + digest + " is not in the content store '" + storeDir() + "'");
        assertThatThrownBy(() -> store.size(digest)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.exists(digest)).isFalse();
    }

    @Test
    void gcRemovesWhatNoNameReachesAndKeepsConfigAndLayersOfNamedImages() {
        ContentStore store = store();
        Descriptor kept = StoreFixtures.image(store, null, "kept", "layer-a", "shared");
        Descriptor dropped = StoreFixtures.image(store, null, "dropped", "layer-b", "shared");
        Digest loose = store.put(bytes("loose"), null);
        store.names().tag("kept:1", kept);

        ContentStore.GcResult result = store.gc();

        assertThat(result.removed()).containsExactlyInAnyOrder(dropped.digest(), loose,
                digestOf("layer-b"), Digest.sha256(bytes(StoreFixtures.configJson("dropped"))));
        assertThat(store.blobs()).contains(kept.digest(), digestOf("layer-a"), digestOf("shared")).hasSize(4);
        assertThat(result.bytesFreed()).isPositive();
    }

    @Test
    void gcFollowsIndexesToTheirManifests() {
        ContentStore store = store();
        Descriptor manifest = StoreFixtures.image(store, null, "c", "l");
        byte[] index = OciJson.write(Index.of(List.of(manifest)));
        Descriptor indexDescriptor = Descriptor.of(MediaTypes.IMAGE_INDEX, store.put(index, null), index.length);
        store.names().tag("multi", indexDescriptor);
        assertThat(store.gc().removed()).isEmpty();
        assertThat(store.blobs()).hasSize(4);
    }

    @Test
    void gcKeepsLeasedBlobsUntilTheLeaseCloses() {
        ContentStore store = store();
        Descriptor image;
        try (Lease lease = store.lease("test pull")) {
            image = StoreFixtures.image(store, lease, "leased", "layer");
            assertThat(store.gc().removed()).isEmpty();
            assertThat(store.blobs()).hasSize(3);
            assertThat(lease.digests()).contains(image.digest(), digestOf("layer"));
        }
        assertThat(store.gc().removed()).hasSize(3);
        assertThat(store.blobs()).isEmpty();
        assertThat(storeDir().resolve("leases")).isEmptyDirectory();
    }

    @Test
    void holdIfPresentProtectsAnExistingBlob() {
        ContentStore store = store();
        Digest digest = store.put(bytes("existing"), null);
        try (Lease lease = store.lease("reuse")) {
            assertThat(store.holdIfPresent(digest, lease)).isTrue();
            assertThat(store.holdIfPresent(digestOf("absent"), lease)).isFalse();
            store.gc();
            assertThat(store.exists(digest)).isTrue();
        }
        store.gc();
        assertThat(store.exists(digest)).isFalse();
    }

    @Test
    void gcNeverTouchesABlobBeingWritten() throws IOException {
        ContentStore store = store();
        try (BlobWriter w = store.writer(null, -1, null)) {
            w.write(bytes("in progress"), 0, 11);
            store.gc();
            assertThat(ingestFiles()).hasSize(1);
            Digest d = w.commit();
            assertThat(store.exists(d)).isTrue();
        }
    }

    @Test
    void gcRemovesFilesLeftByADeadProcessButHonoursLiveOnesOfOtherProcesses() throws IOException {
        ContentStore store = store();
        Digest leased = store.put(bytes("leased by a dead process"), null);
        Files.writeString(storeDir().resolve("leases/lease-dead"), "# dead\n" + leased + "\n");
        Files.writeString(storeDir().resolve("ingest/blob-dead.tmp"), "half a blob");
        Files.createDirectories(storeDir().resolve("layers/ingest/unpack-dead.dir/usr/bin"));
        Files.writeString(storeDir().resolve("layers/ingest/unpack-dead.lock"), "");

        ContentStore.GcResult result = store.gc();

        assertThat(result.staleFilesRemoved()).isEqualTo(3);
        assertThat(storeDir().resolve("layers/ingest")).isEmptyDirectory();
        assertThat(result.removed()).containsExactly(leased);
        assertThat(ingestFiles()).isEmpty();
        assertThat(storeDir().resolve("leases")).isEmptyDirectory();
    }

    @Test
    void gcHonoursALeaseHeldByAnotherProcess() throws Exception {
        ContentStore store = store();
        Digest leased = store.put(bytes("leased elsewhere"), null);
        Path leaseFile = storeDir().resolve("leases/lease-other");
        Files.writeString(leaseFile, "# other\n" + leased + "\n");
        Process holder = ChildJvm.start(StoreChild.class, "lock", leaseFile.toString());
        try {
            assertThat(new String(holder.getInputStream().readNBytes(7))).isEqualTo("locked\n");
            assertThat(store.gc().removed()).isEmpty();
            assertThat(leaseFile).exists();
        } finally {
            holder.getOutputStream().close();
            assertThat(holder.waitFor()).isZero();
        }
        assertThat(store.gc().removed()).containsExactly(leased);
    }

    @Test
    void aClosedLeaseRefusesAdditions() {
        Lease lease = store().lease("x");
        lease.close();
        assertThatThrownBy(() -> lease.add(digestOf("x"))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is closed");
    }

    private List<Path> ingestFiles() {
        try (Stream<Path> files = Files.list(storeDir().resolve("ingest"))) {
            return files.toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void lockAndWait(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.lock();
            System.out.print("locked\n");
            System.out.flush();
            System.in.read();
        }
    }
}
