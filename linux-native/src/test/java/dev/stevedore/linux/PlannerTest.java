package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.RootfsMount;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plans for given configurations; no root needed. */
class PlannerTest {
    static final Path ROOT = Path.of("/var/lib/x/rootfs");
    static final List<Path> PROCS = List.of(Path.of("/sys/fs/cgroup/memory/s/c/cgroup.procs"));

    static List<String> plan(Spec spec) {
        return Planner.create(spec, List.of(), PROCS, Map.of()).lines();
    }

    @Test
    void dockerLikeConfiguration() {
        List<String> lines = plan(TestSpecs.docker(ROOT, "sh", "-c", "true"));
        long flags = Kernel.CLONE_NEWPID | Kernel.CLONE_NEWNET | Kernel.CLONE_NEWIPC | Kernel.CLONE_NEWUTS
                | Kernel.CLONE_NEWNS;
        assertThat(lines.subList(0, 7)).containsExactly(
                "CGROUP_PROCS /sys/fs/cgroup/memory/s/c/cgroup.procs",
                "CLONE " + flags,
                "UNSHARE " + Kernel.CLONE_NEWCGROUP,
                "LOOPBACK",
                "MOUNT  /  0  0 " + (Kernel.MS_SLAVE | Kernel.MS_REC) + " 0",
                "HOSTNAME box",
                "MOUNT /var/lib/x/rootfs /var/lib/x/rootfs  " + (Kernel.MS_BIND | Kernel.MS_REC) + "  0 0 0");
        assertThat(lines).containsSubsequence(
                "PIVOT /var/lib/x/rootfs",
                "MOUNT proc /proc proc " + (Kernel.MS_NOSUID | Kernel.MS_NOEXEC | Kernel.MS_NODEV) + "  1 0 0",
                "MOUNT tmpfs /dev tmpfs " + (Kernel.MS_NOSUID | Kernel.MS_STRICTATIME) + " mode=755,size=65536k 1 0 0",
                "MOUNT devpts /dev/pts devpts " + (Kernel.MS_NOSUID | Kernel.MS_NOEXEC)
                        + " newinstance,ptmxmode=0666,mode=0620,gid=5 1 0 0",
                "MOUNT sysfs /sys sysfs " + (Kernel.MS_NOSUID | Kernel.MS_NOEXEC | Kernel.MS_NODEV | Kernel.MS_RDONLY)
                        + "  1 0 0",
                "MKNOD /dev/null " + (Kernel.S_IFCHR | 0666) + " 1 3",
                "MKNOD /dev/tty " + (Kernel.S_IFCHR | 0666) + " 5 0",
                "SYMLINK /proc/self/fd /dev/fd",
                "SYMLINK pts/ptmx /dev/ptmx",
                "MASK /proc/kcore",
                "REMOUNT_RO /proc/sys 1 1",
                "MKDIR_P / 493",
                "GO",
                "UMASK 18",
                "BOUNDING " + capMask(Planner.DEFAULT_CAPABILITIES),
                "USER 0 0",
                "CAPS " + capMask(Planner.DEFAULT_CAPABILITIES) + " " + capMask(Planner.DEFAULT_CAPABILITIES) + " 0 0",
                "CHDIR /",
                "ENV HOME=/root",
                "ARG sh", "ARG -c", "ARG true",
                "EXEC /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        assertThat(lines).doesNotContain("REMOUNT_RO / 0 0", "NO_NEW_PRIVS");
    }

    static long capMask(List<String> names) {
        long mask = 0;
        for (String n : names) {
            mask |= 1L << Kernel.CAPABILITIES.indexOf(n);
        }
        return mask;
    }

    @Test
    void joinedAndSharedNamespaces() {
        Spec spec = TestSpecs.docker(ROOT, "true").withHostname(null).withNamespaces(List.of(
                Namespace.of(NamespaceType.MOUNT), Namespace.join(NamespaceType.NETWORK, "/proc/42/ns/net"),
                Namespace.join(NamespaceType.PID, "/proc/42/ns/pid")));
        List<String> lines = plan(spec);
        assertThat(lines.subList(0, 4)).containsExactly("SETNS_PID /proc/42/ns/pid",
                PROCS.stream().map(p -> "CGROUP_PROCS " + p).findFirst().orElseThrow(), "CLONE " + Kernel.CLONE_NEWNS,
                "SETNS /proc/42/ns/net " + Kernel.CLONE_NEWNET);
        assertThat(lines).noneMatch(l -> l.startsWith("LOOPBACK") || l.startsWith("UNSHARE") || l.startsWith("HOSTNAME"));
    }

    @Test
    void bindMountsAreOpenedBeforePivotAndAttachedAfter(@TempDir Path host) {
        Spec spec = TestSpecs.docker(ROOT, "true")
                .withMount(Mount.of("/data", "bind", host.toString(), "rbind", "ro", "nosuid", "rprivate"))
                .withMount(Mount.of("/t", "tmpfs", "tmpfs", "size=1m", "mode=1777"));
        List<String> lines = Planner.create(spec, List.of(), PROCS, Map.of("/etc/hosts", Path.of("/s/hosts"))).lines();
        assertThat(lines).containsSubsequence(
                "OPEN_TREE 0 " + host + " 1 " + (Kernel.MOUNT_ATTR_RDONLY | Kernel.MOUNT_ATTR_NOSUID) + " "
                        + Kernel.MS_PRIVATE + " /data",
                "OPEN_TREE 1 /s/hosts 1 0 0 /etc/hosts",
                "PIVOT /var/lib/x/rootfs",
                "MOVE_MOUNT 0 /data " + Kernel.T_MKDIR + " " + host,
                "MOUNT tmpfs /t tmpfs 0 size=1m,mode=1777 1 0 0",
                "MOVE_MOUNT 1 /etc/hosts " + Kernel.T_MKFILE + " /s/hosts");
    }

    @Test
    void etcFilesGiveWayToSpecMounts() {
        Spec spec = TestSpecs.docker(ROOT, "true").withMount(Mount.bind("/mine", "/etc/hosts", true));
        List<String> lines = Planner.create(spec, List.of(), PROCS, Map.of("/etc/hosts", Path.of("/s/hosts"))).lines();
        assertThat(lines).anyMatch(l -> l.startsWith("OPEN_TREE 0 /mine"))
                .noneMatch(l -> l.contains("/s/hosts"));
    }

    @Test
    void overlayRootfsAndReadOnlyRoot() {
        Spec spec = TestSpecs.docker(ROOT, "true");
        spec = spec.withRoot(spec.root().withReadonly(true));
        List<String> lines = Planner.create(spec, List.of(new RootfsMount("overlay", "overlay",
                List.of("lowerdir+=/l/2", "lowerdir+=/l/1", "upperdir=/u", "workdir=/w"))), PROCS, Map.of()).lines();
        assertThat(lines).contains(
                "FSMOUNT overlay /var/lib/x/rootfs source=overlay lowerdir+=/l/2 lowerdir+=/l/1 upperdir=/u workdir=/w",
                "REMOUNT_RO / 0 0");
        assertThat(lines).noneMatch(l -> l.startsWith("MOUNT /var/lib/x/rootfs"));
    }

    @Test
    void processSettings() {
        Process p = Process.of("app").withEnv(List.of("PATH=/app/bin:/bin", "A=b")).withCwd("/srv")
                .withUser(new Process.User(1000L, 100L, 027, List.of(5L, 6L), null, null))
                .withCapabilities(new Process.Capabilities(List.of("CAP_NET_BIND_SERVICE", "CAP_KILL"),
                        List.of("CAP_NET_BIND_SERVICE"), List.of("CAP_NET_BIND_SERVICE"), List.of("CAP_NET_BIND_SERVICE"),
                        List.of("CAP_NET_BIND_SERVICE"), null))
                .withRlimits(List.of(Process.Rlimit.of(dev.stevedore.oci.runtime.RlimitType.RLIMIT_NOFILE, 1024, 2048)))
                .withNoNewPrivileges(true);
        List<String> lines = plan(TestSpecs.docker(ROOT, "x").withProcess(p));
        long bind = 1L << 10;
        assertThat(lines.subList(lines.indexOf("GO"), lines.size())).containsExactly("GO",
                "RLIMIT 7 1024 2048 RLIMIT_NOFILE", "UMASK 23", "BOUNDING " + (bind | 1L << 5), "USER 1000 100 5 6",
                "CAPS " + bind + " " + bind + " " + bind + " " + bind, "NO_NEW_PRIVS", "CHDIR /srv", "ENV PATH=/app/bin:/bin",
                "ENV A=b", "ARG app", "EXEC /app/bin:/bin");
        assertThat(lines).contains("MKDIR_P /srv 493");
    }

    @Test
    void execJoinsEveryNamespaceOfTheContainer() {
        List<String> lines = Planner.exec(42, TestSpecs.docker(ROOT, "sleep"), Process.of("ls"), PROCS).lines();
        assertThat(lines.subList(0, 10)).containsExactly("SETNS_PID /proc/42/ns/pid",
                "CGROUP_PROCS " + PROCS.get(0), "CLONE 0",
                "SETNS /proc/42/ns/ipc " + Kernel.CLONE_NEWIPC, "SETNS /proc/42/ns/uts " + Kernel.CLONE_NEWUTS,
                "SETNS /proc/42/ns/net " + Kernel.CLONE_NEWNET, "SETNS /proc/42/ns/cgroup " + Kernel.CLONE_NEWCGROUP,
                "SETNS /proc/42/ns/mnt " + Kernel.CLONE_NEWNS, "GO", "UMASK 18");
    }

    @Test
    void rejectsWhatItCannotDo() {
        Spec docker = TestSpecs.docker(ROOT, "true");
        assertThatThrownBy(() -> plan(docker.withNamespaces(List.of(Namespace.of(NamespaceType.PID)))))
                .hasMessageStartingWith("linux.namespaces: a container needs a mount namespace, new or joined");
        assertThatThrownBy(() -> plan(docker.withNamespaces(List.of(Namespace.of(NamespaceType.MOUNT)))))
                .hasMessage("hostname: setting it needs a uts namespace, or it would rename the host");
        assertThatThrownBy(() -> plan(docker.withLinux(withSysctl(docker, "kernel.panic", "1"))))
                .hasMessage("linux.sysctl: 'kernel.panic' is not namespaced; it would change the host");
        assertThatThrownBy(() -> plan(docker.withNamespaces(List.of(Namespace.of(NamespaceType.MOUNT),
                Namespace.of(NamespaceType.UTS))).withLinux(withSysctl(docker.withNamespaces(List.of(
                        Namespace.of(NamespaceType.MOUNT), Namespace.of(NamespaceType.UTS))), "net.ipv4.ip_forward", "1"))))
                .hasMessage("linux.sysctl: 'net.ipv4.ip_forward' needs the container's own network namespace");
        assertThatThrownBy(() -> plan(docker.withProcess(docker.process().withTerminal(true))))
                .hasMessageContaining("process.terminal");
        assertThatThrownBy(() -> plan(docker.withMount(Mount.of("/sys/fs/cgroup", "cgroup", "cgroup"))
                .withNamespaces(List.of(Namespace.of(NamespaceType.MOUNT), Namespace.of(NamespaceType.UTS)))))
                .hasMessage("mounts: a cgroup mount at '/sys/fs/cgroup' needs a new cgroup namespace,"
                        + " or it would show the host's cgroups");
        assertThatThrownBy(() -> plan(docker.withMount(Mount.of("/a/../etc", "tmpfs", "tmpfs"))))
                .hasMessage("mounts: '/a/../etc' must not contain '..'");
        assertThatThrownBy(() -> plan(docker.withProcess(docker.process().withCapabilities(
                Process.Capabilities.of(List.of("CAP_FLY"))))))
                .hasMessage("process.capabilities.bounding: unknown capability 'CAP_FLY'");
        assertThatThrownBy(() -> plan(docker.withProcess(docker.process().withCapabilities(
                Process.Capabilities.of(List.of("CAP_KILL"))))))
                .hasMessage("process.capabilities.ambient: CAP_KILL must also be inheritable and permitted"
                        + " (the kernel refuses ambient capabilities otherwise)");
        assertThatThrownBy(() -> plan(docker.withRoot(docker.root().withReadonly(false)).withRoot(
                new dev.stevedore.oci.runtime.Root("rootfs", null, null))))
                .hasMessage("root.path 'rootfs' must be absolute");
    }

    static dev.stevedore.oci.runtime.Linux withSysctl(Spec spec, String key, String value) {
        dev.stevedore.oci.runtime.Linux l = spec.linux();
        return new dev.stevedore.oci.runtime.Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(),
                l.devices(), l.cgroupsPath(), l.resources(), Map.of(key, value), l.seccomp(), l.rootfsPropagation(),
                l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt(), l.extensions());
    }

