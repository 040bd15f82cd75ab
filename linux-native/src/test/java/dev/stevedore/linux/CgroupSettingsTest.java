package dev.stevedore.linux;

import static dev.stevedore.linux.CgroupsTest.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Resources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The translation of linux.resources into cgroup writes, on fake v1, v2 and hybrid hosts. */
class CgroupSettingsTest {
    static final CgroupSettings.Host HOST = new CgroupSettings.Host(CgroupSettings.list("0-1"),
            CgroupSettings.list("0"), Set.of("2MB", "1GB"));

    /** This machine's layout: every controller on v1, hugetlb on the v2 mount. */
    static Cgroups hybrid(Path dir) throws IOException {
        Path unified = Files.createDirectories(dir.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "hugetlb\n");
        return Cgroups.detect(List.of(line(dir.resolve("cpu"), "cgroup", "rw,cpu"),
                line(dir.resolve("cpuacct"), "cgroup", "rw,cpuacct"), line(dir.resolve("cpuset"), "cgroup", "rw,cpuset"),
                line(dir.resolve("memory"), "cgroup", "rw,memory"), line(dir.resolve("devices"), "cgroup", "rw,devices"),
                line(dir.resolve("freezer"), "cgroup", "rw,freezer"), line(dir.resolve("blkio"), "cgroup", "rw,blkio"),
                line(dir.resolve("pids"), "cgroup", "rw,pids"), line(dir.resolve("systemd"), "cgroup", "rw,name=systemd"),
                line(unified, "cgroup2", "rw")));
    }

    static Cgroups v2(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        return Cgroups.detect(List.of(line(dir, "cgroup2", "rw,nsdelegate")));
    }

    static Resources resources(String json) {
        return OciJson.read(json, Resources.class, "linux.resources");
    }

    static List<String> writes(CgroupSettings s) {
        return s.writes().stream().map(w -> w.controller() + " " + String.join("|", w.files()) + " = " + w.value())
                .collect(Collectors.toList());
    }

    static final String ALL = """
            {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "kernel": 1048576},
             "cpu": {"shares": 512, "quota": 50000, "period": 100000, "burst": 10000, "cpus": "1", "mems": "0", "idle": 0},
             "pids": {"limit": 50},
             "blockIO": {"weight": 300, "weightDevice": [{"major": 254, "minor": 0, "weight": 200}],
               "throttleReadBpsDevice": [{"major": 254, "minor": 0, "rate": 1048576}],
               "throttleWriteIOPSDevice": [{"major": 254, "minor": 0, "rate": 100}]},
             "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}
            """;

    @Test
    void everyFieldOnV1WithHugetlbOnV2(@TempDir Path dir) throws IOException {
        Resources r = resources(ALL.replace("\"kernel\": 1048576", "\"kernelTCP\": 8388608, \"swappiness\": 10, "
                + "\"disableOOMKiller\": false"));
        CgroupSettings s = CgroupSettings.of(r, List.of(), hybrid(dir), HOST);
        assertThat(s.controllers()).containsExactlyInAnyOrder("memory", "cpu", "cpuset", "pids", "blkio", "hugetlb");
        assertThat(writes(s)).containsExactly(
                "memory memory.limit_in_bytes = 67108864",
                "memory memory.soft_limit_in_bytes = 33554432",
                "memory memory.memsw.limit_in_bytes = 134217728",
                "memory memory.kmem.tcp.limit_in_bytes = 8388608",
                "memory memory.swappiness = 10",
                "cpu cpu.shares = 512",
                "cpu cpu.cfs_period_us = 100000",
                "cpu cpu.cfs_quota_us = 50000",
                "cpu cpu.cfs_burst_us = 10000",
                "cpu cpu.idle = 0",
                "cpuset cpuset.cpus = 1",
                "cpuset cpuset.mems = 0",
                "pids pids.max = 51",
                "blkio blkio.weight|blkio.bfq.weight = 300",
                "blkio blkio.weight_device|blkio.bfq.weight_device = 254:0 200",
                "blkio blkio.throttle.read_bps_device = 254:0 1048576",
                "blkio blkio.throttle.write_iops_device = 254:0 100",
                "hugetlb hugetlb.2MB.max = 4194304");
    }

    @Test
    void everyFieldOnV2WithRuncsConversions(@TempDir Path dir) throws IOException {
        CgroupSettings s = CgroupSettings.of(resources(ALL), List.of(), v2(dir), HOST);
        assertThat(writes(s)).containsExactly(
                "memory memory.max = 67108864",
                "memory memory.low = 33554432",
                "memory memory.swap.max = 67108864",
                "cpu cpu.weight = 20",
                "cpu cpu.max = 50000 100000",
                "cpu cpu.max.burst = 10000",
                "cpu cpu.idle = 0",
                "cpuset cpuset.cpus = 1",
                "cpuset cpuset.mems = 0",
                "pids pids.max = 51",
                "blkio io.bfq.weight = 300",
                "blkio io.bfq.weight = 254:0 200",
                "blkio io.max = 254:0 rbps=1048576",
                "blkio io.max = 254:0 wiops=100",
                "hugetlb hugetlb.2MB.max = 4194304");
    }

