package dev.stevedore.examples;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Shares a host directory with a container: the container writes, the host reads. */
public final class VolumeExample {
    private VolumeExample() {
    }

    /**
     * @param args ignored
     * @throws IOException when the temporary directory cannot be used
     */
    public static void main(String[] args) throws IOException {
        BusyboxImage.ensure(Engine.defaultEngine());
        Path dir = Files.createTempDirectory("stevedore-volume");
        Files.writeString(dir.resolve("input.txt"), "written by the host\n");
        Containers.image("busybox:1.36")
                .withVolume(dir, "/data")
                .withCommand("sh", "-c", "cat /data/input.txt; echo written by the container > /data/output.txt")
                .run()
                .orThrow();
        System.out.print("host reads: " + Files.readString(dir.resolve("output.txt")));
    }
}
