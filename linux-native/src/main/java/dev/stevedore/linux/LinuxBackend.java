package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Linux backend: namespaces, cgroups and the plan-executing helper. Found by ServiceLoader.
 * For a non-root caller it is rootless: every container gets a user namespace whose root is the
 * caller (see {@link Rootless}) and no cgroup of its own.
 */
public final class LinuxBackend implements ContainerBackend {
    /**
     * The hierarchies found by {@link #unavailableReason}, which an engine asks before {@link #open}:
     * reading the mount table once is enough for both. A runtime keeps state in its instance, so each
     * {@link #open} takes it and the next one detects anew.
     */
    private volatile Cgroups cgroups;

    /** Creates the backend; nothing is touched until {@link #open}. */
    public LinuxBackend() {
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public String unavailableReason() {
        if (!System.getProperty("os.name").equals("Linux")) {
            return "the Linux backend needs Linux (this is " + System.getProperty("os.name") + ")";
        }
        if (HelperBinary.class.getResource(HelperBinary.RESOURCE) == null) {
            return "the helper executable is missing from the classpath; rebuild stevedore-linux-native";
        }
        long euid = effectiveUid();
        if (euid != 0) {
            return userNamespacesUnavailable(euid);
        }
        return cgroups().unavailableReason();
    }

    private Cgroups cgroups() {
        Cgroups detected = cgroups;
        if (detected == null) {
            detected = Cgroups.detect();
            cgroups = detected;
        }
        return detected;
    }

    /** A rootless runtime needs user namespaces and nothing else a user could lack; cgroups are optional. */
    private static String userNamespacesUnavailable(long euid) {
        Path max = Path.of("/proc/sys/user/max_user_namespaces");
        try {
            if (Files.exists(max) && Files.readString(max).trim().equals("0")) {
                return "rootless containers (euid=" + euid + ") need user namespaces, which " + max
                        + " disables (0); ask the administrator to raise it, or run as root";
            }
        } catch (IOException e) {
            return "cannot read " + max + ": " + e;
        }
        return null;
    }

    @Override
    public ContainerRuntime open(Path stateDir) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new ContainerBackendException(reason);
        }
        // The C library binding is made once a second container (or an exec) is asked for (see LinuxRuntime's
        // HelperWork.run): until then the JDK starts helpers. Without it containers still run; what needs it
        // fails, saying why.
        JffiStub.keepIn(stateDir.resolve("bin"));
        Cgroups detected = cgroups();
        cgroups = null;
        return new LinuxRuntime(stateDir, detected, effectiveUid() == 0 ? null : Rootless.detect());
    }

    /** @return the effective uid from {@code /proc/self/status}, or -1 if unreadable */
    static long effectiveUid() {
        return effectiveIds()[0];
    }

    /** @return the effective uid and gid from {@code /proc/self/status}; -1 for what is unreadable */
    static long[] effectiveIds() {
        return EffectiveIds.IDS.clone();
    }

    /**
     * Read once: a fresh JVM asked for them on five paths as the first container was prepared, and a Java
     * program does not change its own ids.
     */
    private static final class EffectiveIds {
        static final long[] IDS = read();
    }

    private static long[] read() {
        long[] ids = {-1, -1};
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:") || line.startsWith("Gid:")) {
                    // "Uid:\treal\teffective\t...": split by hand, as a regex costs a fresh JVM milliseconds.
                    int real = line.indexOf('\t') + 1;
                    int effective = line.indexOf('\t', real) + 1;
                    int end = line.indexOf('\t', effective);
                    ids[line.startsWith("Uid:") ? 0 : 1] = Long.parseLong(
                            line.substring(effective, end < 0 ? line.length() : end).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            return ids;
        }
        return ids;
    }
}
