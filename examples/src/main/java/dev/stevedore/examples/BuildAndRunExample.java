package dev.stevedore.examples;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.Images;
import dev.stevedore.image.Image;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds an image from a Dockerfile in a build-context directory and runs a container from it,
 * on the default store. The base image, busybox, is made locally from Debian's busybox-static.
 */
public final class BuildAndRunExample {
    private BuildAndRunExample() {
    }

    /**
     * @param args ignored
     * @throws IOException when the build context cannot be written
     */
    public static void main(String[] args) throws IOException {
        BusyboxImage.ensure(Engine.defaultEngine());
        Path context = Files.createTempDirectory("stevedore-app");
        Files.createDirectories(context.resolve("app"));
        Files.writeString(context.resolve("app/run.sh"), "echo \"app $APP_VERSION running as $(id -un) in $(pwd)\"\n"
                + "cat /built\n");
        Files.writeString(context.resolve("Dockerfile"), """
                FROM busybox:1.36
                ARG APP_VERSION=1.0
                ENV APP_VERSION=$APP_VERSION
                COPY app/ /app/
                RUN echo "built on $(uname -m)" > /built
                WORKDIR /app
                USER app
                CMD ["sh", "/app/run.sh"]
                """);
        Image app = Images.fromContext(context).withTag("example-app:1").withProgress(System.out::println).build();
        System.out.println("built " + app);
        ExecResult result = Containers.image(app).run();
        System.out.print(result.stdout());
        System.out.println("exit code " + result.exitCode());
    }
}
