package dev.stevedore.linux;

import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.function.Supplier;
import java.util.zip.CRC32;

/**
 * jffi's native stub, the library under jnr-ffi, kept in the runtime's state directory. Left to
 * itself, jffi looks for a {@code boot.properties} resource in every jar of the class path, then
 * copies the stub out of its jar to a new temporary file, on every JVM start: about 10 ms of the
 * first container's path. jffi loads the stub from its boot path instead when that is set.
 */
final class JffiStub {

    /** The system property jffi reads, once, when it loads its stub. */
    static final String BOOT_PATH = "jffi.boot.library.path";

    /** Where the C library binding keeps the stub when it loads; null to leave it to jffi. */
    private static volatile Path keptIn;

    private JffiStub() {
    }

    /**
     * Names the directory the stub is kept in when the C library binding loads (once per JVM, so
     * only a runtime that comes before it matters); costs nothing until then. The latest one named
     * is used, as the one most likely to still exist.
     *
     * @param dir a directory only the caller can write, such as the one the helper is extracted to
     */
    static void keepIn(Path dir) {
        keptIn = dir.toAbsolutePath();
    }

    /** Runs {@code load} as {@link #withBootPath(Path, Supplier)} does, in the directory {@link #keepIn} named. */
    static <T> T withBootPath(Supplier<T> load) {
        Path dir = keptIn;
        return dir == null ? load.get() : withBootPath(dir, load);
    }

    /**
     * @return the stub's resource in jffi's native jar for this platform, or null on a platform
     *     this class does not name (jffi then finds its stub itself)
     */
    static String resource() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64" -> "aarch64";
            default -> null;
        };
        if (arch == null || !System.getProperty("os.name").equals("Linux")) {
            return null;
        }
        // jffi names its stub by its own major and minor version, the constants compiled in here.
        return "jni/" + arch + "-Linux/" + System.mapLibraryName("jffi-" + com.kenai.jffi.Version.MAJOR + "."
                + com.kenai.jffi.Version.MINOR);
    }

    /**
     * Extracts the stub under {@code dir}, into a subdirectory named by the stub's checksum (two jffi
     * versions never share a file), unless an intact copy is there.
     *
     * @return the directory holding the stub, to put on jffi's boot path; null when the class path
     *     lacks the stub for this platform
     */
    static Path extract(Path dir) throws IOException {
        String resource = resource();
        if (resource == null) {
            return null;
        }
        byte[] bytes;
        try (InputStream in = com.kenai.jffi.Version.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                return null;
            }
            bytes = in.readAllBytes();
        }
        CRC32 crc = new CRC32();
        crc.update(bytes);
        Path stubDir = dir.resolve("jffi-" + HexFormat.of().toHexDigits((int) crc.getValue()));
        CachedFile.install(stubDir.resolve(resource.substring(resource.lastIndexOf('/') + 1)), bytes, "r-x------");
        return stubDir;
    }

    /**
     * Runs {@code load}, which loads jnr-ffi's first library, with jffi's boot path on the stub
     * extracted under {@code dir}. A boot path the user set is left alone, and the property is
     * removed again afterwards: it is read once per JVM, and only for this load is it ours to set.
     * When the stub cannot be extracted, jffi finds it the usual way.
     */
    static <T> T withBootPath(Path dir, Supplier<T> load) {
        if (System.getProperty(BOOT_PATH) != null) {
            return load.get();
        }
        Path stubDir;
        try {
            stubDir = extract(dir);
        } catch (IOException | RuntimeException e) {
            System.getLogger(JffiStub.class.getName()).log(Level.DEBUG,
                    "cannot keep jffi's native stub under " + dir + "; jffi extracts it itself", e);
            stubDir = null;
        }
        if (stubDir == null) {
            return load.get();
        }
        System.setProperty(BOOT_PATH, stubDir.toString());
        try {
            return load.get();
        } finally {
            System.clearProperty(BOOT_PATH);
        }
    }
}
