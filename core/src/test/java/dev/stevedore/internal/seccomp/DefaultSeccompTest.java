package dev.stevedore.internal.seccomp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Seccomp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Docker's profile resolved from its data for an architecture, capabilities and a kernel. */
class DefaultSeccompTest {
    static final int[] KERNEL = {6, 18};

    static List<String> names(Seccomp seccomp) {
        return seccomp.syscalls().stream().flatMap(s -> s.names().stream()).toList();
    }

    @Test
    void tablesComeFromTheKernelHeaders() {
        SyscallTable x86 = SyscallTable.x86_64();
        assertThat(x86.arch()).isEqualTo("amd64");
        assertThat(x86.number("read")).hasValue(0);
        assertThat(x86.number("execve")).hasValue(59);
        assertThat(x86.number("unshare")).hasValue(272);
        assertThat(x86.number("set_mempolicy_home_node")).hasValue(450);
        assertThat(x86.number("mseal")).hasValue(462);
        assertThat(x86.number("chown32")).as("a 32-bit x86 call").isEmpty();
        assertThat(x86.highest()).isEqualTo(469);
        assertThat(x86.numbers()).as("every line of the resource but its comments").hasSize(382);
        assertThat(x86.hasX32Abi()).isTrue();
        SyscallTable arm = SyscallTable.aarch64();
        assertThat(arm.arch()).isEqualTo("arm64");
        assertThat(arm.number("openat")).hasValue(56);
        assertThat(arm.number("mmap")).as("a __NR3264 alias").hasValue(222);
        assertThat(arm.number("open")).as("only openat on arm64").isEmpty();
        assertThat(arm.numbers()).hasSize(326);
        assertThat(arm.hasX32Abi()).isFalse();
        assertThat(SyscallTable.host()).isIn(x86, arm);
    }

    @Test
    void kernelVersionIsTheReleasesFirstTwoNumbers() {
        assertThat(DefaultSeccomp.kernelVersion("6.18.44-x")).containsExactly(6, 18);
        assertThat(DefaultSeccomp.kernelVersion("5.4-generic")).containsExactly(5, 4);
        assertThat(DefaultSeccomp.kernelVersion("5.15.0-91-generic")).containsExactly(5, 15);
        assertThat(DefaultSeccomp.kernelVersion("6")).containsExactly(6, 0);
        assertThat(DefaultSeccomp.kernelVersion("linux")).containsExactly(0, 0);
        assertThat(DefaultSeccomp.kernelVersion("")).containsExactly(0, 0);
        assertThat(DefaultSeccomp.kernelVersion(System.getProperty("os.version"))[0]).isGreaterThanOrEqualTo(3);
    }

    @Test
    void resolvedForTheArchitecture() {
        Seccomp amd64 = DefaultSeccomp.resolve(SyscallTable.x86_64(), Set.copyOf(DefaultSeccomp.DOCKER_CAPABILITIES),
                KERNEL);
        assertThat(amd64.defaultAction()).isEqualTo(Seccomp.Action.ERRNO);
        assertThat(amd64.defaultErrnoRet()).isEqualTo(1L);
        assertThat(amd64.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");
        assertThat(names(amd64)).contains("arch_prctl", "modify_ldt", "chroot", "ptrace", "personality", "clone")
                .doesNotContain("chown32", "set_tls", "s390_runtime_instr", "mount", "reboot", "io_uring_setup");
        assertThat(OciJson.read(OciJson.write(amd64), Seccomp.class, "seccomp")).isEqualTo(amd64);

        Seccomp arm64 = DefaultSeccomp.resolve(SyscallTable.aarch64(), Set.copyOf(DefaultSeccomp.DOCKER_CAPABILITIES),
                KERNEL);
        assertThat(arm64.architectures()).containsExactly("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM");
        assertThat(names(arm64)).contains("openat").doesNotContain("open", "arch_prctl", "modify_ldt");
    }

    @Test
    void resolvedForCapabilitiesAndKernel() {
        List<String> caps = new ArrayList<>(DefaultSeccomp.DOCKER_CAPABILITIES);
        caps.addAll(List.of("CAP_SYS_ADMIN", "CAP_SYS_TIME"));
        caps.remove("CAP_SYS_CHROOT");
        Seccomp admin = DefaultSeccomp.resolve(SyscallTable.x86_64(), Set.copyOf(caps), KERNEL);
        assertThat(names(admin)).contains("mount", "unshare", "setns", "clock_settime", "clone3")
                .doesNotContain("chroot", "kexec_load");
        assertThat(admin.syscalls()).as("clone is allowed outright, without the namespace-flag condition")
                .noneMatch(s -> s.names().contains("clone") && !s.args().isEmpty());
        assertThat(names(DefaultSeccomp.resolve(SyscallTable.x86_64(), Set.copyOf(DefaultSeccomp.DOCKER_CAPABILITIES),
                new int[] {4, 4}))).as("ptrace needs kernel 4.8 without CAP_SYS_PTRACE").doesNotContain("ptrace");
    }

    /** Each malformed profile and the message OciJson gave when it read the profile into records. */
    private static final List<String> MALFORMED = List.of(
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":\"read\",\"action\":\"SCMP_ACT_ALLOW\"}]}",
                "docker-default.syscalls[0].names: expected an array, got the string \"read\"",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",3],\"action\":\"SCMP_ACT_ALLOW\"}]}",
                "docker-default.syscalls[0].names[1]: expected a string, got the number 3",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_NOPE\"}]}",
                "docker-default.syscalls[0].action: \"SCMP_ACT_NOPE\" is not a seccomp action; expected one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":\"CAP_SYS_ADMIN\"}}]}",
                "docker-default.syscalls[0].includes.caps: expected an array, got the string \"CAP_SYS_ADMIN\"",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_NOPE\"}]}]}",
                "docker-default.syscalls[0].args[0].op: \"SCMP_CMP_NOPE\" is not a seccomp operator; expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":9,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
                "docker-default.syscalls[0].args[0].index: must be between 0 and 5, got 9",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":\"1\"}]}",
                "docker-default.syscalls[0].errnoRet: expected an integer, got the string \"1\"",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":[]}]}",
                "docker-default.syscalls[0].excludes: expected an object, got an array",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":4.8}}]}",
                "docker-default.syscalls[0].includes.minKernel: expected a string, got the number 4.8",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":{}}",
                "docker-default.syscalls: expected an array, got an object",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[true]}",
                "docker-default.syscalls[0]: expected an object, got true",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":1.5}",
                "docker-default.defaultErrnoRet: expected an integer, got the number 1.5",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":\"SCMP_ARCH_X86\"}]}",
                "docker-default.archMap[0].subArchitectures: expected an array, got the string \"SCMP_ARCH_X86\"",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"archMap\":[{\"architecture\":7}]}",
                "docker-default.archMap[0].architecture: expected a string, got the number 7",
                "{\"defaultAction\":7}",
                "docker-default.defaultAction: expected a string, got the number 7",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"comment\":[]}",
                "docker-default.comment: expected a string, got an array",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":\"x\",\"op\":\"SCMP_CMP_EQ\"}]}]}",
                "docker-default.syscalls[0].args[0].value: expected an integer, got the string \"x\"",
                "[]",
                "docker-default: expected an object, got an array",
                "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\",\"errnoRet\":99999999999999999999}]}",
                "docker-default.syscalls[0].errnoRet: the number 99999999999999999999 is out of range for a 64-bit integer");

