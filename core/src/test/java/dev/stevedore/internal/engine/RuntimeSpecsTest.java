package dev.stevedore.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class RuntimeSpecsTest {

    private static final Map<String, String> FILES = Map.of(
            "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n",
            "/etc/group", "root:x:0:\napp:x:1000:\nextra:x:2000:app,other\nstaff:x:50:\n");
    private static final Function<String, Optional<String>> IMAGE_FILES = p -> Optional.ofNullable(FILES.get(p));

    private static final ImageConfig.Config IMAGE = ImageConfig.Config.EMPTY
            .withEntrypoint(List.of("/docker-entrypoint.sh"))
            .withCmd(List.of("nginx", "-g", "daemon off;"))
            .withEnv(List.of("PATH=/opt/bin:/bin", "LANG=C.UTF-8", "MODE=image"))
            .withWorkingDir("/srv")
            .withUser("app")
            .withStopSignal("SIGQUIT");

    private static ContainerConfig edited(String image, Consumer<ContainerConfig.Builder> edit) {
        ContainerConfig.Builder b = ContainerConfig.of(image).edit();
        edit.accept(b);
        return b.build();
    }

    private static Spec spec(ContainerConfig c, ImageConfig.Config image) {
        return assemble(c, image).spec();
    }

    private static RuntimeSpecs.Assembled assemble(ContainerConfig c, ImageConfig.Config image) {
        return RuntimeSpecs.assemble(c, image, "web:1", IMAGE_FILES, Path.of("/run/c1/rootfs"),
                name -> Path.of("/volumes", name));
    }

    @Test
    void imageDefaultsApplyWhenNothingIsSet() {
        RuntimeSpecs.Assembled a = assemble(ContainerConfig.of("web:1"), IMAGE);
        Spec s = a.spec();
        assertThat(s.process().args()).containsExactly("/docker-entrypoint.sh", "nginx", "-g", "daemon off;");
        assertThat(s.process().cwd()).isEqualTo("/srv");
        assertThat(s.process().user().uid()).isEqualTo(1000);
        assertThat(s.process().user().gid()).isEqualTo(1000);
        assertThat(s.process().user().additionalGids()).containsExactly(2000L);
        assertThat(s.process().env()).containsExactly("PATH=/opt/bin:/bin", "LANG=C.UTF-8", "MODE=image",
                "HOME=/home/app");
        assertThat(a.stopSignal()).isEqualTo(3);
        assertThat(s.root().path()).isEqualTo("/run/c1/rootfs");
    }

    @Test
    void commandReplacesCmdButKeepsTheEntrypoint() {
        Spec s = spec(edited("web:1", b -> b.command = List.of("nginx", "-t")), IMAGE);
        assertThat(s.process().args()).containsExactly("/docker-entrypoint.sh", "nginx", "-t");
    }

    @Test
    void entrypointResetsTheImageCmdAsDockerDoes() {
        Spec s = spec(edited("web:1", b -> b.entrypoint = List.of("/bin/sh")), IMAGE);
        assertThat(s.process().args()).containsExactly("/bin/sh");
        Spec both = spec(edited("web:1", b -> {
            b.entrypoint = List.of("/bin/sh", "-c");
            b.command = List.of("echo hi");
        }), IMAGE);
        assertThat(both.process().args()).containsExactly("/bin/sh", "-c", "echo hi");
    }

    @Test
    void noCommandAnywhereIsAnErrorNamingTheImageAndTheRemedy() {
        assertThatThrownBy(() -> spec(ContainerConfig.of("web:1"), ImageConfig.Config.EMPTY))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("image \"web:1\" has no Entrypoint or Cmd")
                .hasMessageContaining("withCommand");
    }

    @Test
    void userEnvOverridesByNameInPlaceAndAddsPathWhenMissing() {
        Spec s = spec(edited("web:1", b -> {
            b.env.put("MODE", "test");
            b.env.put("EXTRA", "1");
            b.hostname = "box";
        }), IMAGE);
        assertThat(s.process().env()).containsExactly("PATH=/opt/bin:/bin", "LANG=C.UTF-8", "MODE=test", "EXTRA=1",
                "HOSTNAME=box", "HOME=/home/app");
        Spec bare = spec(edited("x", b -> b.command = List.of("true")), ImageConfig.Config.EMPTY);
        assertThat(bare.process().env()).containsExactly("PATH=" + RuntimeSpecs.DEFAULT_PATH, "HOME=/root");
        assertThat(bare.process().cwd()).isEqualTo("/");
        assertThat(bare.process().user().uid()).isZero();
    }

    @Test
    void relativeWorkingDirIsResolvedAgainstTheRoot() {
        Spec s = spec(edited("x", b -> b.workingDir = "app/data"), IMAGE);
        assertThat(s.process().cwd()).isEqualTo("/app/data");
    }

    @Test
    void usersResolveByNameIdAndGroup() {
        Spec numeric = spec(edited("x", b -> b.user = "4242"), IMAGE);
        assertThat(numeric.process().user().uid()).isEqualTo(4242);
        assertThat(numeric.process().user().gid()).as("Docker runs an unknown uid with gid 0").isZero();
        Spec group = spec(edited("x", b -> b.user = "app:staff"), IMAGE);
        assertThat(group.process().user().gid()).isEqualTo(50);
        Spec ids = spec(edited("x", b -> b.user = "1000:7"), IMAGE);
        assertThat(ids.process().user().uid()).isEqualTo(1000);
        assertThat(ids.process().user().gid()).isEqualTo(7);
        assertThatThrownBy(() -> spec(edited("x", b -> b.user = "bob"), IMAGE))
                .hasMessageContaining("user \"bob\" is not in the image's /etc/passwd");
        assertThatThrownBy(() -> spec(edited("x", b -> b.user = "app:wheel"), IMAGE))
                .hasMessageContaining("group \"wheel\" is not in the image's /etc/group");
    }

    @Test
    void volumesTmpfsAndNamedVolumesBecomeMountsAfterDockersDefaults() {
        Spec s = spec(edited("x", b -> {
            b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.BIND, "/host/data", "/data", true, 0));
            b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.NAMED, "cache", "/cache", false, 0));
            b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.TMPFS, null, "/scratch", false, 1 << 20));
        }), IMAGE);
        assertThat(s.mounts()).extracting(Mount::destination).containsExactly("/proc", "/dev", "/dev/pts",
                "/dev/shm", "/dev/mqueue", "/sys", "/data", "/cache", "/scratch");
        assertThat(s.mounts().get(6)).isEqualTo(Mount.bind("/host/data", "/data", true));
        assertThat(s.mounts().get(7)).isEqualTo(Mount.bind("/volumes/cache", "/cache", false));
        assertThat(s.mounts().get(8).options()).contains("size=1048576");
    }

    @Test
    void limitsBecomeCgroupResources() {
        Spec s = spec(edited("x", b -> {
            b.memoryBytes = 64L << 20;
            b.cpus = 0.5;
            b.pidsLimit = 100L;
        }), IMAGE);
        assertThat(s.linux().resources().memory().limit()).isEqualTo(64L << 20);
        assertThat(s.linux().resources().cpu().quota()).isEqualTo(50_000L);
        assertThat(s.linux().resources().cpu().period()).isEqualTo(100_000L);
        assertThat(s.linux().resources().pids().limit()).isEqualTo(100L);
        assertThat(spec(ContainerConfig.of("x"), IMAGE).linux().resources().devices()).as("Docker's default")
                .containsExactly(Resources.DeviceRule.all(false, "rwm"));
        assertThat(spec(edited("x", b -> b.privileged = true), IMAGE).linux().resources().devices()).isEmpty();
    }

    @Test
    void networkNoneHasItsOwnNamespaceAndHostSharesTheHosts() {
        assertThat(spec(ContainerConfig.of("x"), IMAGE).linux().namespace(NamespaceType.NETWORK)).isNotNull();
        Spec host = spec(edited("x", b -> b.network = ContainerConfig.Network.HOST), IMAGE);
        assertThat(host.linux().namespace(NamespaceType.NETWORK)).isNull();
        assertThat(host.linux().namespace(NamespaceType.PID)).isNotNull();
    }

    @Test
    void capabilitiesStartFromDockersSetThenAddAndDrop() {
        Spec s = spec(edited("x", b -> {
            b.capAdd.add("net_admin");
            b.capDrop.add("CAP_CHOWN");
        }), IMAGE);
        assertThat(s.process().capabilities().bounding()).contains("CAP_NET_ADMIN", "CAP_KILL")
                .doesNotContain("CAP_CHOWN", "CAP_SYS_ADMIN");
        Spec none = spec(edited("x", b -> b.capDrop.add("ALL")), IMAGE);
        assertThat(none.process().capabilities().bounding()).isEmpty();
        assertThatThrownBy(() -> spec(edited("x", b -> b.capAdd.add("FLY")), IMAGE))
                .hasMessageContaining("\"FLY\" is not a capability");
    }

    @Test
    void privilegedGetsEveryCapabilityAndNoMaskedPaths() {
        Spec s = spec(edited("x", b -> b.privileged = true), IMAGE);
        assertThat(s.process().capabilities().bounding()).as("all that this process's bounding set allows")
                .contains("CAP_SYS_ADMIN").containsExactlyElementsOf(RuntimeSpecs.hostCapabilities());
        assertThat(s.linux().maskedPaths()).isEmpty();
        assertThat(s.linux().readonlyPaths()).isEmpty();
        assertThat(spec(ContainerConfig.of("x"), IMAGE).linux().maskedPaths()).contains("/proc/kcore");
    }

    @Test
    void readOnlyRootfsHostnameAndLabels() {
        Spec s = spec(edited("x", b -> {
            b.readOnlyRootfs = true;
            b.hostname = "db";
            b.labels.put("team", "core");
        }), IMAGE);
        assertThat(s.root().readonly()).isTrue();
        assertThat(s.hostname()).isEqualTo("db");
        assertThat(s.annotations()).containsEntry("team", "core");
    }

    @Test
    void stopSignalDefaultsToTermAndAcceptsNamesAndNumbers() {
        ContainerConfig bare = edited("x", b -> b.command = List.of("true"));
        assertThat(assemble(bare, ImageConfig.Config.EMPTY).stopSignal()).isEqualTo(15);
        ContainerConfig.Builder kill = bare.edit();
        kill.stopSignal = "9";
        assertThat(assemble(kill.build(), IMAGE).stopSignal()).isEqualTo(9);
        assertThat(Signals.parse("usr1")).isEqualTo(10);
        assertThatThrownBy(() -> Signals.parse("SIGNOPE")).hasMessageContaining("\"SIGNOPE\" is not a signal");
    }
}
