package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.runtime.IdMapping;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a non-root caller's mapping is chosen and what it changes in a spec; no root needed. */
class RootlessSpecTest {
    @TempDir
    Path tmp;

    Rootless detect(String subuid, String subgid, boolean tools) throws Exception {
        return Rootless.detect(1000, 1001, "alice", Files.writeString(tmp.resolve("subuid"), subuid),
                Files.writeString(tmp.resolve("subgid"), subgid), tools);
    }

    @Test
    void subordinateRangesOfTheUserByNameOrUidGiveTheFullMapping() throws Exception {
        Rootless r = detect("bob:100000:65536\nalice:200000:65536\n", "1000:300000:1000\n", true);
        assertThat(r.uidMappings()).containsExactly(IdMapping.of(0, 1000, 1), IdMapping.of(1, 200000, 65536));
        assertThat(r.gidMappings()).containsExactly(IdMapping.of(0, 1001, 1), IdMapping.of(1, 300000, 1000));
        assertThat(r.usesTools()).isTrue();
        assertThat(r.description()).contains("subordinate ids", "/usr/bin/newuidmap");
    }

    @Test
    void withoutARangeOrWithoutTheToolsOnlyTheCallerIsMapped() throws Exception {
        Rootless noRange = detect("bob:100000:65536\n", "alice:300000:1000\n", true);
        assertThat(noRange.uidMappings()).containsExactly(IdMapping.of(0, 1000, 1));
        assertThat(noRange.gidMappings()).containsExactly(IdMapping.of(0, 1001, 1));
        assertThat(noRange.usesTools()).isFalse();
        assertThat(noRange.description()).contains("single mapping", "no range for 'alice'");
        Rootless noTools = detect("alice:200000:65536\n", "alice:300000:1000\n", false);
        assertThat(noTools.uidMappings()).hasSize(1);
        assertThat(noTools.description()).contains("single mapping", "uidmap");
    }

    @Test
    void theSpecGetsAUserNamespaceAndWhatAnUnprivilegedNamespaceMayMount() throws Exception {
        Rootless r = detect("", "", true);
        Spec spec = r.apply(unlimited());
        Linux linux = spec.linux();
        assertThat(linux.namespaces().get(0)).isEqualTo(Namespace.of(NamespaceType.USER));
        assertThat(linux.uidMappings()).containsExactly(IdMapping.of(0, 1000, 1));
        Mount devpts = spec.mounts().stream().filter(m -> "devpts".equals(m.type())).findFirst().orElseThrow();
        assertThat(devpts.options()).as("gid 5 is not mapped").noneMatch(o -> o.startsWith("gid="))
                .contains("newinstance");
        assertThat(spec.mounts()).as("its own network namespace: sysfs may be mounted")
                .anyMatch(m -> "sysfs".equals(m.type()));
        List<Namespace> hostNetwork = linux.namespaces().stream().filter(n -> n.type() != NamespaceType.NETWORK)
                .filter(n -> n.type() != NamespaceType.USER).toList();
        Spec shared = r.apply(spec.withLinux(linux.withNamespaces(hostNetwork).withIdMappings(List.of(), List.of())));
        Mount sys = shared.mounts().stream().filter(m -> m.destination().equals("/sys")).findFirst().orElseThrow();
        assertThat(sys.type()).as("the host's network namespace: its /sys is bound").isEqualTo("bind");
        assertThat(sys.options()).contains("rbind", "ro");
    }

    @Test
    void aSpecWithItsOwnUserNamespaceKeepsItsMappings() throws Exception {
        Rootless r = detect("", "", true);
        Spec base = unlimited();
        List<Namespace> namespaces = new java.util.ArrayList<>(base.linux().namespaces());
        namespaces.add(Namespace.of(NamespaceType.USER));
        Spec own = base.withLinux(base.linux().withNamespaces(namespaces)
                .withIdMappings(List.of(IdMapping.of(0, 1000, 1)), List.of(IdMapping.of(0, 1001, 1))));
        Spec applied = r.apply(own);
        assertThat(applied.linux().namespaces()).filteredOn(n -> n.type() == NamespaceType.USER).hasSize(1);
        assertThat(applied.linux().gidMappings()).containsExactly(IdMapping.of(0, 1001, 1));
    }

    @Test
    void limitsAreRefusedNamingTheFieldsAndDeviceRulesDropped() throws Exception {
        Rootless r = detect("", "", true);
        Spec spec = unlimited();
        assertThatThrownBy(() -> r.apply(spec.withResources(Resources.none()
                .withMemory(Resources.Memory.limit(1 << 26)).withPids(Resources.Pids.of(10)))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linux.resources.memory: resource limits are not supported for rootless")
                .hasMessageContaining("uid 1000 cannot create cgroups").hasMessageContaining("memory, pids");
        Resources.DeviceRule denyAll = new Resources.DeviceRule(false, null, null, null, "rwm", null);
        Spec devices = r.apply(spec.withResources(Resources.none().withDevices(List.of(denyAll))));
        assertThat(devices.linux().resources().devices()).isEmpty();
    }

    @Test
    void mapsAreWrittenByRootDirectlyByAUserForItselfAndThroughTheToolsForRanges() {
        Linux single = Linux.of(List.of()).withIdMappings(List.of(IdMapping.of(0, 1000, 1)),
                List.of(IdMapping.of(0, 1001, 1)));
        assertThat(lines(single, 0, 0)).containsExactly("ID_MAP uid_map 0 1000 1\n", "ID_MAP gid_map 0 1001 1\n");
        assertThat(lines(single, 1000, 1001)).containsExactly("ID_MAP setgroups deny", "ID_MAP uid_map 0 1000 1\n",
                "ID_MAP gid_map 0 1001 1\n");
        Linux ranges = Linux.of(List.of()).withIdMappings(
                List.of(IdMapping.of(0, 1000, 1), IdMapping.of(1, 200000, 65536)), List.of(IdMapping.of(0, 1001, 1)));
        assertThat(lines(ranges, 1000, 1001)).containsExactly(
                "ID_MAP /usr/bin/newuidmap 0 1000 1\n1 200000 65536\n", "ID_MAP /usr/bin/newgidmap 0 1001 1\n");
    }

    /** Docker's configuration without its resource limits. */
    private static Spec unlimited() {
        return TestSpecs.docker(Path.of("/r"), "true").withResources(null);
    }

    private static List<String> lines(Linux linux, long euid, long egid) {
        Plan plan = new Plan();
        Planner.addIdMaps(plan, linux, euid, egid);
        return plan.lines();
    }
}
