package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * The helper executable, extracted from this jar to a file named by its content hash (two
 * versions never clash) and compared with the resource before use (a modified file is replaced).
 */
final class HelperBinary {

    static final String RESOURCE = "stevedore-helper";

    private HelperBinary() {
    }

    /**
     * Extracts the helper under {@code dir} unless an intact copy is there.
     *
     * @param dir a directory only root can write, on the host only (containers never see it)
     * @return the executable's path
     */
    static Path extract(Path dir) {
        byte[] bytes;
        try (InputStream in = HelperBinary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new ContainerBackendException("the helper executable 'dev/stevedore/linux/" + RESOURCE
                        + "' is missing from the classpath; rebuild stevedore-linux-native with musl-gcc installed");
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the helper executable from the classpath", e);
        }
        String hash = buildHash();
        Path target = dir.resolve("helper-" + hash.substring(0, 16));
        try {
            CachedFile.install(target, bytes, "r-x------");
            return target;
        } catch (IOException e) {
            throw new ContainerBackendException("cannot extract the helper executable to '" + target + "': " + e, null, e);
        }
    }

    /**
     * @return the executable's SHA-256 as the build computed it; it only names the extracted file,
     *     whose content is compared with the resource byte for byte
     */
    private static String buildHash() {
        try (InputStream in = HelperBinary.class.getResourceAsStream(RESOURCE + ".sha256")) {
            if (in == null) {
                throw new ContainerBackendException("the helper executable's hash 'dev/stevedore/linux/" + RESOURCE
                        + ".sha256' is missing from the classpath; rebuild stevedore-linux-native");
            }
            String hash = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII).strip();
            // oci-model's check, whose patterns the engine has compiled by now, rather than a regex of our own.
            if (!dev.stevedore.oci.Digest.isValid("sha256:" + hash)) {
                throw new ContainerBackendException("the helper executable's hash resource holds '" + hash
                        + "', not a SHA-256; rebuild stevedore-linux-native");
            }
            return hash;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the helper executable's hash from the classpath", e);
        }
    }
}
