package dev.stevedore.linux.seccomp;

import static dev.stevedore.linux.seccomp.SeccompCompiler.RET_ALLOW;
import static dev.stevedore.linux.seccomp.SeccompCompiler.RET_ERRNO;
import static dev.stevedore.linux.seccomp.SeccompCompiler.RET_KILL_PROCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.internal.seccomp.SyscallTable;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Seccomp;
import dev.stevedore.oci.runtime.Seccomp.Action;
import dev.stevedore.oci.runtime.Seccomp.Arg;
import dev.stevedore.oci.runtime.Seccomp.Operator;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Filters compiled from profiles, run through a BPF interpreter; no root needed. */
class SeccompCompilerTest {
    static final int EPERM = RET_ERRNO | 1;
    static final int CLONE_NEWUSER = 0x10000000;
    static final int CLONE_THREAD_FLAGS = 0x003d0f00;

    static int nr(String name) {
        return SyscallTable.x86_64().number(name).orElseThrow();
    }

    static byte[] compile(Seccomp seccomp) {
        return SeccompCompiler.compile(seccomp, "linux.seccomp", SyscallTable.x86_64()).filter();
    }

    /** Docker's profile as it is on x86_64 with a recent kernel. */
    static Seccomp docker(List<String> capabilities) {
        return DefaultSeccomp.resolve(SyscallTable.x86_64(), Set.copyOf(capabilities), new int[] {6, 18});
    }

    static Seccomp read(String json) {
        return OciJson.read(json, Seccomp.class, "linux.seccomp");
    }

    static Seccomp rule(Action action, Operator op, long value, Long valueTwo) {
        return Seccomp.of(Action.ALLOW, List.of(new Seccomp.Syscall(List.of("personality"), action, null,
                List.of(new Arg(0, value, valueTwo, op, null)), null)));
    }