    @Test
    void unlimitedValues(@TempDir Path dir) throws IOException {
        Resources r = resources("""
                {"memory": {"limit": -1, "swap": -1}, "cpu": {"quota": -1}, "pids": {"limit": -1},
                 "hugepageLimits": [{"pageSize": "1GB", "limit": -1}]}""");
        assertThat(writes(CgroupSettings.of(r, List.of(), v2(dir), HOST))).containsExactly("memory memory.max = max",
                "memory memory.swap.max = max", "cpu cpu.max = max 100000", "pids pids.max = max",
                "hugetlb hugetlb.1GB.max = max");
        assertThat(writes(CgroupSettings.of(r, List.of(), hybrid(dir.resolve("h")), HOST))).containsExactly(
                "memory memory.limit_in_bytes = -1", "memory memory.memsw.limit_in_bytes = -1",
                "cpu cpu.cfs_quota_us = -1", "pids pids.max = max", "hugetlb hugetlb.1GB.max = max");
    }

    @Test
    void deviceRulesOnV1AreFollowedByTheRuntimesOwnDevices(@TempDir Path dir) throws IOException {
        Resources r = resources("""
                {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11,
                  "access": "r"}, {"allow": true, "type": "b", "major": 8, "access": "m"}]}""");
        Linux.Device fuse = new Linux.Device("c", "/dev/fuse", 10L, 229L, null, null, null, null);
        Linux.Device fifo = new Linux.Device("p", "/dev/fifo", 8L, 666L, null, null, null, null);
        CgroupSettings s = CgroupSettings.of(r, List.of(fuse, fifo), hybrid(dir), HOST);
        assertThat(s.controllers()).containsExactly("devices");
        List<String> writes = writes(s);
        assertThat(writes.subList(0, 3)).containsExactly("devices devices.deny = a",
                "devices devices.allow = c 1:11 r", "devices devices.allow = b 8:* m");
        assertThat(writes).contains("devices devices.allow = c 1:3 rwm", "devices devices.allow = c 136:* rwm")
                .endsWith("devices devices.allow = c 10:229 rwm");
        assertThat(writes).as("a FIFO is no device of the controller (it refuses 'p')").noneMatch(w -> w.contains("= p "));
        assertThat(CgroupSettings.of(null, List.of(fuse), hybrid(dir), HOST).writes()).as("no rules, no device cgroup")
                .isEmpty();
    }

    @Test
    void deviceRulesOnV2BecomeOneFilterWithTheSameRulesInTheSameOrder(@TempDir Path dir) throws IOException {
        Resources r = resources("""
                {"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11,
                  "access": "r"}]}""");
        Linux.Device fuse = new Linux.Device("c", "/dev/fuse", 10L, 229L, null, null, null, null);
        CgroupSettings v2 = CgroupSettings.of(r, List.of(fuse), v2(dir.resolve("v2")), HOST);
        CgroupSettings v1 = CgroupSettings.of(r, List.of(fuse), hybrid(dir.resolve("v1")), HOST);
        assertThat(v2.writes()).as("v2 has no devices.allow file").isEmpty();
        assertThat(v2.controllers()).containsExactly("devices");
        assertThat(v1.devices()).isNull();
        assertThat(v2.devices().rules().stream().map(rule -> (rule.allow() ? "allow " : "deny ") + rule.v1Line()))
                .containsExactlyElementsOf(v1.writes().stream()
                        .map(w -> (w.files().get(0).endsWith("allow") ? "allow " : "deny ") + w.value()).toList());
    }

    @Test
    void kernelMemoryIsIgnoredAsRuncDoes(@TempDir Path dir) throws IOException {
        Resources r = resources("{\"memory\": {\"kernel\": 1048576}}");
        assertThat(CgroupSettings.of(r, List.of(), hybrid(dir), HOST).writes()).isEmpty();
    }

    @Test
    void unifiedKeysGoWhereTheirControllerIsOnV2(@TempDir Path dir) throws IOException {
        Cgroups hybrid = hybrid(dir);
        CgroupSettings s = CgroupSettings.of(resources("{\"unified\": {\"hugetlb.2MB.max\": \"2097152\"}}"), List.of(),
                hybrid, HOST);
        assertThat(writes(s)).containsExactly("hugetlb hugetlb.2MB.max = 2097152");
        refused(hybrid, "{\"unified\": {\"memory.high\": \"1000000\"}}", "linux.resources.unified.memory.high: the "
                + "memory controller is not on cgroup v2 on this host (it is on v1, which has no such file)");
        refused(hybrid, "{\"unified\": {\"../x\": \"1\"}}",
                "linux.resources.unified.../x: '../x' is not a cgroup v2 file name such as memory.high");
        assertThat(writes(CgroupSettings.of(resources("{\"unified\": {\"memory.high\": \"1000000\", "
                + "\"io.weight\": \"default 100\"}}"), List.of(), v2(dir.resolve("v2")), HOST)))
                .containsExactlyInAnyOrder("memory memory.high = 1000000", "blkio io.weight = default 100");
    }

