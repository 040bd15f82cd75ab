package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.internal.engine.ImageOps;
import dev.stevedore.oci.image.ImageConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The images of one {@link Engine}; {@link Images} does the same on the default engine. The store
 * is an OCI image layout, so {@code skopeo inspect oci:ROOT:NAME} reads it too.
 */
public final class ImageStore {

    private final ImageOps ops;

    ImageStore(ImageOps ops) {
        this.ops = ops;
    }

    /**
     * Makes a one-layer image of a directory. The same files give the same digest every time.
     *
     * @param rootfs the directory that becomes the image's root filesystem
     * @param name the name to store it under, such as {@code myapp:1}
     * @param config run defaults such as Cmd, Env, User ({@link ImageConfig.Config#EMPTY} for none)
     * @return the image
     * @throws IllegalArgumentException when {@code rootfs} is not a directory
     */
    public Image fromDirectory(Path rootfs, String name, ImageConfig.Config config) {
        Objects.requireNonNull(name, "name");
        return ops.fromDirectory(rootfs, name, Objects.requireNonNull(config, "config"));
    }

    /**
     * @param image a name, digest or unique digest prefix
     * @return the image with its config, layers, size and history
     * @throws ImageNotFoundException naming the image and the store
     */
    public Image inspect(String image) {
        return ops.inspect(Objects.requireNonNull(image, "image"));
    }

    /**
     * @param image a name, digest or unique digest prefix
     * @return whether the store holds it
     */
    public boolean exists(String image) {
        try {
            ops.inspect(image);
            return true;
        } catch (ImageNotFoundException e) {
            return false;
        }
    }

    /** @return every named image */
    public List<Image> list() {
        return ops.list();
    }

    /**
     * Gives an image another name.
     *
     * @param image the image's name or digest
     * @param name the new name, such as {@code myapp:latest}
     * @return the image under its new name
     */
    public Image tag(String image, String name) {
        return ops.tag(image, Objects.requireNonNull(name, "name"));
    }

    /**
     * Removes a name; given a digest, removes every name of that image. The content goes at the
     * next {@link Engine#prune()} unless another name still reaches it.
     *
     * @param image a name or digest
     * @return the names removed
     * @throws ImageNotFoundException when no image answers to it
     */
    public List<String> remove(String image) {
        return ops.remove(Objects.requireNonNull(image, "image"));
    }

    @Override
    public String toString() {
        return "ImageStore{" + ops.root() + "}";
    }
}
