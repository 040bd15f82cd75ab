package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Containers run under Docker's seccomp profile, as with {@code docker run}, unless privileged. */
class SeccompTest {

    static final String SCRIPT = "grep ^Seccomp: /proc/self/status; unshare -n true 2>&1 || true";

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    static ExecResult run(ContainerSpec spec) {
        try (Container c = spec.start()) {
            return c.waitFor(Duration.ofSeconds(20));
        }
    }

    @Test
    void dockersProfileByDefault() {
        ExecResult r = run(Containers.image(BusyboxImage.NAME).withCommand("sh", "-c", SCRIPT));
        assertThat(r.stdout()).startsWith("Seccomp:\t2\n").contains("Operation not permitted");
    }

    @Test
    void privilegedContainersAreUnconfined() {
        ExecResult r = run(Containers.image(BusyboxImage.NAME).withPrivileged().withCommand("sh", "-c", SCRIPT));
        assertThat(r.stdout()).isEqualTo("Seccomp:\t0\n");
    }
}
