package dev.stevedore.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecBuildingTest {

    private final Spec template = Spec.of(Process.of("sh"), Root.of("rootfs"))
            .withNamespaces(List.of(Namespace.of(NamespaceType.PID), Namespace.of(NamespaceType.MOUNT)));

    @Test
    void withMethodsReturnChangedCopiesAndLeaveTheTemplateAlone() {
        Spec spec = template.withArgs(List.of("echo", "hi"))
                .withCwd("/tmp")
                .withHostname("box")
                .withMount(Mount.bind("/srv", "/data", true))
                .withResources(Resources.none().withMemory(Resources.Memory.limit(64 << 20)).withPids(Resources.Pids.of(100)))
                .withRoot(Root.of("/var/lib/rootfs").withReadonly(true));

        assertThat(spec.process().args()).containsExactly("echo", "hi");
        assertThat(spec.process().cwd()).isEqualTo("/tmp");
        assertThat(spec.hostname()).isEqualTo("box");
        assertThat(spec.mounts()).containsExactly(Mount.of("/data", "bind", "/srv", "rbind", "ro"));
        assertThat(spec.linux().resources().memory().limit()).isEqualTo(64L << 20);
        assertThat(spec.linux().namespaces()).hasSize(2);
        assertThat(spec.root().readonlyOrDefault()).isTrue();

        assertThat(template.process().args()).containsExactly("sh");
        assertThat(template.hostname()).isNull();
        assertThat(template.mounts()).isEmpty();
        assertThat(template.linux().resources()).isNull();
        assertThat(OciJson.read(OciJson.write(spec), Spec.class, "config")).isEqualTo(spec);
    }

    @Test
    void withEnvReplacesAVariableInPlaceOrAppendsIt() {
        Process p = Process.of("sh").withEnv(List.of("PATH=/bin", "HOME=/root"));

        assertThat(p.withEnv("PATH", "/usr/bin").env()).containsExactly("PATH=/usr/bin", "HOME=/root");
        assertThat(p.withEnv("TERM", "xterm").env()).containsExactly("PATH=/bin", "HOME=/root", "TERM=xterm");
        assertThat(p.withEnv("PAT", "x").env()).containsExactly("PATH=/bin", "HOME=/root", "PAT=x");
    }

    @Test
    void javaBuiltValuesAreValidatedLikeDocuments() {
        assertThatThrownBy(() -> template.withCwd("tmp"))
                .isInstanceOf(OciFormatException.class)
                .hasMessage("cwd: \"tmp\" is not an absolute path");
        assertThatThrownBy(() -> template.withNamespaces(List.of(Namespace.of(NamespaceType.PID), Namespace.of(NamespaceType.PID))))
                .hasMessage("namespaces[1].type: \"pid\" appears more than once");
        assertThatThrownBy(() -> Process.of(List.of()))
                .hasMessage("args: must name at least the executable");
        assertThatThrownBy(() -> Spec.of(Process.of("sh"), null))
                .hasMessage("root: is required for a Linux container");
    }

    @Test
    void listsAreCopiedDefensively() {
        List<String> args = new ArrayList<>(List.of("sh"));
        Process p = Process.of(args);
        args.add("-c");

        assertThat(p.args()).containsExactly("sh");
        assertThatThrownBy(() -> p.args().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }
}
