package dev.stevedore.internal.registry;

import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import dev.stevedore.oci.image.Platform;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/** Images made on the spot for registry tests: a busybox image, layers of random bytes, indexes. */
final class TestImages {

    private TestImages() {
    }

    /**
     * A layer and what the config needs to know of it.
     *
     * @param mediaType the layer's media type
     * @param bytes the layer blob
     * @param diffId the digest of its uncompressed tar
     */
    record Layer(String mediaType, byte[] bytes, Digest diffId) {
        Descriptor descriptor() {
            return Descriptor.of(mediaType, bytes);
        }
    }

    /** @return a gzip layer holding Debian's static /bin/busybox and /bin/sh linked to it */
    static Layer busyboxLayer() {
        try {
            byte[] busybox = Files.readAllBytes(Path.of("/bin/busybox"));
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
                TarArchiveEntry dir = new TarArchiveEntry("bin/");
                dir.setMode(040755);
                out.putArchiveEntry(dir);
                out.closeArchiveEntry();
                TarArchiveEntry file = new TarArchiveEntry("bin/busybox");
                file.setMode(0100755);
                file.setSize(busybox.length);
                out.putArchiveEntry(file);
                out.write(busybox);
                out.closeArchiveEntry();
                TarArchiveEntry sh = new TarArchiveEntry("bin/sh", TarArchiveEntry.LF_SYMLINK);
                sh.setLinkName("busybox");
                out.putArchiveEntry(sh);
                out.closeArchiveEntry();
            }
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(gz)) {
                out.write(tar.toByteArray());
            }
            return new Layer(MediaTypes.LAYER_TAR_GZIP, gz.toByteArray(), Digest.sha256(tar.toByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /bin/busybox (Debian's busybox-static)", e);
        }
    }

    /** @return an uncompressed tar layer with one file of {@code size} random bytes */
    static Layer randomLayer(String fileName, int size, long seed) {
        byte[] content = new byte[size];
        new Random(seed).nextBytes(content);
        ByteArrayOutputStream tar = new ByteArrayOutputStream(size + 2048);
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            TarArchiveEntry file = new TarArchiveEntry(fileName);
            file.setMode(0100644);
            file.setSize(size);
            out.putArchiveEntry(file);
            out.write(content);
            out.closeArchiveEntry();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] bytes = tar.toByteArray();
        return new Layer(MediaTypes.LAYER_TAR, bytes, Digest.sha256(bytes));
    }

    /** Stores the layers, a config for the platform and a manifest; returns the manifest's descriptor. */
    static Descriptor image(ContentStore store, Platform platform, List<Layer> layers) {
        List<Descriptor> layerDescriptors = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (Layer l : layers) {
            store.put(l.bytes(), null);
            layerDescriptors.add(l.descriptor());
            diffIds.add(l.diffId());
        }
        ImageConfig config = ImageConfig.of(platform.os(), platform.architecture())
                .withRootFs(ImageConfig.RootFs.of(diffIds))
                .withConfig(ImageConfig.Config.EMPTY.withCmd(List.of("/bin/sh")));
        byte[] configBytes = OciJson.write(config);
        store.put(configBytes, null);
        Manifest manifest = Manifest.of(Descriptor.of(MediaTypes.IMAGE_CONFIG, configBytes), layerDescriptors);
        byte[] manifestBytes = OciJson.write(manifest);
        store.put(manifestBytes, null);
        return Descriptor.of(MediaTypes.IMAGE_MANIFEST, manifestBytes);
    }

    /** Stores an index of manifests, each with its platform; returns the index's descriptor. */
    static Descriptor index(ContentStore store, List<Descriptor> platformManifests) {
        byte[] bytes = OciJson.write(Index.of(platformManifests));
        store.put(bytes, null);
        return Descriptor.of(MediaTypes.IMAGE_INDEX, bytes);
    }
}
