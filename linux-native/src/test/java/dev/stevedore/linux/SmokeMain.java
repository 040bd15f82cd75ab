package dev.stevedore.linux;

import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

final class SmokeMain {
    public static void main(String[] args) throws Exception {
        Path tmp = Files.createTempDirectory("smoke");
        Path root = BusyboxRootfs.create(tmp.resolve("rootfs"));
        try (ContainerRuntime rt = new LinuxBackend().open(tmp.resolve("state"))) {
            ContainerHandle c = rt.create("a", TestSpecs.docker(root, args), List.of(), Stdio.inherit());
            System.out.println("pid " + c.pid() + " " + c.state());
            c.start();
            System.out.println("status " + c.waitFor());
            c.delete();
        }
    }
}
