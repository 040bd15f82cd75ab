package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.linux.seccomp.DefaultSeccomp;
import dev.stevedore.linux.seccomp.SyscallTable;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Process;
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

/** Seccomp filters in real containers, as root: busybox applets and a tiny static program calling syscall(2). */
class SeccompContainerTest {
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
        assertThat(LinuxBackend.effectiveUid()).as("these tests need root (run CI as root)").isZero();
        assertThat(new LinuxBackend().unavailableReason()).as("the Linux backend must be usable here").isNull();
        rootfs = BusyboxRootfs.create(tmp.resolve("rootfs"));
        for (String applet : List.of("unshare", "mknod", "chroot")) {
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
        return SyscallTable.x86_64().number(name).orElseThrow();
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

    private static String rootfsEntries() {
        try (var entries = Files.list(rootfs)) {
            return String.valueOf(entries.count());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
