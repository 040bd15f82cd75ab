package dev.stevedore.examples;

import dev.stevedore.Container;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;

/** Starts a long-running container and runs commands in it, as {@code docker exec} does. */
public final class ExecExample {
    private ExecExample() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        BusyboxImage.ensure(Engine.defaultEngine());
        try (Container box = Containers.image("busybox:1.36").withCommand("sleep", "600").start()) {
            ExecResult ps = box.exec("ps");
            System.out.print(ps.stdout());
            ExecResult id = box.exec("id");
            System.out.print(id.stdout());
            System.out.println("exec took " + id.duration().toNanos() / 1000 + " µs");
        }
    }
}
