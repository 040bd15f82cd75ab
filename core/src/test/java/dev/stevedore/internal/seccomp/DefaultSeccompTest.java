package dev.stevedore.internal.seccomp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Seccomp;
import java.util.ArrayList;
import java.util.List;
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
}
