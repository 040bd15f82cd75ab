package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.internal.seccomp.SyscallTable;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.RlimitType;
import dev.stevedore.oci.runtime.Seccomp;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hardening in real containers, as root: seccomp filters (checked with busybox applets and a tiny
 * static program calling syscall(2)), capabilities, masked and read-only paths, rlimits,
 * oom_score_adj, devices and sysctls.
 */
class HardeningContainerTest {
    /** Calls syscall(NR, args...) and prints "ok" or the errno. */
    private static final String SYS_C = """
            #include <errno.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <unistd.h>
            int main(int argc, char **argv) {
                long a[6] = {0};
                for (int i = 2; i < argc && i < 8; i++) a[i - 2] = strtoul(argv[i], NULL, 0);
                long r = syscall(strtol(argv[1], NULL, 0), a[0], a[1], a[2], a[3], a[4], a[5]);
                if (r < 0) printf("errno %d\\n", errno); else printf("ok\\n");
                return 0;
            }
            """;

    @TempDir
    static Path tmp;
    static Path rootfs;
    static ContainerRuntime runtime;
    static int counter;

    @BeforeAll
    static void open() throws IOException, InterruptedException {
        rootfs = RootHost.busyboxRootfs(tmp);
        for (String applet : List.of("unshare", "chown", "rm")) {
            Files.createSymbolicLink(rootfs.resolve("bin").resolve(applet), Path.of("busybox"));
        }
        Path source = Files.writeString(tmp.resolve("sys.c"), SYS_C);
        java.lang.Process gcc = new ProcessBuilder("gcc", "-static", "-O", "-o", rootfs.resolve("bin/sys").toString(),
                source.toString()).redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0)
                .as("gcc -static must build the test program (install gcc and libc6-dev): %s", output).isTrue();
        runtime = new LinuxBackend().open(tmp.resolve("state"));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    record Result(int status, String out, String err) {
    }

    static synchronized String nextId() {
        return "s" + counter++;
    }

