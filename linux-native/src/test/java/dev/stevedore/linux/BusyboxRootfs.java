package dev.stevedore.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A minimal root filesystem made from Debian's static busybox (package busybox-static), until the
 * fixtures module provides a proper image.
 */
final class BusyboxRootfs {
    static final Path BUSYBOX = Path.of("/bin/busybox");

    private static final List<String> APPLETS = List.of("sh", "true", "false", "echo", "cat", "hostname", "id", "ls",
            "mount", "sleep", "ps", "wget", "env", "pwd", "touch", "mkdir", "grep", "kill", "readlink", "stat",
            "head", "ulimit", "umask", "nc", "ip", "ifconfig", "test", "wc", "seq", "uname");

    private BusyboxRootfs() {
    }

    /** @return {@code dir}, now holding bin/busybox, its applet links, /etc files and mount points */
    static Path create(Path dir) {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install Debian's busybox-static");
        }
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.copy(BUSYBOX, dir.resolve("bin/busybox"));
            for (String applet : APPLETS) {
                Files.createSymbolicLink(dir.resolve("bin").resolve(applet), Path.of("busybox"));
            }
            for (String d : List.of("etc", "proc", "sys", "dev", "tmp", "root", "home/app")) {
                Files.createDirectories(dir.resolve(d));
            }
            Files.writeString(dir.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                    + "app:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n");
            Files.writeString(dir.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\n"
                    + "nogroup:x:65534:\n");
            for (String f : List.of("etc/hosts", "etc/hostname", "etc/resolv.conf")) {
                Files.writeString(dir.resolve(f), "");
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a busybox rootfs in '" + dir + "'", e);
        }
    }
}
