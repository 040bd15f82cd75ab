package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Spec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code linux.devices} in the plan; no root needed. */
class DevicesPlanTest {
    static Spec withDevices(Spec spec, List<Linux.Device> devices) {
        Linux l = spec.linux();
        return spec.withLinux(new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), devices,
                l.cgroupsPath(), l.resources(), l.sysctl(), l.seccomp(), l.rootfsPropagation(), l.maskedPaths(),
                l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt(), l.extensions()));
    }

    @Test
    void devicesWithParentsOwnersAndFifos() {
        Spec spec = withDevices(TestSpecs.docker(PlannerTest.ROOT, "true"), List.of(
                new Linux.Device("c", "/dev/net/tun", 10L, 200L, null, null, null, null),
                new Linux.Device("b", "/dev/loop9", 7L, 9L, 0600, 1000L, 2000L, null),
                new Linux.Device("p", "/dev/pipe", null, null, 0640, null, null, null)));
        assertThat(PlannerTest.plan(spec)).containsSubsequence("MKNOD /dev/null " + (Kernel.S_IFCHR | 0666) + " 1 3",
                "MKDIR_P /dev/net 493", "MKNOD /dev/net/tun " + (Kernel.S_IFCHR | 0666) + " 10 200 0 0",
                "MKNOD /dev/loop9 " + (Kernel.S_IFBLK | 0600) + " 7 9 1000 2000",
                "MKNOD /dev/pipe " + (Kernel.S_IFIFO | 0640) + " 0 0 0 0", "GO");
    }

    @Test
    void specDevicesAreCreatedEvenWithoutATmpfsDev() {
        Spec docker = TestSpecs.docker(PlannerTest.ROOT, "true");
        List<Mount> noDev = docker.mounts().stream().filter(m -> !m.destination().startsWith("/dev")).toList();
        Spec spec = withDevices(docker.withMounts(noDev), List.of(
                new Linux.Device("c", "/dev/fuse", 10L, 229L, null, null, null, null)));
        List<String> lines = PlannerTest.plan(spec);
        assertThat(lines).contains("MKNOD /dev/fuse " + (Kernel.S_IFCHR | 0666) + " 10 229 0 0");
        assertThat(lines).as("the defaults belong to a tmpfs /dev").noneMatch(l -> l.startsWith("MKNOD /dev/null"));
    }
}
