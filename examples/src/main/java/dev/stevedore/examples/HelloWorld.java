package dev.stevedore.examples;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.testing.BusyboxImage;

/** Runs one command in a container and prints what it wrote. */
public final class HelloWorld {
    private HelloWorld() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        BusyboxImage.ensure(Engine.defaultEngine());
        ExecResult result = Containers.image("busybox:1.36")
                .withCommand("sh", "-c", "echo Hello from $(hostname), a container")
                .withHostname("stevedore")
                .run();
        System.out.print(result.stdout());
        System.out.println("exit code " + result.exitCode() + " after " + result.duration().toMillis() + " ms");
    }
}
