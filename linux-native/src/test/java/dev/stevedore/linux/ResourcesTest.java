package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerState;
import dev.stevedore.spi.ContainerStats;
import dev.stevedore.spi.Stdio;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end, as root: linux.resources in the kernel's cgroup files, their effects, stats, OOM and pause. */
class ResourcesTest {
    @TempDir
    static Path tmp;
    static Path rootfs;
    static LinuxRuntime runtime;
    static int counter;
    /** The block device holding the rootfs, as major:minor. */
    static String disk;

    @BeforeAll
    static void open() throws IOException {
        rootfs = RootHost.busyboxRootfs(tmp);
        for (String applet : List.of("dd", "mknod", "rm", "date")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        long dev = (Long) Files.getAttribute(rootfs, "unix:dev");
        disk = ((dev >> 8) & 0xfff) + ":" + ((dev & 0xff) | ((dev >> 12) & 0xfff00));
        assertThat(Path.of("/sys/dev/block", disk)).as("the rootfs must be on a block device for I/O tests")
                .exists();
        runtime = (LinuxRuntime) new LinuxBackend().open(tmp.resolve("state"));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    static synchronized String nextId() {
        return "r" + counter++;
    }

    static Spec sh(String script, String resources) {
        return TestSpecs.docker(rootfs, "sh", "-c", script)
                .withResources(OciJson.read(resources, Resources.class, "linux.resources"));
    }

    static String read(ContainerHandle c, String controller, String file) {
        return runtime.cgroups().read(controller, ((LinuxContainer) c).cgroup(), file);
    }

    static String out(ContainerHandle c) throws IOException {
        return new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
    }

    @Test
    void everyResourceLandsInItsCgroupFile() {
        String[] d = disk.split(":");
        Spec spec = sh("sleep 100", """
                {"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728, "kernelTCP": 16777216,
                   "swappiness": 10},
                 "cpu": {"shares": 512, "quota": 50000, "period": 200000, "burst": 10000, "cpus": "1", "mems": "0",
                   "idle": 0},
                 "pids": {"limit": 50},
                 "blockIO": {"weight": 300,
                   "throttleReadBpsDevice": [{"major": %1$s, "minor": %2$s, "rate": 1048576}],
                   "throttleWriteBpsDevice": [{"major": %1$s, "minor": %2$s, "rate": 2097152}],
                   "throttleReadIOPSDevice": [{"major": %1$s, "minor": %2$s, "rate": 300}],
                   "throttleWriteIOPSDevice": [{"major": %1$s, "minor": %2$s, "rate": 400}]},
                 "hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}],
                 "devices": [{"allow": false, "access": "rwm"}]}
                """.formatted(d[0], d[1]));
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.discard());
        try {
            c.start();
            Cgroups cg = runtime.cgroups();
            boolean v2 = cg.isV2("memory");
            assertThat(read(c, "memory", v2 ? "memory.max" : "memory.limit_in_bytes")).isEqualTo("67108864");
            assertThat(read(c, "memory", v2 ? "memory.low" : "memory.soft_limit_in_bytes")).isEqualTo("33554432");
            assertThat(read(c, "memory", v2 ? "memory.swap.max" : "memory.memsw.limit_in_bytes"))
                    .isEqualTo(v2 ? "67108864" : "134217728");
            if (!v2) {
                assertThat(read(c, "memory", "memory.kmem.tcp.limit_in_bytes")).isEqualTo("16777216");
                assertThat(read(c, "memory", "memory.swappiness")).isEqualTo("10");
            }
            boolean cpuV2 = cg.isV2("cpu");
            assertThat(read(c, "cpu", cpuV2 ? "cpu.weight" : "cpu.shares")).isEqualTo(cpuV2 ? "20" : "512");
            if (cpuV2) {
                assertThat(read(c, "cpu", "cpu.max")).isEqualTo("50000 200000");
            } else {
                assertThat(read(c, "cpu", "cpu.cfs_quota_us")).isEqualTo("50000");
                assertThat(read(c, "cpu", "cpu.cfs_period_us")).isEqualTo("200000");
                assertThat(read(c, "cpu", "cpu.cfs_burst_us")).isEqualTo("10000");
            }
            assertThat(read(c, "cpuset", "cpuset.cpus")).isEqualTo("1");
            assertThat(read(c, "cpuset", "cpuset.mems")).isEqualTo("0");
            assertThat(read(c, "pids", "pids.max")).as("50 plus the helper").isEqualTo("51");
            if (cg.isV2("blkio")) {
                assertThat(read(c, "blkio", "io.max")).isEqualTo(disk + " rbps=1048576 wbps=2097152 riops=300 wiops=400");
            } else {
                assertThat(read(c, "blkio", "blkio.bfq.weight")).contains("300");
                assertThat(read(c, "blkio", "blkio.throttle.read_bps_device")).isEqualTo(disk + " 1048576");
                assertThat(read(c, "blkio", "blkio.throttle.write_bps_device")).isEqualTo(disk + " 2097152");
                assertThat(read(c, "blkio", "blkio.throttle.read_iops_device")).isEqualTo(disk + " 300");
                assertThat(read(c, "blkio", "blkio.throttle.write_iops_device")).isEqualTo(disk + " 400");
            }
            assertThat(read(c, "hugetlb", cg.isV2("hugetlb") ? "hugetlb.2MB.max" : "hugetlb.2MB.limit_in_bytes"))
                    .isEqualTo("4194304");
            assertThat(read(c, "devices", "devices.list").split("\n")).as("deny all, then the runtime's own devices")
                    .contains("c 1:3 rwm", "c 136:* rwm", "c *:* m").doesNotContain("a *:* rwm");
            assertThat(cg.dir("hugetlb", "x").startsWith(Path.of("/sys/fs/cgroup/unified")))
                    .as("this host keeps hugetlb on its v2 mount").isEqualTo(cg.isV2("hugetlb"));
        } finally {
            c.delete();
        }
    }

    @Test
    void unifiedKeysAreWrittenWhereTheirControllerIsOnV2() {
        assertThat(runtime.cgroups().isV2("hugetlb")).as("this test needs hugetlb on cgroup v2, as on this host")
                .isTrue();
        ContainerHandle c = runtime.create(nextId(), sh("sleep 100", "{\"unified\": {\"hugetlb.2MB.max\": \"2097152\"}}"),
                List.of(), Stdio.discard());
        try {
            assertThat(read(c, "hugetlb", "hugetlb.2MB.max")).isEqualTo("2097152");
        } finally {
            c.delete();
        }
    }

    @Test
    void cpuQuotaThrottles() throws IOException {
        ContainerHandle c = runtime.create(nextId(), sh("end=$(($(date +%s) + 2)); "
                + "while [ $(date +%s) -lt $end ]; do :; done", "{\"cpu\": {\"quota\": 5000, \"period\": 50000}}"),
                List.of(), Stdio.discard());
        try {
            c.start();
            assertThat(c.waitFor(Duration.ofSeconds(30))).hasValue(0);
            String stat = read(c, "cpu", "cpu.stat");
            long throttled = Long.parseLong(stat.replaceAll("(?s).*nr_throttled (\\d+).*", "$1"));
            assertThat(throttled).as(stat).isGreaterThan(5);
            assertThat(c.stats().cpuNanos()).as("10%% of 2 s, give or take").isBetween(50_000_000L, 800_000_000L);
        } finally {
            c.delete();
        }
    }

    @Test
    void cpusetRestrictsTheCpusAProcessMayUse() throws IOException {
        ContainerHandle c = runtime.create(nextId(), sh("grep Cpus_allowed_list /proc/self/status",
                "{\"cpu\": {\"cpus\": \"1\"}}"), List.of(), Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            assertThat(out(c)).isEqualTo("Cpus_allowed_list:\t1\n");
        } finally {
            c.delete();
        }
    }

    @Test
    void aCpusetCgroupGetsItsParentsCpusWhenTheSpecSetsNone() throws IOException {
        for (int i = 0; i < 2; i++) {
            ContainerHandle c = runtime.create(nextId(), sh("grep Cpus_allowed_list /proc/self/status",
                    "{\"cpu\": {\"mems\": \"0\"}}"), List.of(), Stdio.pipes());
            try {
                String parent = runtime.cgroups().read("cpuset", "stevedore/" + runtime.instance(), "cpuset.cpus");
                assertThat(read(c, "cpuset", "cpuset.cpus")).as("container " + i).isEqualTo(parent).isNotBlank();
                c.stdin().close();
                c.start();
                assertThat(out(c)).isEqualTo("Cpus_allowed_list:\t" + parent + "\n");
            } finally {
                c.delete();
            }
            assertThat(runtime.cgroups().dir("cpuset", ((LinuxContainer) c).cgroup())).doesNotExist();
        }
    }

    @Test
    void deviceRulesDenyOpeningADeviceNodeTheRuntimesOwnStayUsable() throws IOException {
        String script = "exec 2>&1; mknod /tmp/tun c 10 200 && { (: < /tmp/tun) 2>/dev/null && echo opened "
                + "|| echo denied; }; echo x > /dev/null && echo null-ok; rm /tmp/tun";
        assertThat(runOut(sh(script, "{}"))).isEqualTo("opened\nnull-ok\n");
        assertThat(runOut(sh(script, "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}")))
                .isEqualTo("denied\nnull-ok\n");
        assertThat(runOut(sh(script, "{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}, "
                + "{\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 200, \"access\": \"r\"}]}")))
                .isEqualTo("opened\nnull-ok\n");
    }

    static String runOut(Spec spec) throws IOException {
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            String out = out(c);
            c.waitFor();
            return out;
        } finally {
            c.delete();
        }
    }