    static Result run(Spec spec) {
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(c.waitFor(), out, err);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            c.delete();
        }
    }

    static Spec sh(Seccomp seccomp, String script) {
        Spec spec = TestSpecs.docker(rootfs, "sh", "-c", script);
        return spec.withLinux(spec.linux().withSeccomp(seccomp));
    }

    static int nr(String name) {
        return SyscallTable.host().number(name).orElseThrow();
    }

    /** Calls that would fail with EINVAL, EFAULT or EBADF and change nothing if they were let through. */
    static String dangerousCalls() {
        return String.join("; ", "sys " + nr("kexec_load") + " 0 0 0 0xffff0000",
                "sys " + nr("keyctl") + " 0 -3", "sys " + nr("bpf") + " 0xffff 0 0",
                "sys " + nr("perf_event_open") + " 0 0 -1 -1 0",
                "unshare -m true 2>&1", "mount -t tmpfs t /tmp 2>&1");
    }

    @Test
    void dockerProfileDeniesDangerousCallsAndRunsNormalCommands() {
        Result r = run(sh(DefaultSeccomp.profile(), dangerousCalls()));
        assertThat(r.out()).isEqualTo("errno 1\n".repeat(4) + "unshare: unshare(0x20000): Operation not permitted\n"
                + "mount: permission denied (are you root?)\n");
        Result normal = run(sh(DefaultSeccomp.profile(), "echo hi > /tmp/f && cat /tmp/f; ls / | wc -l; ps -o pid,comm"
                + " | grep -c ps; id -u; sys " + nr("personality") + " 0; grep ^Seccomp: /proc/self/status"));
        assertThat(normal.status()).isZero();
        assertThat(normal.out()).isEqualTo("hi\n" + rootfsEntries() + "\n1\n0\nok\nSeccomp:\t2\n");
    }

    @Test
    void itIsTheFilterThatDenies() {
        // The same profile with another errno: every denial above now carries it.
        Seccomp docker = DefaultSeccomp.profile();
        Seccomp enotsup = new Seccomp(docker.defaultAction(), 95L, docker.architectures(), docker.flags(), null, null,
                docker.syscalls(), null);
        assertThat(run(sh(enotsup, dangerousCalls())).out())
                .isEqualTo("errno 95\n".repeat(4) + "unshare: unshare(0x20000): Operation not supported\n"
                        + "mount: mounting t on /tmp failed: Operation not supported\n");
        assertThat(run(sh(null, "sys " + nr("keyctl") + " 0 -3; grep ^Seccomp: /proc/self/status")).out())
                .as("without linux.seccomp a container is unconfined").startsWith("ok\n").endsWith("Seccomp:\t0\n");
    }

    @Test
    void killTrapErrnoAndLogActions() {
        // Calls neither the helper nor busybox's shell make, so only the program calling them dies.
        Seccomp profile = OciJson.read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                  {"names": ["getcpu"], "action": "SCMP_ACT_KILL_PROCESS"},
                  {"names": ["sched_get_priority_max"], "action": "SCMP_ACT_KILL"},
                  {"names": ["sched_get_priority_min"], "action": "SCMP_ACT_TRAP"},
                  {"names": ["sched_rr_get_interval"], "action": "SCMP_ACT_ERRNO", "errnoRet": 42},
                  {"names": ["sched_getscheduler"], "action": "SCMP_ACT_LOG"}
                ]}""", Seccomp.class, "seccomp");
        Result r = run(sh(profile, String.join("; ", "sys " + nr("getcpu") + "; echo $?",
                "sys " + nr("sched_get_priority_max") + " 0; echo $?", "sys " + nr("sched_get_priority_min") + " 0; echo $?",
                "sys " + nr("sched_rr_get_interval") + " 0", "sys " + nr("sched_getscheduler") + " 0")));
        assertThat(r.out()).as("SIGSYS is 31").isEqualTo("159\n159\n159\nerrno 42\nok\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void argumentConditions() {
        Seccomp profile = OciJson.read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                  {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
                   "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
                  {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
                  {"names": ["kill"], "action": "SCMP_ACT_ERRNO",
                   "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_GE"}, {"index": 1, "value": 15, "op": "SCMP_CMP_LE"}]},
                  {"names": ["umask"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
                   "args": [{"index": 0, "value": 18, "valueTwo": 18, "op": "SCMP_CMP_MASKED_EQ"}]}
                ]}""", Seccomp.class, "seccomp");
        int personality = nr("personality");
        int kill = nr("kill");
        int umask = nr("umask");
        Result r = run(sh(profile, String.join("; ", "sys " + personality + " 0", "sys " + personality + " 8",
                "sys " + personality + " 0x100000000", "sys " + kill + " 1 0", "sys " + kill + " 1 12",
                "sys " + umask + " 022", "sys " + umask + " 077", "sys " + umask + " 0")));
        assertThat(r.out()).as("personality only with 0; kill alternatives on one argument; umask masked")
                .isEqualTo("ok\nerrno 13\nerrno 13\nerrno 1\nerrno 1\nerrno 22\nerrno 22\nok\n");
    }

    @Test
    void installedForOtherUsersWithAndWithoutNoNewPrivilegesAndInExec() throws IOException {
        Spec spec = sh(DefaultSeccomp.profile(), "grep -E '^(NoNewPrivs|Seccomp|Seccomp_filters):' /proc/self/status;"
                + " id -u; sys " + nr("keyctl") + " 0 -3");
        Process app = spec.process().withUser(Process.User.of(1000, 1000));
        assertThat(run(spec.withProcess(app)).out())
                .isEqualTo("NoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n1000\nerrno 1\n");
        assertThat(run(spec.withProcess(app.withNoNewPrivileges(true))).out())
                .isEqualTo("NoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n1000\nerrno 1\n");

        ContainerHandle c = runtime.create(nextId(), sh(DefaultSeccomp.profile(), "echo started; sleep 100"),
                List.of(), Stdio.pipes());
        try {
            c.start();
            assertThat(new String(c.stdout().readNBytes(8), StandardCharsets.UTF_8)).isEqualTo("started\n");
            ContainerProcess p = c.exec(Process.of("sh", "-c", "grep ^Seccomp: /proc/self/status; unshare -n true")
                    .withEnv(List.of("PATH=/bin")), Stdio.pipes());
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Seccomp:\t2\n");
            assertThat(new String(p.stderr().readAllBytes(), StandardCharsets.UTF_8)).contains("Operation not permitted");
            assertThat(p.waitFor()).isNotZero();
        } finally {
            c.delete();
        }
    }

    @Test
    void aProfileThatCannotBeCompiledIsRefusedBeforeAnythingRuns() throws IOException {
        Seccomp bad = OciJson.read("""
                {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["close"], "action": "SCMP_ACT_ALLOW"}, {"names": ["exit"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["chown32"], "action": "SCMP_ACT_ALLOW"}]}""", Seccomp.class, "seccomp");
        String id = nextId();
        assertThatThrownBy(() -> runtime.create(id, sh(bad, "true"), List.of(), Stdio.discard()))
                .hasMessage("linux.seccomp.syscalls[3].names[0]: \"chown32\" is not a syscall on amd64");
        assertThat(run(sh(DefaultSeccomp.profile(), "true")).status()).as("the runtime is still fine").isZero();
        try (var files = Files.walk(tmp.resolve("state"))) {
            assertThat(files.map(Path::getFileName).map(Path::toString)).doesNotContain(id);
        }
    }

    static Spec sh(String script) {
        return TestSpecs.docker(rootfs, "sh", "-c", script);
    }

    static Spec withProcess(Spec spec, java.util.function.UnaryOperator<Process> change) {
        return spec.withProcess(change.apply(spec.process()));
    }

    static Spec withLinux(Spec spec, java.util.function.UnaryOperator<Linux> change) {
        return spec.withLinux(change.apply(spec.linux()));
    }

    @Test
    void capabilitiesInAllFiveSets() {
        List<String> one = List.of("CAP_CHOWN");
        Process.Capabilities caps = new Process.Capabilities(List.of("CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW"), one, one,
                one, one, null);
        String script = "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status; chown 1000 /home/app && echo chowned";
        Spec spec = withProcess(sh(script), p -> p.withUser(Process.User.of(1000, 1000)).withCapabilities(caps));
        assertThat(run(spec).out()).as("ambient capabilities survive exec as a non-root user")
                .isEqualTo("CapInh:\t0000000000000001\nCapPrm:\t0000000000000001\nCapEff:\t0000000000000001\n"
                        + "CapBnd:\t0000000000002021\nCapAmb:\t0000000000000001\nchowned\n");
        Process.Capabilities noAmbient = new Process.Capabilities(caps.bounding(), one, one, one, List.of(), null);
        // /home/app now belongs to 1000, who may not give it away without CAP_CHOWN.
        Result r = run(withProcess(sh(script.replace("chown 1000", "chown 0")),
                p -> p.withUser(Process.User.of(1000, 1000)).withCapabilities(noAmbient)));
        assertThat(r.out()).as("without ambient, exec as non-root drops them")
                .isEqualTo("CapInh:\t0000000000000001\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
                        + "CapBnd:\t0000000000002021\nCapAmb:\t0000000000000000\n");
        assertThat(r.err()).contains("Operation not permitted");
    }

    @Test
    void maskedAndReadOnlyPaths() {
        Spec spec = withLinux(sh("ls -A /home | wc -l; wc -c < /etc/group; echo x > /home/new || echo home-ro;"
                + " echo x > /tmp/new 2>/dev/null || echo tmp-ro; ls /root && echo x > /root/new && echo root-rw"),
                l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), l.devices(),
                        l.cgroupsPath(), l.resources(), l.sysctl(), l.seccomp(), l.rootfsPropagation(),
                        List.of("/home", "/etc/group", "/no/such/path"), List.of("/tmp", "/no/such/dir"), l.mountLabel(),
                        l.personality(), l.intelRdt(), l.extensions()));
        Result r = run(spec);
        assertThat(r.out()).as("a masked directory is an empty read-only tmpfs, a masked file reads as /dev/null;"
                + " missing paths are skipped").isEqualTo("0\n0\nhome-ro\ntmp-ro\nroot-rw\n");
    }

    @Test
    void rlimitsCanBeLoweredButNotRaisedWithoutCapSysResource() {
        Spec lowered = withProcess(sh("ulimit -n; ulimit -Hn; ulimit -s"), p -> p.withRlimits(List.of(
                Process.Rlimit.of(RlimitType.RLIMIT_NOFILE, 64, 128), Process.Rlimit.of(RlimitType.RLIMIT_STACK,
                        4L << 20, 8L << 20))));
        assertThat(run(lowered).out()).isEqualTo("64\n128\n4096\n");
        Spec raised = withProcess(sh("true"), p -> p.withRlimits(List.of(
                Process.Rlimit.of(RlimitType.RLIMIT_NOFILE, 1024, Long.MAX_VALUE))));
        if (hostHasCapSysResource()) {
            assertThat(run(raised).status()).isZero();
            return;
        }
        assertThatThrownBy(() -> run(raised)).hasMessage("setrlimit RLIMIT_NOFILE: operation not permitted"
                + " (raising a hard limit above the runtime's own needs CAP_SYS_RESOURCE)");
    }

    @Test
    void oomScoreAdjustment() {
        assertThat(run(withProcess(sh("cat /proc/self/oom_score_adj"), p -> withOomScoreAdj(p, 1000))).out())
                .isEqualTo("1000\n");
        Spec lowest = withProcess(sh("cat /proc/self/oom_score_adj"), p -> withOomScoreAdj(p, -1000));
        if (hostHasCapSysResource()) {
            assertThat(run(lowest).out()).isEqualTo("-1000\n");
            return;
        }
        assertThatThrownBy(() -> run(lowest))
                .hasMessage("set oom_score_adj: permission denied (a value below the runtime's own needs"
                        + " CAP_SYS_RESOURCE)");
    }

    /** Whether this JVM (and so the helper) holds CAP_SYS_RESOURCE; some hosts withhold it even from root. */
    static boolean hostHasCapSysResource() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"));
            String capEff = status.replaceAll("(?s).*\nCapEff:\\s*([0-9a-f]+).*", "$1");
            return (Long.parseUnsignedLong(capEff, 16) & 1L << 24) != 0;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static Process withOomScoreAdj(Process p, int value) {
        return new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), p.commandLine(), p.env(), p.cwd(),
                p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(), value, p.scheduler(),
                p.selinuxLabel(), p.ioPriority(), p.execCPUAffinity(), p.extensions());
    }

    @Test
    void devicesAreCreated() {
        Spec spec = withLinux(sh("stat -c '%n %F %t:%T %a %u:%g' /dev/net/tun /dev/mynull; echo x > /dev/mynull && echo written"),
                l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(), List.of(
                        new Linux.Device("c", "/dev/net/tun", 10L, 200L, 0666, null, null, null),
                        new Linux.Device("c", "/dev/mynull", 1L, 3L, 0620, 1000L, 2000L, null)),
                        l.cgroupsPath(), l.resources(), l.sysctl(), l.seccomp(), l.rootfsPropagation(),
                        l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt(), l.extensions()));
        assertThat(run(spec).out()).isEqualTo("/dev/net/tun character special file a:c8 666 0:0\n"
                + "/dev/mynull character special file 1:3 620 1000:2000\nwritten\n");
    }

    @Test
    void namespacedSysctlsOfEachKind() {
        Spec spec = sh("cat /proc/sys/kernel/shmmni /proc/sys/fs/mqueue/msg_max /proc/sys/net/ipv4/ping_group_range");
        spec = withLinux(spec, l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(), l.timeOffsets(),
                l.devices(), l.cgroupsPath(), l.resources(), java.util.Map.of("kernel.shmmni", "1000",
                        "fs.mqueue.msg_max", "20", "net.ipv4.ping_group_range", "0 2000"), l.seccomp(),
                l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality(), l.intelRdt(),
                l.extensions()));
        assertThat(run(spec).out()).isEqualTo("1000\n20\n0\t2000\n");
        Spec host = withLinux(sh("true"), l -> new Linux(l.namespaces(), l.uidMappings(), l.gidMappings(),
                l.timeOffsets(), l.devices(), l.cgroupsPath(), l.resources(), java.util.Map.of("vm.swappiness", "1"),
                l.seccomp(), l.rootfsPropagation(), l.maskedPaths(), l.readonlyPaths(), l.mountLabel(), l.personality(),
                l.intelRdt(), l.extensions()));
        assertThatThrownBy(() -> run(host))
                .hasMessage("linux.sysctl: 'vm.swappiness' is not namespaced; it would change the host");
    }

    private static String rootfsEntries() {
        try (var entries = Files.list(rootfs)) {
            return String.valueOf(entries.count());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