    static void refused(Cgroups cgroups, String json, String message) {
        assertThatThrownBy(() -> CgroupSettings.of(resources(json), List.of(), cgroups, HOST))
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void impossibleValuesAreRefusedWithTheirPath(@TempDir Path dir) throws IOException {
        Cgroups c = hybrid(dir);
        refused(c, "{\"cpu\": {\"quota\": -5}}",
                "linux.resources.cpu.quota: -5 is neither -1 (unlimited) nor at least 1000 microseconds");
        refused(c, "{\"cpu\": {\"period\": 10}}", "linux.resources.cpu.period: 10 is outside 1000..1000000 microseconds");
        refused(c, "{\"cpu\": {\"shares\": 1}}", "linux.resources.cpu.shares: 1 is outside 2..262144");
        refused(c, "{\"cpu\": {\"cpus\": \"0-63\"}}", "linux.resources.cpu.cpus: '0-63' names CPUs this host does not "
                + "have online ({2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, "
                + "26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, "
                + "51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63}; it has {0, 1})");
        refused(c, "{\"cpu\": {\"cpus\": \"1-x\"}}",
                "linux.resources.cpu.cpus: '1-x' is not a list such as 0-3,7: '1-x' is not a number or range");
        refused(c, "{\"cpu\": {\"mems\": \"3\"}}",
                "linux.resources.cpu.mems: '3' names memory nodes this host does not have online ({3}; it has {0})");
        refused(c, "{\"cpu\": {\"quota\": 20000, \"burst\": 30000}}",
                "linux.resources.cpu.burst: 30000 must be between 0 and a set quota");
        refused(c, "{\"memory\": {\"limit\": -2}}",
                "linux.resources.memory.limit: -2 is neither -1 (unlimited) nor a size in bytes");
        refused(c, "{\"memory\": {\"limit\": 2000000, \"swap\": 1000000}}",
                "linux.resources.memory.swap: 1000000 is below the memory limit 2000000; it counts memory plus swap");
        refused(c, "{\"memory\": {\"swap\": 1000000}}",
                "linux.resources.memory.swap: is memory plus swap, so it needs a memory limit too");
        refused(c, "{\"pids\": {\"limit\": -3}}", "linux.resources.pids.limit: -3 is neither -1 (unlimited) nor a count");
        refused(c, "{\"blockIO\": {\"weight\": 5}}", "linux.resources.blockIO.weight: 5 is outside 10..1000");
        refused(c, "{\"hugepageLimits\": [{\"pageSize\": \"4MB\", \"limit\": 1}]}",
                "linux.resources.hugepageLimits[0].pageSize: '4MB' is not a huge page size of this host (it has 1GB, 2MB)");
        refused(c, "{\"network\": {\"classID\": 1048577}}",
                "linux.resources.network.classID: this host has no net_cls cgroup controller mounted");
        refused(c, "{\"rdma\": {\"mlx5_0\": {\"hcaHandles\": 3}}}",
                "linux.resources.rdma.mlx5_0: this host has no rdma cgroup controller mounted");
        refused(v2(dir.resolve("v2b")), "{\"memory\": {\"swappiness\": 10}}",
                "linux.resources.memory.swappiness: cgroup v2 has no such setting");
        refused(c, "{\"cpu\": {\"realtimeRuntime\": -1}}", "linux.resources.cpu.realtimeRuntime: -1 is outside "
                + "0..1000000 microseconds (the period); only the root cgroup may have -1");
        refused(v2(dir.resolve("v2c")), "{\"cpu\": {\"realtimeRuntime\": 1000}}",
                "linux.resources.cpu.realtimeRuntime: cgroup v2 has no real-time CPU budget");
    }

    @Test
    void unknownDeviceTypeIsRefusedByTheModelWithItsPath() {
        assertThatThrownBy(() -> resources("{\"devices\": [{\"allow\": true, \"type\": \"x\"}]}"))
                .isInstanceOf(OciFormatException.class).hasMessageContaining("linux.resources.devices[0].type")
                .hasMessageContaining("\"x\" is not a device rule type");
    }

    @Test
    void hugePageSizesAreNamedAsTheKernelNamesThem() {
        assertThat(CgroupSettings.Host.pageSize(2048)).isEqualTo("2MB");
        assertThat(CgroupSettings.Host.pageSize(1048576)).isEqualTo("1GB");
        assertThat(CgroupSettings.Host.pageSize(64)).isEqualTo("64KB");
        assertThat(CgroupSettings.list("0-3,7")).hasToString("{0, 1, 2, 3, 7}");
        assertThat(CgroupSettings.list(" 5 , 8-9\n")).hasToString("{5, 8, 9}");
        for (String bad : List.of("", "1-", "-1", "1-2-3", "a", "1,,2", "99999999999")) {
            assertThatThrownBy(() -> CgroupSettings.list(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageEndingWith("is not a number or range");
        }
        assertThatThrownBy(() -> CgroupSettings.list("3-1")).hasMessage("'3-1' is not a valid range");
    }
}