    @Test
    void oomKillIsReported() {
        ContainerHandle c = runtime.create(nextId(), sh("a=0123456789abcdef; while true; do a=$a$a; done",
                "{\"memory\": {\"limit\": 16777216, \"swap\": 16777216}}"), List.of(), Stdio.discard());
        try {
            c.start();
            assertThat(c.waitFor(Duration.ofSeconds(60))).as("killed by the OOM killer (SIGKILL)").hasValue(137);
            assertThat(c.oomKilled()).isTrue();
            assertThat(c.stats().oomKills()).isPositive();
            assertThat(c.stats().memoryPeakBytes()).isBetween(8L << 20, 16L << 20);
        } finally {
            c.delete();
        }
        assertThat(c.oomKilled()).as("still known after delete").isTrue();

        ContainerHandle fine = runtime.create(nextId(), sh("a=0123456789abcdef; a=$a$a$a", "{\"memory\": {\"limit\": "
                + "16777216}}"), List.of(), Stdio.discard());
        try {
            fine.start();
            assertThat(fine.waitFor()).isZero();
            assertThat(fine.oomKilled()).isFalse();
        } finally {
            fine.delete();
        }
    }

    @Test
    void forkBombHitsThePidsLimitAndTheHostStaysResponsive() throws Exception {
        // Each process starts two more down to depth 10 (2047 in all) and sleeps; it ends by itself. A shell
        // that cannot fork gives up, hence the subshell: the container's first process outlives the bomb.
        ContainerHandle c = runtime.create(nextId(), sh("b() { [ $1 -lt 10 ] || return 0; b $(($1 + 1)) & "
                + "b $(($1 + 1)) & sleep 1; wait; }; (b 0) 2>/dev/null; echo survived", "{\"pids\": {\"limit\": 16}}"),
                List.of(), Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            long maxPids = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (c.waitFor(Duration.ofMillis(20)).isEmpty()) {
                maxPids = Math.max(maxPids, c.stats().pids());
                long t0 = System.nanoTime();
                Process host = new ProcessBuilder("true").start();
                assertThat(host.waitFor(2, TimeUnit.SECONDS)).as("the host can still start processes").isTrue();
                assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
                assertThat(System.nanoTime()).as("the bomb ends by itself").isLessThan(deadline);
            }
            assertThat(c.waitFor()).isZero();
            assertThat(out(c)).isEqualTo("survived\n");
            assertThat(maxPids).as("never above the limit").isLessThanOrEqualTo(16);
            assertThat(read(c, "pids", "pids.events")).as("forks were refused").matches("max [1-9]\\d*");
        } finally {
            c.delete();
        }
    }

