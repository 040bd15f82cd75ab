package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsTest {

    static String line(Path mountPoint, String type, String options) {
        return "35 31 0:32 / " + mountPoint + " rw,relatime - " + type + " " + type + " " + options;
    }

    @Test
    void hybridHostUsesV1WhenTheUnifiedMountLacksControllers(@TempDir Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n");
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("pids"), "cgroup", "rw,pids"), line(dir.resolve("cpu"), "cgroup", "rw,cpu"),
                line(unified, "cgroup2", "rw")));
        assertThat(c.unavailableReason()).isNull();
        assertThat(c.isUnified()).isFalse();
        assertThat(c.roots()).as("cpu is used when present, for CPU limits")
                .containsExactlyInAnyOrder(dir.resolve("memory"), dir.resolve("pids"), dir.resolve("cpu"));
        assertThat(c.containerView()).containsExactlyInAnyOrder(new Cgroups.Hierarchy("memory", "cgroup", "memory"),
                new Cgroups.Hierarchy("pids", "cgroup", "pids"), new Cgroups.Hierarchy("cpu", "cgroup", "cpu"));
    }

    @Test
    void coMountedControllersKeepTheirWholeOptionList(@TempDir Path dir) {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory,hugetlb"),
                line(dir.resolve("pids"), "cgroup", "rw,pids")));
        assertThat(c.containerView()).contains(new Cgroups.Hierarchy("memory", "cgroup", "memory,hugetlb"));
    }

    @Test
    void unifiedWithControllersIsPreferred(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Cgroups c = Cgroups.detect(List.of(line(dir, "cgroup2", "rw,nsdelegate")));
        assertThat(c.isUnified()).isTrue();
        assertThat(c.roots()).containsExactly(dir);
    }

    @Test
    void missingControllerIsReported(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "hugetlb\n");
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir, "cgroup2", "rw")));
        assertThat(c.unavailableReason()).isEqualTo("no cgroup hierarchy has the pids controller (the cgroup2 mount at '"
                + dir + "' has only: hugetlb)");
    }

    @Test
    void createWritesLimitsInFakeV1Tree(@TempDir Path dir) throws IOException {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("pids"), "cgroup", "rw,pids")));
        List<Path> procs = c.create("stevedore/i/c");
        c.limit("stevedore/i/c", dev.stevedore.oci.runtime.Resources.none()
                .withMemory(dev.stevedore.oci.runtime.Resources.Memory.limit(1 << 20))
                .withPids(dev.stevedore.oci.runtime.Resources.Pids.of(7)));
        assertThat(procs).containsExactlyInAnyOrder(dir.resolve("memory/stevedore/i/c/cgroup.procs"),
                dir.resolve("pids/stevedore/i/c/cgroup.procs"));
        assertThat(Files.readString(dir.resolve("memory/stevedore/i/c/memory.limit_in_bytes"))).isEqualTo("1048576");
        assertThat(Files.readString(dir.resolve("pids/stevedore/i/c/pids.max"))).as("one more for the helper").isEqualTo("8");
    }
}