    @Test
    void sysctlsAreWrittenBeforeProcIsMadeReadOnly() {
        Spec docker = TestSpecs.docker(ROOT, "true");
        List<String> lines = plan(docker.withLinux(withSysctl(docker, "net.ipv4.ip_unprivileged_port_start", "80")));
        assertThat(lines).containsSubsequence("MOUNT proc /proc proc 14  1 0 0",
                "WRITE /proc/sys/net/ipv4/ip_unprivileged_port_start 80", "REMOUNT_RO /proc/sys 1 1");
    }

    @Test
    void cgroupMountShowsTheContainersOwnHierarchies() {
        Spec spec = TestSpecs.docker(ROOT, "true").withMount(Mount.of("/sys/fs/cgroup", "cgroup", "cgroup", "ro"));
        long flags = Kernel.MS_NOSUID | Kernel.MS_NODEV | Kernel.MS_NOEXEC;
        List<String> v1 = Planner.create(spec, List.of(), PROCS, Map.of(), List.of(
                new Cgroups.Hierarchy("memory", "cgroup", "memory"),
                new Cgroups.Hierarchy("cpu,cpuacct", "cgroup", "cpu,cpuacct"))).lines();
        assertThat(v1).containsSubsequence(
                "MOUNT tmpfs /sys/fs/cgroup tmpfs " + flags + " mode=755 1 0 0",
                "MOUNT cgroup /sys/fs/cgroup/memory cgroup " + (flags | Kernel.MS_RDONLY) + " memory 1 0 0",
                "MOUNT cgroup /sys/fs/cgroup/cpu,cpuacct cgroup " + (flags | Kernel.MS_RDONLY) + " cpu,cpuacct 1 0 0",
                "REMOUNT_RO /sys/fs/cgroup 0 0");
        List<String> v2 = Planner.create(spec, List.of(), PROCS, Map.of(), List.of(
                new Cgroups.Hierarchy("", "cgroup2", ""))).lines();
        assertThat(v2).contains("MOUNT cgroup2 /sys/fs/cgroup cgroup2 " + (flags | Kernel.MS_RDONLY) + "  1 0 0")
                .noneMatch(l -> l.startsWith("MOUNT tmpfs /sys/fs/cgroup"));
    }

