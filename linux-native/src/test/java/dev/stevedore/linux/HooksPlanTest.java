package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.runtime.Hook;
import dev.stevedore.oci.runtime.Hooks;
import dev.stevedore.oci.runtime.Spec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where hooks go in the plan; no root needed. */
class HooksPlanTest {
    static final Hook HOOK = new Hook("/usr/bin/hook", List.of("hook", "a"), List.of("X=1"), 5, null);

    static List<String> plan(Hooks hooks) {
        Spec spec = TestSpecs.docker(PlannerTest.ROOT, "true");
        spec = new Spec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(), spec.domainname(),
                spec.mounts(), hooks, spec.annotations(), spec.linux(), spec.extensions());
        return Planner.create("c1", spec, List.of(), PlannerTest.PROCS, Map.of(), List.of()).lines();
    }

    @Test
    void containerHooksRunInsideJavaHooksGetAPause() {
        List<String> lines = plan(new Hooks(List.of(), List.of(HOOK), List.of(HOOK), List.of(HOOK), List.of(HOOK),
                List.of(HOOK), null));
        String state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"%s\",\"pid\":";
        String rest = ",\"bundle\":\"/var/lib/x\"}";
        assertThat(lines).containsSubsequence("PAUSE",
                "HOOK createContainer hook 5 " + state.formatted("created") + " " + rest + " /usr/bin/hook 2 hook a X=1",
                "PIVOT /var/lib/x/rootfs", "GO",
                "HOOK startContainer hook 5 " + state.formatted("created") + " " + rest + " /usr/bin/hook 2 hook a X=1",
                "UMASK 18");
    }

    @Test
    void noPauseWithoutPrestartOrCreateRuntimeHooksAndArgvDefaultsToThePath() {
        Hook bare = new Hook("/bin/true", null, null, null, null);
        List<String> lines = plan(new Hooks(List.of(), List.of(), List.of(), List.of(bare), List.of(), List.of(), null));
        assertThat(lines).doesNotContain("PAUSE").anyMatch(l -> l.startsWith("HOOK startContainer hook 0 ")
                && l.endsWith(" /bin/true 1 /bin/true"));
        assertThat(plan(new Hooks(List.of(HOOK), List.of(), List.of(), List.of(), List.of(), List.of(), null)))
                .contains("PAUSE").noneMatch(l -> l.startsWith("HOOK"));
    }
}
