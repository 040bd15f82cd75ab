package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The helper's parent runs newuidmap and newgidmap for mappings of subordinate ids, and reports their refusal. */
class IdMapToolTest {
    @TempDir
    Path tmp;

    @Test
    void aRangeTheToolRefusesFailsWithTheToolsOwnWords() throws Exception {
        assertThat(Rootless.NEWUIDMAP).as("newuidmap (Debian package uidmap, see tools/setup.sh)").isExecutable();
        assertThat(Files.readString(Path.of("/etc/subuid"))).as("root must have no subordinate uids here")
                .doesNotContainPattern("(?m)^(root|0):");
        Path helper = HelperBinary.extract(tmp.resolve("bin"));
        Plan beforeClone = new Plan()
                .add(Op.ID_MAP, Rootless.NEWUIDMAP, "0 5000000 10\n")
                .add(Op.ID_MAP, Rootless.NEWGIDMAP, "0 5000000 10\n")
                .add(Op.CLONE, Kernel.CLONE_NEWUSER);
        Plan afterClone = new Plan().add(Op.USER, 0, 0).add(Op.GO).add(Op.ARG, "true").add(Op.EXEC, "/bin");
        assertThatThrownBy(() -> Helper.spawn(helper, tmp.resolve("h.sock"), Stdio.discard()).clone(beforeClone)
                .begin(afterClone))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageStartingWith("write user namespace mapping with \"/usr/bin/newuidmap\" on \"newuidmap: ")
                .hasMessageContaining("5000000")
                .hasMessageEndingWith(": operation not permitted");
    }
}