    @Test
    void dockerProfileDeniesWhatDockerDenies() {
        byte[] filter = compile(docker(DefaultSeccomp.DOCKER_CAPABILITIES));
        for (String allowed : List.of("read", "write", "openat", "execve", "exit_group", "mmap", "futex", "chroot",
                "setuid", "capset", "prctl", "close_range", "arch_prctl", "ptrace", "statx", "rseq")) {
            assertThat(BpfInterpreter.run(filter, nr(allowed))).as(allowed).isEqualTo(RET_ALLOW);
        }
        for (String denied : List.of("unshare", "mount", "umount2", "kexec_load", "keyctl", "bpf", "perf_event_open",
                "setns", "reboot", "init_module", "open_by_handle_at", "add_key", "swapon", "io_uring_setup",
                "userfaultfd", "sethostname", "clock_settime", "file_getattr")) {
            assertThat(BpfInterpreter.run(filter, nr(denied))).as(denied).isEqualTo(EPERM);
        }
        assertThat(BpfInterpreter.run(filter, nr("clone"), CLONE_THREAD_FLAGS)).as("threads").isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("clone"), 17 /* SIGCHLD: fork */)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("clone"), CLONE_NEWUSER | 17)).as("new namespace").isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, nr("clone3"))).as("ENOSYS, libc falls back to clone")
                .isEqualTo(RET_ERRNO | 38);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0xffffffffL)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0x0040000)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, nr("socket"), 2 /* AF_INET */)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("socket"), 40 /* AF_VSOCK */)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, 470)).as("newer than the table").isEqualTo(RET_ERRNO | 38);
        assertThat(BpfInterpreter.run(filter, 0x40000000 | 1)).as("x32").isEqualTo(RET_KILL_PROCESS);
        assertThat(BpfInterpreter.runArch(filter, BpfInterpreter.AUDIT_ARCH_I386, 1)).as("i386")
                .isEqualTo(RET_KILL_PROCESS);
    }

    @Test
    void dockerProfileFollowsTheCapabilities() {
        List<String> caps = new ArrayList<>(DefaultSeccomp.DOCKER_CAPABILITIES);
        caps.addAll(List.of("CAP_SYS_ADMIN", "CAP_SYS_TIME"));
        caps.remove("CAP_SYS_CHROOT");
        byte[] filter = compile(docker(caps));
        assertThat(BpfInterpreter.run(filter, nr("mount"))).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("unshare"))).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("clone"), CLONE_NEWUSER | 17)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("clone3"))).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("clock_settime"))).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("chroot"))).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, nr("kexec_load"))).isEqualTo(EPERM);
    }

    @Test
    void dockerProfileIsSmall() {
        assertThat(SeccompCompiler.compile(docker(DefaultSeccomp.DOCKER_CAPABILITIES), "linux.seccomp",
                SyscallTable.x86_64()).instructions()).as("ranges of calls with one action share a test")
                .isBetween(50, 300);
    }

    @Test
    void sixtyFourBitComparisonsAgreeWithJava() {
        long[] values = {0, 1, 2, 0x7fffffffL, 0x80000000L, 0xfffffffeL, 0xffffffffL, 0x100000000L, 0x100000001L,
            0x1ffffffffL, 0x7fffffffffffffffL, 0x8000000000000000L, -2, -1};
        for (Operator op : List.of(Operator.EQ, Operator.NE, Operator.LT, Operator.LE, Operator.GT, Operator.GE)) {
            for (long value : values) {
                byte[] filter = compile(rule(Action.ERRNO, op, value, null));
                for (long arg : values) {
                    int c = Long.compareUnsigned(arg, value);
                    boolean holds = switch (op) {
                        case EQ -> c == 0;
                        case NE -> c != 0;
                        case LT -> c < 0;
                        case LE -> c <= 0;
                        case GT -> c > 0;
                        case GE -> c >= 0;
                        default -> throw new AssertionError(op);
                    };
                    assertThat(BpfInterpreter.run(filter, nr("personality"), arg))
                            .as("%s %s %s", Long.toHexString(arg), op, Long.toHexString(value))
                            .isEqualTo(holds ? EPERM : RET_ALLOW);
                }
            }
        }
    }

    @Test
    void maskedEqualComparesBothWords() {
        byte[] filter = compile(rule(Action.ERRNO, Operator.MASKED_EQ, 0xff000000_0000ff00L, 0x12000000_00003400L));
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0x12abcdef_ffff34ffL)).isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0x13abcdef_ffff34ffL)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0x12abcdef_ffff35ffL)).isEqualTo(RET_ALLOW);
        byte[] zero = compile(rule(Action.ERRNO, Operator.MASKED_EQ, 0x7E020000L, null));
        assertThat(BpfInterpreter.run(zero, nr("personality"), 0x3d0f00)).as("valueTwo defaults to 0")
                .isEqualTo(EPERM);
    }

    @Test
    void conditionsOnDifferentArgumentsAllHoldOnTheSameArgumentAreAlternatives() {
        byte[] filter = compile(read("""
                {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 13, "syscalls": [
                  {"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [
                    {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]},
                  {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [
                    {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]}
                ]}"""));
        int eacces = RET_ERRNO | 13;
        assertThat(BpfInterpreter.run(filter, nr("kill"), 1, 9)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("kill"), 1, 15)).isEqualTo(eacces);
        assertThat(BpfInterpreter.run(filter, nr("kill"), 2, 9)).isEqualTo(eacces);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 0)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 8)).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, nr("personality"), 4)).isEqualTo(eacces);
        assertThat(BpfInterpreter.run(filter, nr("read"))).isEqualTo(eacces);
    }

    @Test
    void firstMatchingRuleDecidesAndEachActionHasItsCode() {
        byte[] filter = compile(read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
                  {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28,
                   "args": [{"index": 1, "value": 511, "op": "SCMP_CMP_EQ"}]},
                  {"names": ["mkdir", "rmdir"], "action": "SCMP_ACT_KILL_PROCESS"},
                  {"names": ["mkdir"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["getpid"], "action": "SCMP_ACT_KILL"},
                  {"names": ["getppid"], "action": "SCMP_ACT_KILL_THREAD"},
                  {"names": ["gettid"], "action": "SCMP_ACT_TRAP"},
                  {"names": ["getuid"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
                  {"names": ["getgid"], "action": "SCMP_ACT_LOG"},
                  {"names": ["getegid"], "action": "SCMP_ACT_ERRNO"}
                ]}"""));
        assertThat(BpfInterpreter.run(filter, nr("mkdir"), 0, 511)).isEqualTo(RET_ERRNO | 28);
        assertThat(BpfInterpreter.run(filter, nr("mkdir"), 0, 0755)).isEqualTo(RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(filter, nr("rmdir"))).isEqualTo(RET_KILL_PROCESS);
        assertThat(BpfInterpreter.run(filter, nr("getpid"))).isEqualTo(0);
        assertThat(BpfInterpreter.run(filter, nr("getppid"))).isEqualTo(0);
        assertThat(BpfInterpreter.run(filter, nr("gettid"))).isEqualTo(0x00030000);
        assertThat(BpfInterpreter.run(filter, nr("getuid"))).isEqualTo(0x7ff00000 | 7);
        assertThat(BpfInterpreter.run(filter, nr("getgid"))).isEqualTo(0x7ffc0000);
        assertThat(BpfInterpreter.run(filter, nr("getegid"))).as("EPERM unless said").isEqualTo(EPERM);
        assertThat(BpfInterpreter.run(filter, nr("read"))).isEqualTo(RET_ALLOW);
        assertThat(BpfInterpreter.run(filter, 470)).as("allowed by default, ENOSYS only for deny lists")
                .isEqualTo(RET_ALLOW);
    }

    @Test
    void everyCallOfTheTableIsReachedThroughTheSearch() {
        java.util.Map<Integer, String> names = new java.util.HashMap<>();
        SyscallTable.x86_64().numbers().forEach((name, nr) -> names.put(nr, name));
        List<Seccomp.Syscall> calls = new ArrayList<>();
        names.forEach((nr, name) -> calls.add(new Seccomp.Syscall(List.of(name), Action.ERRNO, nr + 1L, null, null)));
        byte[] filter = compile(Seccomp.of(Action.ALLOW, calls));
        for (int nr = 0; nr <= 470; nr++) {
            assertThat(BpfInterpreter.run(filter, nr)).as("call %d", nr)
                    .isEqualTo(names.containsKey(nr) ? RET_ERRNO | nr + 1 : RET_ALLOW);
        }
    }

    @Test
    void badProfilesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> compile(read("""
                {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["write"], "action": "SCMP_ACT_ALLOW"}, {"names": ["close"], "action": "SCMP_ACT_ALLOW"},
                  {"names": ["foo"], "action": "SCMP_ACT_ALLOW"}]}""")))
                .hasMessage("linux.seccomp.syscalls[3].names[0]: \"foo\" is not a syscall on amd64");
        assertThatThrownBy(() -> compile(read("{\"defaultAction\": \"SCMP_ACT_NOTIFY\"}")))
                .hasMessage("linux.seccomp.defaultAction: SCMP_ACT_NOTIFY is not supported (it needs a notify agent)");
        assertThatThrownBy(() -> compile(read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/run/agent.sock"}""")))
                .hasMessage("linux.seccomp.listenerPath: seccomp notification listeners are not supported");
        assertThatThrownBy(() -> compile(read("""
                {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
                  {"names": ["read"], "action": "SCMP_ACT_ALLOW", "errnoRet": 1}]}""")))
                .hasMessage("linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE return an"
                        + " errno, not SCMP_ACT_ALLOW");
        assertThatThrownBy(() -> compile(read("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 5000}")))
                .hasMessage("linux.seccomp.defaultErrnoRet: 5000 is not an errno (1 to 4095)");
        assertThatThrownBy(() -> compile(read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]}""")))
                .hasMessage("linux.seccomp.architectures[1]: 'SCMP_ARCH_VAX' is not a seccomp architecture");
        assertThatThrownBy(() -> compile(read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}""")))
                .hasMessage("linux.seccomp.flags[0]: 'SECCOMP_FILTER_FLAG_NEW_LISTENER' is not supported; use"
                        + " SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC");
        List<Seccomp.Syscall> huge = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            huge.add(new Seccomp.Syscall(List.of("personality"), Action.ALLOW, null,
                    List.of(new Arg(0, (long) i, null, Operator.EQ, null)), null));
        }
        assertThatThrownBy(() -> compile(Seccomp.of(Action.ERRNO, huge)))
                .hasMessageStartingWith("linux.seccomp: the filter needs ")
                .hasMessageEndingWith(" BPF instructions; the kernel accepts at most 4096");
    }

    @Test
    void flagsAreCarried() {
        assertThat(SeccompCompiler.compile(read("""
                {"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]}
                """), "linux.seccomp", SyscallTable.x86_64()).flags()).isEqualTo(6);
    }

    @Test
    void aarch64HasItsOwnTableAndArchitectureCheck() {
        SyscallTable arm = SyscallTable.aarch64();
        assertThat(arm.arch()).isEqualTo("arm64");
        assertThat(arm.number("openat")).hasValue(56);
        assertThat(arm.number("clone")).hasValue(220);
        assertThat(arm.number("mmap")).as("a __NR3264 alias").hasValue(222);
        assertThat(arm.number("open")).as("only openat on arm64").isEmpty();
        assertThat(arm.number("arch_prctl")).isEmpty();
        Seccomp profile = DefaultSeccomp.resolve(arm, Set.copyOf(DefaultSeccomp.DOCKER_CAPABILITIES), new int[] {6, 18});
        assertThat(profile.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        byte[] filter = SeccompCompiler.compile(profile, "linux.seccomp", arm).filter();
        int aarch64 = arm.auditArch();
        for (String allowed : List.of("openat", "read", "execve", "mmap", "newfstatat", "clone3")) {
            int expected = allowed.equals("clone3") ? RET_ERRNO | 38 : RET_ALLOW;
            assertThat(BpfInterpreter.runArch(filter, aarch64, arm.number(allowed).orElseThrow())).as(allowed)
                    .isEqualTo(expected);
        }
        for (String denied : List.of("unshare", "mount", "kexec_load", "keyctl", "bpf", "perf_event_open")) {
            assertThat(BpfInterpreter.runArch(filter, aarch64, arm.number(denied).orElseThrow())).as(denied)
                    .isEqualTo(EPERM);
        }
        assertThat(BpfInterpreter.runArch(filter, aarch64, arm.number("clone").orElseThrow(), CLONE_NEWUSER | 17))
                .isEqualTo(EPERM);
        assertThat(BpfInterpreter.runArch(filter, SyscallTable.x86_64().auditArch(), 56)).isEqualTo(RET_KILL_PROCESS);
        assertThatThrownBy(() -> SeccompCompiler.compile(Seccomp.of(Action.ALLOW,
                List.of(Seccomp.Syscall.of(Action.ERRNO, "open"))), "linux.seccomp", arm))
                .hasMessage("linux.seccomp.syscalls[0].names[0]: \"open\" is not a syscall on arm64");
    }
}
