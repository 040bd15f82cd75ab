package dev.stevedore.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The default configurations that runc and crun write ({@code runc spec}, {@code crun spec}), captured as test data. */
class ToolSpecTest {

    static byte[] resource(String name) throws IOException {
        try (InputStream in = ToolSpecTest.class.getResourceAsStream("/runtime/" + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }

    static JsonNode tree(byte[] json) throws IOException {
        return OciJson.mapper().readTree(json);
    }

    @Test
    void runcSpecReadsAndWritesBackEqual() throws IOException {
        byte[] json = resource("runc-spec.json");
        Spec spec = OciJson.read(json, Spec.class, "config");

        assertThat(tree(OciJson.write(spec))).isEqualTo(tree(json));
        assertThat(spec.ociVersion()).isEqualTo("1.0.2-dev");
        assertThat(spec.process().args()).containsExactly("sh");
        assertThat(spec.process().capabilities().inheritable()).isNull();
        assertThat(spec.process().rlimits()).containsExactly(Process.Rlimit.of(RlimitType.RLIMIT_NOFILE, 1024, 1024));
        assertThat(spec.root().readonlyOrDefault()).isTrue();
        assertThat(spec.mounts()).hasSize(7);
        assertThat(spec.linux().namespaces()).extracting(Namespace::type).containsExactly(
                NamespaceType.PID, NamespaceType.NETWORK, NamespaceType.IPC, NamespaceType.UTS, NamespaceType.MOUNT);
        assertThat(spec.linux().resources().devices()).containsExactly(Resources.DeviceRule.all(false, "rwm"));
    }

    @Test
    void crunSpecKeepsItsEmptyInheritableSet() throws IOException {
        byte[] json = resource("crun-spec.json");
        Spec spec = OciJson.read(json, Spec.class, "config");

        assertThat(tree(OciJson.write(spec))).isEqualTo(tree(json));
        assertThat(spec.process().capabilities().inheritable()).isEqualTo(List.of());
        assertThat(spec.hostname()).isEqualTo("crun");
    }
}
