package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.linux.seccomp.SeccompCompiler;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Seccomp;
import dev.stevedore.oci.runtime.Spec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where the filter goes in the plan; no root needed. */
class SeccompPlanTest {
    static final Spec DOCKER = TestSpecs.docker(PlannerTest.ROOT, "true");
    static final String SECCOMP = "SECCOMP 0 " + SeccompCompiler.compile(DefaultSeccomp.profile(), "x").hex();

    static Spec withSeccomp(Spec spec, Seccomp seccomp) {
        return spec.withLinux(spec.linux().withSeccomp(seccomp));
    }

    @Test
    void withoutNoNewPrivilegesTheFilterGoesInWhileTheHelperIsStillPrivileged() {
        List<String> lines = PlannerTest.plan(withSeccomp(DOCKER, DefaultSeccomp.profile()));
        assertThat(lines).containsSubsequence("GO", "BOUNDING " + PlannerTest.capMask(Planner.DEFAULT_CAPABILITIES),
                SECCOMP, "USER 0 0", "CAPS " + PlannerTest.capMask(Planner.DEFAULT_CAPABILITIES) + " "
                        + PlannerTest.capMask(Planner.DEFAULT_CAPABILITIES) + " 0 0", "CHDIR /", "EXEC " + Planner.DEFAULT_PATH);
    }

    @Test
    void withNoNewPrivilegesItIsTheLastStepBeforeExec() {
        Spec spec = withSeccomp(DOCKER.withProcess(DOCKER.process().withNoNewPrivileges(true)), DefaultSeccomp.profile());
        List<String> lines = PlannerTest.plan(spec);
        assertThat(lines.subList(lines.size() - 2, lines.size())).containsExactly(SECCOMP, "EXEC " + Planner.DEFAULT_PATH);
        assertThat(lines).containsSubsequence("USER 0 0", "NO_NEW_PRIVS", "CHDIR /", "ARG true", SECCOMP);
        assertThat(lines.stream().filter(l -> l.startsWith("SECCOMP"))).hasSize(1);
    }

    @Test
    void withoutLinuxSeccompThereIsNoFilter() {
        assertThat(PlannerTest.plan(DOCKER)).noneMatch(l -> l.startsWith("SECCOMP"));
    }

    @Test
    void execProcessesGetTheContainersFilter() {
        List<String> lines = Planner.exec(42, withSeccomp(DOCKER, DefaultSeccomp.profile()),
                Process.of("sh").withEnv(List.of("PATH=/bin")), List.of()).lines();
        assertThat(lines).containsSubsequence("GO", SECCOMP, "USER 0 0", "EXEC /bin");
    }

    @Test
    void flagsAndBadProfilesReachThePlanner() {
        Seccomp logged = OciJson.read("{\"defaultAction\": \"SCMP_ACT_LOG\", \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"]}",
                Seccomp.class, "seccomp");
        assertThat(PlannerTest.plan(withSeccomp(DOCKER, logged))).anyMatch(l -> l.startsWith("SECCOMP 2 "));
        assertThatThrownBy(() -> PlannerTest.plan(withSeccomp(DOCKER, Seccomp.of(Seccomp.Action.ERRNO,
                List.of(Seccomp.Syscall.of(Seccomp.Action.ALLOW, "read", "frobnicate"))))))
                .hasMessage("linux.seccomp.syscalls[0].names[1]: \"frobnicate\" is not a syscall on amd64");
    }
}
