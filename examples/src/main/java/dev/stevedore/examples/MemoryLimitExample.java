package dev.stevedore.examples;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;

/** Runs a process that wants more memory than its limit: the kernel kills it, and the result says so. */
public final class MemoryLimitExample {
    private MemoryLimitExample() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        BusyboxImage.ensure(Engine.defaultEngine());
        ExecResult result = Containers.image("busybox:1.36")
                .withMemoryLimit(16 * 1024 * 1024)
                .withCommand("sh", "-c", "x=$(head -c 64000000 /dev/zero | tr '\\0' a); echo survived")
                .run();
        System.out.println("exit code " + result.exitCode() + ", OOM-killed: " + result.oomKilled());
    }
}
