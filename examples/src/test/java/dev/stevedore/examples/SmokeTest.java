package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void runsEcho() {
        System.out.println(Engine.defaultEngine().doctor());
        BusyboxImage.ensure(Engine.defaultEngine());
        ExecResult r = Containers.image("busybox:1.36").withCommand("sh", "-c", "echo hi; id; hostname; pwd").run();
        System.out.println(r);
        assertThat(r.stdout()).startsWith("hi\n");
    }
}
