package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The busybox test base image, built by the builder itself from Debian's static busybox: a context with
 * {@code rootfs/} (busybox, applet symlinks, {@code /etc/passwd}, {@code /etc/group}, {@code /tmp}) and
 * {@code FROM scratch; COPY rootfs/ /; CMD ["sh"]}.
 */
final class BusyboxContext {

    static final Path BUSYBOX = Path.of("/bin/busybox");
    static final List<String> APPLETS = List.of("sh", "cat", "echo", "ls", "id", "mkdir", "touch", "rm", "stat", "true",
            "false", "env", "pwd", "wc", "sleep", "test", "chmod", "ln");

    private BusyboxContext() {}

    static Path create(Path dir) {
        if (!Files.isRegularFile(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install Debian's busybox-static");
        }
        try {
            Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
            Path bin = Files.createDirectories(rootfs.resolve("bin"));
            Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
            for (String applet : APPLETS) {
                Files.deleteIfExists(bin.resolve(applet));
                Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
            }
            Path etc = Files.createDirectories(rootfs.resolve("etc"));
            Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                    + "daemon:x:1:1:daemon:/usr/sbin:/bin/false\napp:x:1000:1000:app:/home/app:/bin/sh\n");
            Files.writeString(etc.resolve("group"), "root:x:0:\ndaemon:x:1:\nstaff:x:50:\napp:x:1000:\n");
            Path tmp = Files.createDirectories(rootfs.resolve("tmp"));
            Files.setAttribute(tmp, "unix:mode", 01777);
            Files.writeString(dir.resolve("Dockerfile"), "FROM scratch\nCOPY rootfs/ /\nENV PATH=/bin\nCMD [\"sh\"]\n");
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
