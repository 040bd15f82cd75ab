package dev.stevedore.testing;

import dev.stevedore.Engine;
import dev.stevedore.image.Image;
import dev.stevedore.oci.image.ImageConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A busybox image made on this machine from Debian's static busybox (package
 * {@code busybox-static}): {@code /bin/busybox} with a symbolic link per applet, minimal
 * {@code /etc/passwd} and {@code /etc/group} (root, an {@code app} user 1000 and nobody), and the
 * config of Docker's busybox image ({@code Cmd ["sh"]}). No network needed; the same binary gives
 * the same image digest.
 *
 * <pre>{@code
 * BusyboxImage.ensure(Engine.defaultEngine());
 * Containers.image(BusyboxImage.NAME).withCommand("echo", "hi").run();
 * }</pre>
 */
public final class BusyboxImage {

    /** The name the image is stored under. */
    public static final String NAME = "busybox:1.36";

    /** Where Debian's busybox-static installs the binary. */
    public static final Path BUSYBOX = Path.of("/bin/busybox");

    private BusyboxImage() {
    }

    /**
     * Stores the image in an engine under {@link #NAME} unless it is already there.
     *
     * @param engine the engine
     * @return the image
     * @throws IllegalStateException when {@code /bin/busybox} is missing, saying what to install
     */
    public static Image ensure(Engine engine) {
        if (engine.images().exists(NAME)) {
            return engine.images().inspect(NAME);
        }
        return create(engine, NAME);
    }

    /**
     * Builds the image and stores it under a name, replacing what the name pointed at.
     *
     * @param engine the engine
     * @param name the name, such as {@code busybox:1.36}
     * @return the image
     */
    public static Image create(Engine engine, String name) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("stevedore-busybox");
            writeRootfs(dir);
            return engine.images().fromDirectory(dir, name, ImageConfig.Config.EMPTY
                    .withEnv(List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"))
                    .withCmd(List.of("sh")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot build the busybox image in '" + dir + "'", e);
        } finally {
            if (dir != null) {
                delete(dir);
            }
        }
    }

    /**
     * Writes the image's root filesystem into a directory.
     *
     * @param dir an empty directory
     * @throws IOException when it cannot be written
     */
    public static void writeRootfs(Path dir) throws IOException {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install Debian's busybox-static"
                    + " (apt-get install busybox-static)");
        }
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.copy(BUSYBOX, bin.resolve("busybox"));
        for (String applet : applets()) {
            if (!applet.equals("busybox")) {
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
        }
        for (String d : List.of("etc", "proc", "sys", "dev", "root", "home/app", "var/log", "usr/bin", "usr/sbin",
                "sbin")) {
            Files.createDirectories(dir.resolve(d));
        }
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                + "app:x:1000:1000:app:/home/app:/bin/sh\n"
                + "nobody:x:65534:65534:nobody:/home:/bin/false\n");
        Files.writeString(dir.resolve("etc/group"), "root:x:0:\napp:x:1000:\nstaff:x:50:app\nnogroup:x:65534:\n");
        for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
            Files.writeString(dir.resolve(f), "");
        }
    }

    private static List<String> applets() throws IOException {
        Process p = new ProcessBuilder(BUSYBOX.toString(), "--list").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (p.waitFor() != 0) {
                throw new IllegalStateException(BUSYBOX + " --list failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing busybox applets", e);
        }
        List<String> applets = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.matches("[a-z0-9_.\\[\\]-]+")) {
                applets.add(line);
            }
        }
        return applets;
    }

    private static void delete(Path dir) {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // A temporary directory: the OS cleans it up eventually.
        }
    }
}
