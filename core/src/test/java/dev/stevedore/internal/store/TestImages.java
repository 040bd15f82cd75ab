package dev.stevedore.internal.store;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A busybox image made from Debian's static busybox, {@code FROM scratch} style: one gzip layer
 * with {@code /bin/busybox} and a few applet symlinks, and a config whose command prints hello.
 */
public final class TestImages {

    public static final Path BUSYBOX = Path.of("/bin/busybox");
    public static final List<String> HELLO_CMD = List.of("/bin/sh", "-c", "echo hello");
    private static final Instant EPOCH = Instant.parse("2024-01-01T00:00:00Z");

    private TestImages() {
    }

    /** Builds the busybox image in the store and names it. */
    public static Descriptor busybox(ContentStore store, String name) {
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install Debian's busybox-static");
        }
        try (Lease lease = store.lease("test image " + name)) {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar, "UTF-8")) {
                out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                directory(out, "bin/");
                byte[] busybox = Files.readAllBytes(BUSYBOX);
                TarArchiveEntry file = entry("bin/busybox", TarConstants.LF_NORMAL, 0755);
                file.setSize(busybox.length);
                out.putArchiveEntry(file);
                out.write(busybox);
                out.closeArchiveEntry();
                for (String applet : List.of("cat", "echo", "ls", "sh")) {
                    TarArchiveEntry link = entry("bin/" + applet, TarConstants.LF_SYMLINK, 0777);
                    link.setLinkName("busybox");
                    out.putArchiveEntry(link);
                    out.closeArchiveEntry();
                }
                directory(out, "tmp/");
            }
            byte[] tarBytes = tar.toByteArray();
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (OutputStream out = new GZIPOutputStream(gz)) {
                out.write(tarBytes);
            }
            byte[] layer = gz.toByteArray();
            Descriptor layerDescriptor = Descriptor.of(MediaTypes.LAYER_TAR_GZIP, store.put(layer, lease), layer.length);
            ImageConfig config = ImageConfig.of("linux", "amd64")
                    .withCreated(EPOCH)
                    .withConfig(ImageConfig.Config.EMPTY.withEnv(List.of("PATH=/bin")).withCmd(HELLO_CMD))
                    .withAddedLayer(Digest.sha256(tarBytes), ImageConfig.History.of(EPOCH, "busybox-static", false));
            byte[] configBytes = OciJson.write(config);
            Descriptor configDescriptor = Descriptor.of(MediaTypes.IMAGE_CONFIG, store.put(configBytes, lease),
                    configBytes.length);
            byte[] manifest = OciJson.write(Manifest.of(configDescriptor, List.of(layerDescriptor)));
            Descriptor manifestDescriptor = new Descriptor(MediaTypes.IMAGE_MANIFEST, store.put(manifest, lease),
                    manifest.length, null, null, null, null, config.platform(), null);
            store.names().tag(name, manifestDescriptor);
            return manifestDescriptor;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry e = new TarArchiveEntry(name, type);
        e.setMode(mode | (type == TarConstants.LF_SYMLINK ? 0120000 : type == TarConstants.LF_DIR ? 040000 : 0100000));
        e.setModTime(EPOCH.toEpochMilli());
        e.setIds(0, 0);
        e.setNames("root", "root");
        return e;
    }

    private static void directory(TarArchiveOutputStream out, String name) throws IOException {
        out.putArchiveEntry(entry(name, TarConstants.LF_DIR, name.equals("tmp/") ? 01777 : 0755));
        out.closeArchiveEntry();
    }
}
