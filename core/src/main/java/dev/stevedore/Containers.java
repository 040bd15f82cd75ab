package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.internal.engine.ContainerConfig;
import java.util.List;
import java.util.Objects;

/**
 * Entry point for running containers. Specs run on the {@link Engine#defaultEngine() default
 * engine} unless {@link ContainerSpec#withEngine} names another.
 *
 * <pre>{@code
 * ExecResult r = Containers.image("busybox:1.36").withCommand("echo", "hello").run();
 *
 * try (Container c = Containers.image("busybox:1.36")
 *         .withCommand("sh", "-c", "echo hi > /data/out; hostname")
 *         .withVolume(hostDir, "/data")
 *         .withMemoryLimit(64 * 1024 * 1024)
 *         .start()) {
 *     ExecResult done = c.waitFor();
 * }
 * }</pre>
 */
public final class Containers {

    private Containers() {
    }

    /**
     * Starts a spec from an image in the store, or pulled from its registry when the store does not
     * have it (as {@code docker run} does).
     *
     * @param image a name such as {@code busybox:1.36}, a digest {@code sha256:...} or a unique
     *     digest prefix; resolved (and pulled if missing) when the container is created
     * @return a spec with the image's defaults
     * @throws IllegalArgumentException when {@code image} is empty
     */
    public static ContainerSpec image(String image) {
        Objects.requireNonNull(image, "image");
        if (image.isBlank()) {
            throw new IllegalArgumentException("image name is empty; give a name such as busybox:1.36");
        }
        return new ContainerSpec(ContainerConfig.of(image.strip()), null, null);
    }

    /**
     * Starts a spec from an image value, by its digest (so a later re-tag does not change it).
     *
     * @param image the image
     * @return a spec with the image's defaults
     */
    public static ContainerSpec image(Image image) {
        return new ContainerSpec(ContainerConfig.of(image.digest().toString()), null, null);
    }

    /**
     * @return the containers of the default engine that are not removed
     */
    public static List<Container> list() {
        return Engine.defaultEngine().containers();
    }
}