    @Test
    void statsWhileRunningAfterExitAndAfterDelete() throws IOException {
        // The kernel counts v1 I/O bytes only on devices where throttling is active: a generous limit activates it.
        String[] d = disk.split(":");
        ContainerHandle c = runtime.create(nextId(), sh("dd if=/dev/zero of=/io bs=1M count=4 oflag=direct 2>/dev/null; "
                + "dd if=/io of=/dev/null bs=1M iflag=direct 2>/dev/null; rm /io; sleep 100 & sleep 100 & "
                + "i=0; while [ $i -lt 30000 ]; do i=$((i + 1)); done; echo ready; wait", """
                {"blockIO": {"throttleWriteBpsDevice": [{"major": %s, "minor": %s, "rate": 10000000000}]}}"""
                .formatted(d[0], d[1])), List.of(), Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            BufferedReader lines = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
            assertThat(lines.readLine()).isEqualTo("ready");
            ContainerStats running = c.stats();
            assertThat(running.pids()).as("sh and two sleeps").isEqualTo(3);
            assertThat(running.memoryBytes()).isPositive();
            assertThat(running.memoryPeakBytes()).isGreaterThanOrEqualTo(running.memoryBytes());
            assertThat(running.cpuNanos()).isGreaterThan(10_000_000L);
            assertThat(running.ioWriteBytes()).isGreaterThanOrEqualTo(4L << 20);
            assertThat(running.ioReadBytes()).isGreaterThanOrEqualTo(4L << 20);
            c.kill(9);
            c.waitFor();
            ContainerStats exited = c.stats();
            assertThat(exited.pids()).isZero();
            assertThat(exited.cpuNanos()).isGreaterThanOrEqualTo(running.cpuNanos());
            assertThat(exited.ioWriteBytes()).isEqualTo(running.ioWriteBytes());
        } finally {
            c.delete();
        }
        ContainerStats deleted = c.stats();
        assertThat(deleted.pids()).isZero();
        assertThat(deleted.cpuNanos()).isGreaterThan(10_000_000L);
        assertThat(deleted.memoryPeakBytes()).isPositive();
        assertThat(deleted.ioWriteBytes()).isGreaterThanOrEqualTo(4L << 20);
    }