    @Test
    void aMalformedProfileIsRefusedAsTheMapperRefusedIt() {
        for (int i = 0; i < MALFORMED.size(); i += 2) {
            String json = MALFORMED.get(i);
            assertThatThrownBy(() -> DefaultSeccomp.parse(json.getBytes(StandardCharsets.UTF_8))).as(json)
                    .isInstanceOf(OciFormatException.class).hasMessage(MALFORMED.get(i + 1));
        }
        assertThat(MALFORMED).hasSize(2 * 19);
    }

    @Test
    void aProfileKeepsWhatTheMapperKept() {
        DefaultSeccomp.Profile profile = DefaultSeccomp.parse(("{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"unknown\":1,"
                + "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":[\"SCMP_ARCH_X86\"]}],"
                + "\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38,"
                + "\"args\":[{\"index\":1,\"value\":2,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\",\"extra\":[1]}],"
                + "\"includes\":{\"arches\":[\"amd64\"],\"minKernel\":\"4.8\",\"x\":1},"
                + "\"excludes\":{\"caps\":[\"CAP_SYS_ADMIN\"]},\"comment\":\"c\"},{\"names\":[\"exit\"],"
                + "\"action\":\"SCMP_ACT_ALLOW\",\"includes\":null}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(profile.defaultErrnoRet()).isNull();
        Seccomp resolved = DefaultSeccomp.resolve(profile, SyscallTable.x86_64(), Set.of(), KERNEL);
        assertThat(resolved.architectures()).containsExactly("SCMP_ARCH_X86_64", "SCMP_ARCH_X86");
        assertThat(resolved.syscalls()).containsExactly(
                new Seccomp.Syscall(List.of("read", "write"), Seccomp.Action.ERRNO, 38L,
                        List.of(new Seccomp.Arg(1, 2L, 3L, Seccomp.Operator.MASKED_EQ, Map.of("extra", List.of(1)))),
                        null),
                Seccomp.Syscall.of(Seccomp.Action.ALLOW, "exit"));
        assertThat(DefaultSeccomp.resolve(profile, SyscallTable.x86_64(), Set.of("CAP_SYS_ADMIN"), KERNEL).syscalls())
                .as("excluded by a capability").hasSize(1);
        assertThat(DefaultSeccomp.resolve(profile, SyscallTable.x86_64(), Set.of(), new int[] {4, 4}).syscalls())
                .as("older than minKernel").hasSize(1);
    }

    /**
     * The first container of a fresh JVM waits for this profile: it must not make the JDK generate a
     * constructor accessor class, which reading the rules into records by reflection did.
     */
    @Test
    void aFreshJvmResolvesTheProfileWithoutGeneratingAccessors() throws Exception {
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info", "-cp", System.getProperty("java.class.path"), ColdProfile.class.getName())
                .redirectErrorStream(true).start();
        String out = new String(java.getInputStream().readAllBytes());
        assertThat(java.waitFor()).as(out).isZero();
        assertThat(out).contains("resolved ").contains(DefaultSeccomp.class.getName() + " ")
                .as("classes loaded").doesNotContain("GeneratedConstructorAccessor")
                .doesNotContain("MethodAccessorGenerator").doesNotContain("sun.reflect.generics.");
    }
}
