package dev.stevedore.examples;

import dev.stevedore.Container;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.image.Image;
import dev.stevedore.testing.BusyboxImage;

/** Changes a container's files, commits them as a new image and runs that image. */
public final class CommitExample {
    private CommitExample() {
    }

    /**
     * @param args ignored
     */
    public static void main(String[] args) {
        BusyboxImage.ensure(Engine.defaultEngine());
        Image configured;
        try (Container box = Containers.image("busybox:1.36").withCommand("sleep", "600").start()) {
            box.exec("sh", "-c", "echo 'configured at commit time' > /etc/greeting").orThrow();
            configured = box.commit("busybox:configured");
        }
        System.out.println("committed " + configured);
        System.out.print(Containers.image("busybox:configured").withCommand("cat", "/etc/greeting").run().stdout());
    }
}