    @Test
    void planSplitsAfterTheChildsPrelude() {
        Plan plan = Planner.create(TestSpecs.docker(ROOT, "true"), List.of(), PROCS, Map.of());
        // What depends only on the namespaces goes with the first part, which a spare helper runs in advance.
        assertThat(plan.beforeClone().lines()).containsExactly("CGROUP_PROCS " + PROCS.get(0), plan.lines().get(1),
                "UNSHARE " + Kernel.CLONE_NEWCGROUP, "LOOPBACK", "MOUNT  /  0  0 " + (Kernel.MS_SLAVE | Kernel.MS_REC) + " 0");
        assertThat(plan.afterClone().lines()).isEqualTo(plan.lines().subList(5, plan.lines().size()));
    }

    @Test
    void joinedNamespacesKeepThePreludeInTheSecondPart() {
        Spec joined = TestSpecs.docker(ROOT, "true").withHostname(null).withNamespaces(List.of(Namespace.of(NamespaceType.PID),
                Namespace.join(NamespaceType.NETWORK, "/proc/42/ns/net"), Namespace.of(NamespaceType.MOUNT)));
        Plan plan = Planner.create(joined, List.of(), PROCS, Map.of());
        assertThat(plan.beforeClone().lines()).last().asString().startsWith("CLONE ");
        assertThat(plan.afterClone().lines().get(0)).isEqualTo("SETNS /proc/42/ns/net " + Kernel.CLONE_NEWNET);
    }

