package dev.stevedore.oci.runtime;

import static dev.stevedore.oci.runtime.ToolSpecTest.resource;
import static dev.stevedore.oci.runtime.ToolSpecTest.tree;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpecRoundTripTest {

    @Test
    void everyFieldSurvivesARoundTrip() throws IOException {
        byte[] json = resource("full-config.json");
        Spec spec = OciJson.read(json, Spec.class, "config");

        assertThat(tree(OciJson.write(spec))).isEqualTo(tree(json));
        assertThat(OciJson.read(OciJson.writePretty(spec), Spec.class, "config")).isEqualTo(spec);
    }

    @Test
    void fieldsAreMappedToTheirComponents() throws IOException {
        Spec spec = OciJson.read(resource("full-config.json"), Spec.class, "config");

        Process p = spec.process();
        assertThat(p.consoleSize().width()).isEqualTo(80);
        assertThat(p.user().umask()).isEqualTo(18);
        assertThat(p.user().additionalGids()).containsExactly(5L, 6L);
        assertThat(p.noNewPrivileges()).isFalse();
        assertThat(p.oomScoreAdj()).isEqualTo(-500);
        assertThat(p.scheduler().policy()).isEqualTo(Process.Scheduler.Policy.SCHED_DEADLINE);
        assertThat(p.ioPriority().ioClass()).isEqualTo(Process.IoPriority.IoClass.IOPRIO_CLASS_BE);
        assertThat(p.execCPUAffinity().finalCpus()).isEqualTo("0-3,7");
        assertThat(spec.root().readonly()).isFalse();
        assertThat(spec.mounts().get(1).uidMappings()).containsExactly(IdMapping.of(0, 100000, 65536));
        assertThat(spec.hooks().poststop().get(0).timeout()).isNull();
        assertThat(spec.hooks().prestart().get(0).timeout()).isEqualTo(5);

        Linux linux = spec.linux();
        assertThat(linux.namespace(NamespaceType.NETWORK).path()).isEqualTo("/proc/1/ns/net");
        assertThat(linux.namespace(NamespaceType.TIME)).isEqualTo(Namespace.of(NamespaceType.TIME));
        assertThat(linux.timeOffsets().get("boottime").secs()).isEqualTo(-60);
        assertThat(linux.devices().get(1).major()).isNull();
        Resources r = linux.resources();
        assertThat(r.memory().limit()).isEqualTo(-1L);
        assertThat(r.cpu().quota()).isEqualTo(50000L);
        assertThat(r.blockIO().throttleWriteIOPSDevice().get(0).rate()).isEqualTo(500L);
        assertThat(r.hugepageLimits().get(0).limit()).isEqualTo(9223372036854771712L);
        assertThat(r.rdma().get("mlx5_1").hcaObjects()).isEqualTo(10000L);
        assertThat(r.unified()).containsEntry("io.weight", "default 100");
        assertThat(linux.seccomp().syscalls().get(1).args().get(0).op()).isEqualTo(Seccomp.Operator.MASKED_EQ);
        assertThat(linux.seccomp().syscalls().get(2).action()).isEqualTo(Seccomp.Action.NOTIFY);
        assertThat(linux.personality().domain()).isEqualTo(Linux.Personality.Domain.LINUX32);
        assertThat(linux.intelRdt().enableMBM()).isFalse();
    }

    @Test
    void unknownFieldsAreKeptAtEveryDepth() throws IOException {
        Spec spec = OciJson.read(resource("full-config.json"), Spec.class, "config");

        assertThat(spec.extensions()).containsOnlyKeys("x-top");
        assertThat(spec.process().extensions()).containsEntry("x-process", "kept");
        assertThat(spec.process().consoleSize().extensions()).containsEntry("x-console", true);
        assertThat(spec.process().rlimits().get(1).extensions()).containsEntry("x-rlimit", "kept");
        assertThat(spec.hooks().poststop().get(0).extensions())
                .containsEntry("x-hook", Map.of("deep", Map.of("deeper", List.of(true))));
        assertThat(spec.linux().resources().extensions()).containsEntry("x-resources", List.of(1));
        // netDevices (runtime-spec 1.2) is not modelled; it must still come back unchanged.
        assertThat(spec.linux().extensions()).containsEntry("netDevices", Map.of("eth1", Map.of("name", "ceth1")));
    }

    @Test
    void absentOptionalFieldsAreNotWritten() {
        Spec spec = Spec.of(Process.of("true"), Root.of("rootfs"));

        assertThat(new String(OciJson.write(spec))).isEqualTo("{\"ociVersion\":\"1.2.0\",\"process\":{\"user\":"
                + "{\"uid\":0,\"gid\":0},\"args\":[\"true\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"},\"linux\":{}}");
    }

    @Test
    void mapsAreWrittenInDocumentOrder() {
        StringBuilder annotations = new StringBuilder();
        for (int i = 20; i > 0; i--) {
            annotations.append(i == 20 ? "" : ",").append("\"key").append(i).append("\":\"v\"");
        }
        String json = "{\"ociVersion\":\"1.2.0\",\"annotations\":{" + annotations + "}}";

        assertThat(new String(OciJson.write(OciJson.read(json, Spec.class, "config")))).isEqualTo(json);
    }

    @Test
    void stateRoundTrips() {
        String json = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"running\",\"pid\":4242,"
                + "\"bundle\":\"/var/lib/stevedore/c1\",\"annotations\":{\"a\":\"b\"},\"x-state\":1}";
        State state = OciJson.read(json, State.class, "state");

        assertThat(state.status()).isEqualTo(ContainerStatus.RUNNING);
        assertThat(state.pid()).isEqualTo(4242);
        assertThat(new String(OciJson.write(state))).isEqualTo(json);
        State stopped = state.withStatus(ContainerStatus.STOPPED, null);
        assertThat(stopped.pid()).isNull();
        assertThat(OciJson.read(OciJson.write(stopped), State.class, "state")).isEqualTo(stopped);
    }
}
