package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsTest {

    static String line(Path mountPoint, String type, String options) {
        return "35 31 0:32 / " + mountPoint + " rw,relatime - " + type + " " + type + " " + options;
    }

    /** Two v1 hierarchies, memory and pids, each with the cgroups stevedore/i/1 and stevedore/i/2. */
    private static Cgroups memoryAndPidsWithTwoCgroups(Path dir) {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("pids"), "cgroup", "rw,pids")));
        c.create("stevedore/i/1", Set.of("memory", "pids"));
        c.create("stevedore/i/2", Set.of("memory", "pids"));
        return c;
    }

    @Test
    void hybridHostUsesV1WhenTheUnifiedMountLacksControllers(@TempDir Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n");
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("pids"), "cgroup", "rw,pids"), line(dir.resolve("cpu"), "cgroup", "rw,cpu"),
                line(unified, "cgroup2", "rw")));
        assertThat(c.unavailableReason()).isNull();
        assertThat(c.isV2("memory")).isFalse();
        assertThat(c.isV2("hugetlb")).isTrue();
        assertThat(c.has("blkio")).as("neither v1 nor on the v2 mount").isFalse();
        assertThat(c.roots(Set.of("memory", "pids"))).containsExactlyInAnyOrder(dir.resolve("memory"),
                dir.resolve("pids"));
        assertThat(c.containerView(Set.of("memory", "pids"))).containsExactlyInAnyOrder(
                new Cgroups.Hierarchy("memory", "cgroup", "memory"), new Cgroups.Hierarchy("pids", "cgroup", "pids"));
        assertThat(c.containerView(Set.of("memory", "hugetlb"))).containsExactlyInAnyOrder(
                new Cgroups.Hierarchy("memory", "cgroup", "memory"), new Cgroups.Hierarchy("unified", "cgroup2", ""));
    }

    @Test
    void coMountedControllersKeepTheirWholeOptionList(@TempDir Path dir) {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory,hugetlb"),
                line(dir.resolve("pids"), "cgroup", "rw,pids")));
        assertThat(c.containerView(Set.of("memory"))).contains(new Cgroups.Hierarchy("memory", "cgroup", "memory,hugetlb"));
    }

    @Test
    void unifiedWithControllersIsPreferred(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Cgroups c = Cgroups.detect(List.of(line(dir, "cgroup2", "rw,nsdelegate")));
        assertThat(c.isV2("memory")).isTrue();
        assertThat(c.isV2("freezer")).as("cgroup.freeze needs no controller").isTrue();
        assertThat(c.roots(Cgroups.DEFAULTS)).containsExactly(dir);
        assertThat(c.containerView(Cgroups.DEFAULTS)).containsExactly(new Cgroups.Hierarchy("", "cgroup2", ""));
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
    void createWritesSettingsInFakeV1Tree(@TempDir Path dir) throws IOException {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("pids"), "cgroup", "rw,pids"), line(dir.resolve("cpuset"), "cgroup", "rw,cpuset")));
        Files.createDirectories(dir.resolve("cpuset"));
        Files.writeString(dir.resolve("cpuset/cpuset.cpus"), "0-1\n");
        Files.writeString(dir.resolve("cpuset/cpuset.mems"), "0\n");
        // A fake tree: the kernel would create these files with each directory.
        for (String level : List.of("stevedore", "stevedore/i", "stevedore/i/c")) {
            Files.createDirectories(dir.resolve("cpuset").resolve(level));
            Files.writeString(dir.resolve("cpuset").resolve(level).resolve("cpuset.cpus"), "");
            Files.writeString(dir.resolve("cpuset").resolve(level).resolve("cpuset.mems"), "");
        }
        Files.delete(dir.resolve("cpuset/stevedore/i/c/cpuset.cpus"));
        Files.delete(dir.resolve("cpuset/stevedore/i/c/cpuset.mems"));
        Files.delete(dir.resolve("cpuset/stevedore/i/c"));
        List<Path> procs = c.create("stevedore/i/c", Set.of("memory", "pids", "cpuset"));
        assertThat(procs).containsExactlyInAnyOrder(dir.resolve("memory/stevedore/i/c/cgroup.procs"),
                dir.resolve("pids/stevedore/i/c/cgroup.procs"), dir.resolve("cpuset/stevedore/i/c/cgroup.procs"));
        assertThat(Files.readString(dir.resolve("cpuset/stevedore/i/cpuset.cpus"))).as("copied from the parent")
                .isEqualTo("0-1");
        Files.writeString(dir.resolve("memory/stevedore/i/c/memory.limit_in_bytes"), "");
        c.apply("stevedore/i/c", new CgroupSettings(Set.of(), List.of(new CgroupSettings.Write("memory",
                List.of("memory.limit_in_bytes"), "1048576", "linux.resources.memory.limit", "")), null));
        assertThat(Files.readString(dir.resolve("memory/stevedore/i/c/memory.limit_in_bytes"))).isEqualTo("1048576");
        assertThatThrownBy(() -> c.apply("stevedore/i/c", new CgroupSettings(Set.of(), List.of(new CgroupSettings.Write(
                "pids", List.of("pids.max"), "5", "linux.resources.pids.limit", "")), null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linux.resources.pids.limit: this host cannot apply it: the pids cgroup '"
                        + dir.resolve("pids/stevedore/i/c") + "' has no pids.max");
    }

    @Test
    void aProcessLeavesForTheRootOnlyTheHierarchiesItsNewControllersAreNotIn(@TempDir Path dir) throws IOException {
        Cgroups c = Cgroups.detect(List.of(line(dir.resolve("memory"), "cgroup", "rw,memory"),
                line(dir.resolve("cpu"), "cgroup", "rw,cpu,cpuacct"), line(dir.resolve("devices"), "cgroup", "rw,devices")));
        for (String root : List.of("memory", "cpu", "devices")) {
            Files.createDirectories(dir.resolve(root));
        }
        c.leave(42, Set.of("memory", "cpuacct", "devices"), Set.of("memory", "cpu"));
        assertThat(dir.resolve("devices/cgroup.procs")).as("only in the old set").hasContent("42");
        assertThat(dir.resolve("memory/cgroup.procs")).as("joined anew in the same hierarchy").doesNotExist();
        assertThat(dir.resolve("cpu/cgroup.procs")).as("cpu and cpuacct share a hierarchy").doesNotExist();
    }

    @Test
    void parentsAreMadeOnceAndAgainAfterTheyWereRemoved(@TempDir Path dir) throws IOException {
        Cgroups c = memoryAndPidsWithTwoCgroups(dir);
        Set<String> controllers = Set.of("memory", "pids");
        assertThat(dir.resolve("memory/stevedore/i/1")).isDirectory();
        assertThat(dir.resolve("pids/stevedore/i/2")).isDirectory();

        c.remove("stevedore/i/1", controllers);
        assertThat(dir.resolve("memory/stevedore/i/1")).doesNotExist();
        assertThat(dir.resolve("pids/stevedore/i/1")).doesNotExist();
        assertThat(dir.resolve("memory/stevedore/i/2")).as("a sibling stays").isDirectory();

        c.remove("stevedore/i");
        assertThat(dir.resolve("memory/stevedore/i")).doesNotExist();
        c.create("stevedore/i/3", controllers);
        assertThat(dir.resolve("memory/stevedore/i/3")).as("the removed parent is made again").isDirectory();

        // Removed behind this instance's back (another process): noticed when the cgroup cannot be made.
        Files.delete(dir.resolve("pids/stevedore/i/3"));
        Files.delete(dir.resolve("pids/stevedore/i"));
        c.create("stevedore/i/4", controllers);
        assertThat(dir.resolve("pids/stevedore/i/4")).isDirectory();
    }

    @Test
    void removalTakesTheCgroupsAContainerMadeBelowItsOwn(@TempDir Path dir) throws IOException {
        Cgroups c = memoryAndPidsWithTwoCgroups(dir);
        Set<String> controllers = Set.of("memory", "pids");
        // As a container with its own cgroup namespace may make them: a tree of empty directories.
        Files.createDirectories(dir.resolve("memory/stevedore/i/1/a/b/c"));
        Files.createDirectories(dir.resolve("memory/stevedore/i/1/d"));
        Files.createDirectories(dir.resolve("pids/stevedore/i/1/e"));

        c.remove("stevedore/i/1", controllers);
        assertThat(dir.resolve("memory/stevedore/i/1")).doesNotExist();
        assertThat(dir.resolve("pids/stevedore/i/1")).doesNotExist();
        assertThat(dir.resolve("memory/stevedore/i/2")).as("a sibling stays").isDirectory();

        Files.createDirectories(dir.resolve("pids/stevedore/i/2/f/g"));
        c.remove("stevedore/i");
        assertThat(dir.resolve("memory/stevedore")).isEmptyDirectory();
        assertThat(dir.resolve("pids/stevedore")).isEmptyDirectory();
    }

    @Test
    void v2ParentsDelegateControllersOnceUnlessMoreAreAsked(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.controllers"), "cpu io memory hugetlb pids\n");
        Cgroups c = Cgroups.detect(List.of(line(dir, "cgroup2", "rw")));
        List<Path> controls = List.of(dir.resolve("cgroup.subtree_control"),
                dir.resolve("stevedore/cgroup.subtree_control"), dir.resolve("stevedore/i/cgroup.subtree_control"));
        c.create("stevedore/i/1", Set.of("memory", "pids", "freezer"));
        for (Path control : controls) {
            assertThat(Files.readString(control)).as(control.toString()).isEqualTo("+memory +pids");
            Files.delete(control);
        }
        c.create("stevedore/i/2", Set.of("memory", "pids"));
        assertThat(controls).as("delegated already").allMatch(p -> !Files.exists(p));
        c.create("stevedore/i/3", Set.of("memory", "pids", "hugetlb"));
        for (Path control : controls) {
            assertThat(Files.readString(control)).as(control.toString()).isEqualTo("+hugetlb +memory +pids");
        }
        assertThat(dir.resolve("stevedore/i/3/cgroup.subtree_control")).as("a container's own cgroup delegates nothing")
                .doesNotExist();

        // hugetlb taken off the v2 hierarchy and given back meanwhile: its files are missing until delegated again.
        controls.forEach(p -> p.toFile().delete());
        c.create("stevedore/i/4", Set.of("memory", "pids", "hugetlb"));
        assertThatThrownBy(() -> c.apply("stevedore/i/4", new CgroupSettings(Set.of(), List.of(new CgroupSettings.Write(
                "hugetlb", List.of("hugetlb.2MB.max"), "4194304", "linux.resources.hugepageLimits[0]", "")), null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has no hugetlb.2MB.max");
        for (Path control : controls) {
            assertThat(Files.readString(control)).as(control.toString()).isEqualTo("+hugetlb");
        }
    }
}