    @Test
    void encodingIsWhatTheHelperParses() {
        Plan plan = new Plan().add(Op.HOSTNAME, "ab").add(Op.GO);
        ByteBuffer b = ByteBuffer.wrap(plan.encode()).order(ByteOrder.nativeOrder());
        assertThat(b.getInt()).isEqualTo(b.remaining());
        assertThat(b.get()).isEqualTo((byte) 13);
        assertThat(b.getShort()).isEqualTo((short) 1);
        assertThat(b.getInt()).isEqualTo(2);
        assertThat(new byte[] {b.get(), b.get()}).isEqualTo("ab".getBytes());
        assertThat(b.get()).isEqualTo((byte) 25);
        assertThat(b.getShort()).isZero();
        assertThat(b.hasRemaining()).isFalse();
        assertThatThrownBy(() -> new Plan().add(Op.ARG, "a\0b")).hasMessageContaining("NUL");
    }

    @Test
    void aNewUserNamespaceGetsItsMappingsBeforeTheChildRunsAndBindsDevicesInsteadOfMakingThem() {
        String json = dev.stevedore.oci.OciJson.writePretty(TestSpecs.docker(ROOT, "true"));
        Spec spec = dev.stevedore.oci.OciJson.read(json.replace("\"namespaces\" : [",
                "\"uidMappings\" : [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}], "
                + "\"gidMappings\" : [{\"containerID\": 0, \"hostID\": 200000, \"size\": 10}], "
                + "\"namespaces\" : [ {\"type\" : \"user\"}, "), Spec.class, "config");
        List<String> lines = plan(spec);
        assertThat(lines).containsSubsequence(
                "CGROUP_PROCS /sys/fs/cgroup/memory/s/c/cgroup.procs",
                "ID_MAP uid_map 0 100000 65536\n",
                "ID_MAP gid_map 0 200000 10\n",
                "CLONE " + (Kernel.CLONE_NEWUSER | Kernel.CLONE_NEWPID | Kernel.CLONE_NEWNET | Kernel.CLONE_NEWIPC
                        | Kernel.CLONE_NEWUTS | Kernel.CLONE_NEWNS),
                "OPEN_TREE 0 /dev/null 0 0 0 /dev/null",
                "MOUNT proc /var/lib/x/rootfs/proc proc " + (Kernel.MS_NOSUID | Kernel.MS_NOEXEC | Kernel.MS_NODEV)
                        + "  1 0 0",
                "PIVOT /var/lib/x/rootfs",
                "USER 0 0",
                "MOVE_MOUNT 0 /dev/null 2 /dev/null",
                "SYMLINK /proc/self/fd /dev/fd");
        assertThat(lines).noneMatch(l -> l.startsWith("MKNOD")).noneMatch(l -> l.startsWith("MOUNT proc /proc"));
        assertThat(lines.stream().filter(l -> l.startsWith("USER ")).toList()).as("once to the namespace's root,"
                + " after pivot_root (host paths are reached with the runtime's ids), once to the process's user")
                .containsExactly("USER 0 0", "USER 0 0");
    }

    @Test
    void aRelativeMountDestinationIsRefusedWithItsJsonPath() {
        String json = dev.stevedore.oci.OciJson.writePretty(TestSpecs.docker(ROOT, "true"));
        assertThatThrownBy(() -> plan(dev.stevedore.oci.OciJson.read(json.replace("\"destination\" : \"/sys\"",
                "\"destination\" : \"sys\""), Spec.class, "config")))
                .hasMessage("mounts[5].destination: 'sys' is not an absolute path");
    }
}
