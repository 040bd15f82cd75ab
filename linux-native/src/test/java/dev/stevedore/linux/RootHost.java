package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/** What every end-to-end test class of this module starts from: root, a usable backend, a busybox rootfs. */
final class RootHost {

    private RootHost() {
    }

    /**
     * Fails, saying why, unless this JVM runs as root on a host where the Linux backend works; then makes a
     * busybox rootfs.
     *
     * @param dir the test class's directory
     * @return the rootfs, {@code dir/rootfs}
     */
    static Path busyboxRootfs(Path dir) {
        assertThat(LinuxBackend.effectiveUid()).as("these tests need root (run CI as root)").isZero();
        assertThat(new LinuxBackend().unavailableReason()).as("the Linux backend must be usable here").isNull();
        return BusyboxRootfs.create(dir.resolve("rootfs"));
    }
}