    @Test
    void pauseFreezesEveryProcessUntilResumed() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("counter"));
        Path counter = data.resolve("n");
        Spec spec = sh("i=0; while true; do i=$((i + 1)); echo $i > /data/n; done", "{}")
                .withMount(Mount.bind(data.toString(), "/data", false));
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.discard());
        try {
            assertThatThrownBy(c::pause).isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("cannot be paused: it is CREATED");
            c.start();
            while (!Files.exists(counter)) {
                Thread.sleep(5);
            }
            c.pause();
            assertThat(c.state()).isEqualTo(ContainerState.PAUSED);
            String frozen = Files.readString(counter);
            Thread.sleep(300);
            assertThat(Files.readString(counter)).as("no progress while paused").isEqualTo(frozen);
            c.resume();
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (Files.readString(counter).equals(frozen)) {
                assertThat(System.nanoTime()).as("progress after resume").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThatThrownBy(c::resume).isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("cannot be resumed: it is RUNNING");
            c.pause();
        } finally {
            c.delete();
        }
        assertThat(c.state()).isEqualTo(ContainerState.STOPPED);
        assertThat(runtime.cgroups().dir("freezer", ((LinuxContainer) c).cgroup())).as("deleted while paused")
                .doesNotExist();
    }

    @Test
    void impossibleValuesAreRefusedBeforeAnythingIsCreated() throws IOException {
        String instance = "stevedore/" + runtime.instance();
        Path memory = runtime.cgroups().dir("memory", instance);
        Files.createDirectories(memory);
        List<Path> before = settledChildren(memory);
        assertThatThrownBy(() -> runtime.create("bad", sh("true", "{\"cpu\": {\"quota\": -5}}"), List.of(),
                Stdio.discard())).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linux.resources.cpu.quota: -5 is neither -1 (unlimited) nor at least 1000 microseconds");
        assertThatThrownBy(() -> runtime.create("bad", sh("true", "{\"cpu\": {\"cpus\": \"0-4095\"}}"), List.of(),
                Stdio.discard())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("linux.resources.cpu.cpus: '0-4095' names CPUs this host does not have online");
        assertThatThrownBy(() -> sh("true", "{\"devices\": [{\"allow\": false, \"type\": \"q\"}]}"))
                .hasMessageStartingWith("linux.resources.devices[0].type: \"q\" is not a device rule type");
        assertThat(children(memory)).as("no cgroup made or taken").isEqualTo(before);
        assertThat(tmp.resolve("state").resolve(runtime.instance()).resolve("bad")).doesNotExist();

        // What only the kernel can tell is found when written: the container is then removed.
        assertThatThrownBy(() -> runtime.create("bad", sh("true", "{\"blockIO\": {\"leafWeight\": 500}}"), List.of(),
                Stdio.discard())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("linux.resources.blockIO.leafWeight: this host cannot apply it")
                .hasMessageContaining("has no blkio.leaf_weight");
        assertThat(tmp.resolve("state").resolve(runtime.instance()).resolve("bad")).doesNotExist();
        runtime.create("bad", sh("true", "{}"), List.of(), Stdio.discard()).delete();
    }

    @Test
    void realtimeBudgetComesOutOfTheAncestorsAndGoesBack() {
        assertThat(runtime.cgroups().isV2("cpu")).as("real-time budgets exist on cgroup v1 only").isFalse();
        String top = runtime.cgroups().read("cpu", "stevedore", "cpu.rt_runtime_us");
        ContainerHandle c = runtime.create(nextId(), sh("sleep 100",
                "{\"cpu\": {\"realtimeRuntime\": 20000, \"realtimePeriod\": 100000}}"), List.of(), Stdio.discard());
        try {
            assertThat(read(c, "cpu", "cpu.rt_period_us")).isEqualTo("100000");
            assertThat(read(c, "cpu", "cpu.rt_runtime_us")).isEqualTo("20000");
            assertThat(runtime.cgroups().read("cpu", "stevedore/" + runtime.instance(), "cpu.rt_runtime_us"))
                    .as("20%% of the ancestor's 1 s period").isEqualTo("200000");
        } finally {
            c.delete();
        }
        assertThat(runtime.cgroups().read("cpu", "stevedore/" + runtime.instance(), "cpu.rt_runtime_us"))
                .as("given back").isEqualTo("0");
        assertThat(runtime.cgroups().read("cpu", "stevedore", "cpu.rt_runtime_us")).isEqualTo(top);
    }

    /** The runtime prepares helpers in advance, in cgroups of their own: waits until it is done. */
    private static List<Path> settledChildren(Path dir) throws IOException {
        List<Path> last = children(dir);
        while (true) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            List<Path> now = children(dir);
            if (now.equals(last)) {
                return now;
            }
            last = now;
        }
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }
}
