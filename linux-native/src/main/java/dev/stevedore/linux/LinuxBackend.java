package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerRuntime;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Linux backend: namespaces, cgroups and the plan-executing helper. Found by ServiceLoader. */
public final class LinuxBackend implements ContainerBackend {

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
        long euid = effectiveUid();
        if (euid != 0) {
            return "the Linux backend needs root (euid=" + euid + "); rootless containers are not supported yet";
        }
        if (HelperBinary.class.getResource(HelperBinary.RESOURCE) == null) {
            return "the helper executable is missing from the classpath; rebuild stevedore-linux-native";
        }
        return Cgroups.detect().unavailableReason();
    }

    @Override
    public ContainerRuntime open(Path stateDir) {
        String reason = unavailableReason();
        if (reason != null) {
            throw new ContainerBackendException(reason);
        }
        return new LinuxRuntime(stateDir, Cgroups.detect());
    }

    /** @return the effective uid from {@code /proc/self/status}, or -1 if unreadable */
    static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return Long.parseLong(line.split("\\s+")[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
