package dev.stevedore.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host report read from fake /proc and /sys trees. */
class HostChecksTest {

    private static Path host(Path dir, String filesystems, String maxUserNs, boolean seccomp) throws Exception {
        Files.createDirectories(dir.resolve("proc/self/ns"));
        for (String ns : List.of("mnt", "pid", "net", "ipc", "uts", "cgroup", "user")) {
            Files.writeString(dir.resolve("proc/self/ns").resolve(ns), "");
        }
        Files.writeString(dir.resolve("proc/filesystems"), filesystems);
        Files.createDirectories(dir.resolve("proc/sys/user"));
        Files.writeString(dir.resolve("proc/sys/user/max_user_namespaces"), maxUserNs);
        Files.writeString(dir.resolve("proc/self/status"), seccomp ? "Name:\tjava\nSeccomp:\t0\n" : "Name:\tjava\n");
        return dir;
    }

    @Test
    void missingFeaturesSayWhy(@TempDir Path dir) throws Exception {
        Path h = host(dir, "nodev\tproc\n\text4\n", "0\n", false);
        Files.createDirectories(h.resolve("sys/fs/cgroup"));
        List<HostChecks.Check> checks = HostChecks.kernel(h);
        assertThat(checks).filteredOn(c -> !c.available()).extracting(HostChecks.Check::feature)
                .containsExactly("namespaces", "cgroups", "overlayfs", "user namespaces", "seccomp");
        assertThat(checks.get(0).detail()).contains("missing time");
        assertThat(checks.get(1).detail()).contains("no cgroup hierarchy is mounted");
        assertThat(checks.get(2).detail()).contains("modprobe overlay");
        assertThat(checks.get(3).detail()).contains("max_user_namespaces is 0");
        assertThat(checks.get(4).detail()).contains("CONFIG_SECCOMP");
    }

    @Test
    void cgroupV2ListsItsControllers(@TempDir Path dir) throws Exception {
        Path cg = Files.createDirectories(dir.resolve("sys/fs/cgroup"));
        Files.writeString(cg.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        assertThat(HostChecks.cgroups(cg)).isEqualTo(new HostChecks.Check("cgroups", true,
                "v2 (unified), controllers: cpuset cpu io memory pids"));
    }

    @Test
    void cgroupV1NamesMissingControllers(@TempDir Path dir) throws Exception {
        Path cg = Files.createDirectories(dir.resolve("sys/fs/cgroup"));
        for (String c : List.of("memory", "cpu")) {
            Files.createDirectories(cg.resolve(c));
            Files.writeString(cg.resolve(c).resolve("cgroup.procs"), "");
        }
        HostChecks.Check check = HostChecks.cgroups(cg);
        assertThat(check.available()).isFalse();
        assertThat(check.detail()).isEqualTo("v1, controllers: cpu, memory; missing pids: limits on them fail");
    }

    @Test
    void theEffectiveUidIsTheSecondNumberOfTheUidLine() {
        assertThat(HostChecks.effectiveUid("Name:\tjava\nUmask:\t0022\nUid:\t1000\t0\t0\t0\nGid:\t5\t5\t5\t5\n"))
                .isZero();
        assertThat(HostChecks.effectiveUid("Uid:\t0\t1234\t0\t0\n")).isEqualTo(1234);
        assertThat(HostChecks.effectiveUid("Name:\tjava\nGid:\t5\t5\t5\t5\n")).isEqualTo(-1);
        assertThat(HostChecks.effectiveUid("")).isEqualTo(-1);
    }

    @Test
    void thisProcessIsTheUidItsStatusGives() throws Exception {
        String uidLine = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
        assertThat(HostChecks.effectiveUid()).isEqualTo(Long.parseLong(uidLine.split("\\s+")[2]));
    }

    @Test
    void pidIsTheOneProcfsLinksTo(@TempDir Path dir) throws Exception {
        assertThat(HostChecks.pid()).isEqualTo(ProcessHandle.current().pid());
        Files.createSymbolicLink(dir.resolve("self"), Path.of("4242"));
        assertThat(HostChecks.pid(dir.resolve("self"))).isEqualTo(4242);
        // Without procfs (or with a link that names no number), the JDK's answer.
        Files.createSymbolicLink(dir.resolve("odd"), Path.of("thread-self"));
        assertThat(HostChecks.pid(dir.resolve("odd"))).isEqualTo(ProcessHandle.current().pid());
        assertThat(HostChecks.pid(dir.resolve("missing"))).isEqualTo(ProcessHandle.current().pid());
    }
}
