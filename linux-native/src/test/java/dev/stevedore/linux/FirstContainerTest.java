package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The helper a runtime prepares as it opens (for pipes) is placed in cgroups of the controllers most
 * containers join; a first container that needs other controllers gets its own cgroups of those, and
 * the cgroups the helper was placed in are gone. Helpers are prepared in advance from the second
 * container on.
 */
class FirstContainerTest {
    @TempDir
    static Path tmp;
    static Path rootfs;

    @BeforeAll
    static void root() {
        rootfs = RootHost.busyboxRootfs(tmp);
    }

    @Test
    void aFirstContainerWithUsualControllersTakesTheHelperPlacedAtOpening() throws Exception {
        try (LinuxRuntime runtime = (LinuxRuntime) new LinuxBackend().open(tmp.resolve("state-usual"))) {
            String placed = placedAtOpening(runtime, "devices");
            ContainerHandle c = runtime.create("usual", spec("{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}"),
                    List.of(), Stdio.pipes());
            try {
                assertThat(((LinuxContainer) c).cgroup()).isEqualTo(placed);
                c.start();
                assertThat(cgroupsOf(c.pid())).containsOnly("/" + placed).hasSize(
                        runtime.cgroups().roots(runtime.cgroups().controllersFor(Set.of("devices"))).size());
            } finally {
                c.delete();
            }
        }
    }

    @Test
    void aFirstContainerWithMoreControllersRunsInItsOwnCgroupsOfThem() throws Exception {
        try (LinuxRuntime runtime = (LinuxRuntime) new LinuxBackend().open(tmp.resolve("state-more"))) {
            Cgroups cg = runtime.cgroups();
            String placed = placedAtOpening(runtime, "devices");
            ContainerHandle c = runtime.create("more", spec("""
                    {"devices": [{"allow": false, "access": "rwm"}], "cpu": {"shares": 512},
                     "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}"""), List.of(), Stdio.pipes());
            try {
                c.start();
                String cgroup = ((LinuxContainer) c).cgroup();
                assertThat(cgroup).isNotEqualTo(placed);
                assertThat(cg.read("cpu", cgroup, cg.isV2("cpu") ? "cpu.weight" : "cpu.shares"))
                        .isEqualTo(cg.isV2("cpu") ? "20" : "512");
                assertThat(cg.read("hugetlb", cgroup, cg.isV2("hugetlb") ? "hugetlb.2MB.max"
                        : "hugetlb.2MB.limit_in_bytes")).isEqualTo("4194304");
                assertThat(cgroupsOf(c.pid())).as("every hierarchy of the container's controllers")
                        .containsOnly("/" + cgroup)
                        .hasSize(cg.roots(cg.controllersFor(Set.of("devices", "cpu", "hugetlb"))).size());
                assertThat(cg.roots()).noneMatch(root -> Files.exists(root.resolve(placed)));
            } finally {
                c.delete();
            }
        }
    }

    @Test
    void aFirstContainerWithFewerControllersLeavesTheOthers() throws Exception {
        try (LinuxRuntime runtime = (LinuxRuntime) new LinuxBackend().open(tmp.resolve("state-fewer"))) {
            Cgroups cg = runtime.cgroups();
            String placed = placedAtOpening(runtime, "devices");
            ContainerHandle c = runtime.create("fewer", spec("{}"), List.of(), Stdio.pipes());
            try {
                c.start();
                String cgroup = ((LinuxContainer) c).cgroup();
                assertThat(cgroupsOf(c.pid())).as("no device rules: in no devices cgroup of the runtime")
                        .containsOnly("/" + cgroup).hasSize(cg.roots(cg.controllersFor(Set.of())).size());
                assertThat(cg.roots()).noneMatch(root -> Files.exists(root.resolve(placed)));
                c.kill(9);
                assertThat(c.waitFor()).isEqualTo(137);
            } finally {
                c.delete();
            }
        }
    }

    @Test
    void helpersArePreparedInAdvanceFromTheSecondContainerOn() throws Exception {
        try (LinuxRuntime runtime = (LinuxRuntime) new LinuxBackend().open(tmp.resolve("state-spares"))) {
            placedAtOpening(runtime, "devices");
            String usual = "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}";
            ContainerHandle first = runtime.create("first", spec(usual), List.of(), Stdio.pipes());
            try {
                // Spares would be placed within milliseconds of the container's creation.
                Thread.sleep(300);
                assertThat(populated(runtime)).as("the first container's cgroup alone").hasSize(1);
                ContainerHandle second = runtime.create("second", spec(usual), List.of(), Stdio.pipes());
                try {
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    while (populated(runtime).size() < 2 + LinuxRuntime.SPARES && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                    assertThat(populated(runtime)).as("both containers' cgroups and the spares'")
                            .hasSize(2 + LinuxRuntime.SPARES);
                } finally {
                    second.delete();
                }
            } finally {
                first.delete();
            }
        }
    }

    private static Spec spec(String resources) {
        return TestSpecs.docker(rootfs, "sleep", "100")
                .withResources(OciJson.read(resources, Resources.class, "linux.resources"));
    }

    /**
     * @return the cgroup, below each root, that the helper spawned at opening was placed in; waited for in
     *     the hierarchy of {@code controller}, which the usual controllers include
     */
    private static String placedAtOpening(LinuxRuntime runtime, String controller) throws Exception {
        Cgroups cg = runtime.cgroups();
        assertThat(cg.has(controller) && !cg.isV2(controller)).as("this test needs a v1 " + controller + " hierarchy")
                .isTrue();
        Path dir = cg.roots(Set.of(controller)).get(0).resolve("stevedore/" + runtime.instance());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            List<Path> joined = populated(dir);
            if (!joined.isEmpty()) {
                assertThat(joined).as("one helper placed as the runtime opened").hasSize(1);
                return "stevedore/" + runtime.instance() + "/" + joined.get(0).getFileName();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("no helper joined a cgroup in " + dir + " within 10 s of the runtime's opening");
    }

    /** @return the runtime's cgroups in the devices hierarchy that hold processes */
    private static List<Path> populated(LinuxRuntime runtime) throws IOException {
        return populated(runtime.cgroups().roots(Set.of("devices")).get(0).resolve("stevedore/" + runtime.instance()));
    }

    private static List<Path> populated(Path dir) throws IOException {
        List<Path> joined = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> children = Files.list(dir)) {
                for (Path child : children.filter(Files::isDirectory).toList()) {
                    if (!Files.readString(child.resolve("cgroup.procs")).isBlank()) {
                        joined.add(child);
                    }
                }
            }
        }
        return joined;
    }

    /** @return the paths of the process's cgroups that belong to a runtime, one per hierarchy */
    private static List<String> cgroupsOf(long pid) throws IOException {
        List<String> paths = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String path = line.substring(line.indexOf(':', line.indexOf(':') + 1) + 1);
            if (path.startsWith("/stevedore/")) {
                paths.add(path);
            }
        }
        return paths;
    }
}
