package dev.stevedore.examples;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.Images;
import dev.stevedore.image.Image;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Makes an image from a directory (a root filesystem plus an app script) and runs it. */
public final class BuildAndRunExample {
    private BuildAndRunExample() {
    }

    /**
     * @param args ignored
     * @throws IOException when the temporary directory cannot be used
     */
    public static void main(String[] args) throws IOException {
        Engine.defaultEngine();
        Path rootfs = Files.createTempDirectory("stevedore-app");
        BusyboxImage.writeRootfs(rootfs);
        Files.createDirectories(rootfs.resolve("app"));
        Files.writeString(rootfs.resolve("app/run.sh"), "echo \"app $APP_VERSION running as $(id -un)\"\n");
        Image app = Images.fromDirectory(rootfs, "example-app:1", ImageConfig.Config.EMPTY
                .withEnv(List.of("PATH=/bin", "APP_VERSION=1.0"))
                .withUser("app")
                .withEntrypoint(List.of("sh", "/app/run.sh")));
        System.out.println("built " + app);
        System.out.print(Containers.image(app).run().stdout());
    }
}
