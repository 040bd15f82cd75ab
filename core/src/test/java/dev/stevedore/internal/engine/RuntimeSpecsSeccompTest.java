package dev.stevedore.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.runtime.Seccomp;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Containers get Docker's seccomp profile for their capabilities; privileged ones none. */
class RuntimeSpecsSeccompTest {

    private static ContainerConfig edited(String image, Consumer<ContainerConfig.Builder> edit) {
        ContainerConfig.Builder b = ContainerConfig.of(image).edit();
        edit.accept(b);
        return b.build();
    }

    private static Seccomp seccomp(ContainerConfig c) {
        return RuntimeSpecs.assemble(c, ImageConfig.Config.EMPTY.withCmd(List.of("true")), "busybox", p -> Optional.empty(),
                Path.of("/run/c1/rootfs"), name -> Path.of("/volumes", name)).spec().linux().seccomp();
    }

    private static List<String> names(Seccomp seccomp) {
        return seccomp.syscalls().stream().flatMap(s -> s.names().stream()).toList();
    }

    @Test
    void dockerProfileByDefault() {
        Seccomp s = seccomp(ContainerConfig.of("busybox"));
        assertThat(s).isEqualTo(DefaultSeccomp.profile());
        assertThat(s.defaultAction()).isEqualTo(Seccomp.Action.ERRNO);
        assertThat(names(s)).contains("read", "chroot").doesNotContain("mount", "unshare");
    }

    @Test
    void addedCapabilitiesAllowTheirCalls() {
        Seccomp s = seccomp(edited("busybox", b -> b.capAdd.add("SYS_ADMIN")));
        assertThat(names(s)).contains("mount", "unshare");
    }

    @Test
    void privilegedContainersAreUnconfined() {
        assertThat(seccomp(edited("busybox", b -> b.privileged = true))).isNull();
    }
}
