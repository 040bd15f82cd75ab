package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.image.ImageFormat;
import dev.stevedore.oci.image.ImageConfig;
import java.nio.file.Path;
import java.util.List;

/**
 * Images in the {@link Engine#defaultEngine() default engine}'s store; {@link Engine#images()}
 * gives the same operations on another engine.
 *
 * <pre>{@code
 * Image app = Images.fromDirectory(Path.of("rootfs"), "app:1",
 *         ImageConfig.Config.EMPTY.withCmd(List.of("/bin/app")));
 * Containers.image(app).run();
 * }</pre>
 */
public final class Images {

    private Images() {
    }

    private static ImageStore store() {
        return Engine.defaultEngine().images();
    }

    /**
     * Makes a one-layer image of a directory; see {@link ImageStore#fromDirectory}.
     *
     * @param rootfs the directory that becomes the image's root filesystem
     * @param name the name to store it under
     * @param config run defaults ({@link ImageConfig.Config#EMPTY} for none)
     * @return the image
     */
    public static Image fromDirectory(Path rootfs, String name, ImageConfig.Config config) {
        return store().fromDirectory(rootfs, name, config);
    }

    /**
     * Builds an image from the Dockerfile in a build-context directory; see {@link BuildSpec}.
     *
     * <pre>{@code
     * Image app = Images.build(Path.of("app"));
     * }</pre>
     *
     * @param context the directory holding the Dockerfile and the files it copies
     * @return the image
     */
    public static Image build(Path context) {
        return fromContext(context).build();
    }

    /**
     * Starts a build with options: tags, build arguments, target stage, progress.
     *
     * @param context the directory holding the Dockerfile and the files it copies
     * @return a build spec for that context
     */
    public static BuildSpec fromContext(Path context) {
        return BuildSpec.of(context);
    }

    /**
     * Imports the images of an OCI layout, an OCI archive or a docker-archive; see
     * {@link ImageStore#load}.
     *
     * @param source the directory or file
     * @return the imported images
     */
    public static List<Image> load(Path source) {
        return store().load(source);
    }

    /**
     * Writes an image for other tools; see {@link ImageStore#export}.
     *
     * @param image a name or digest
     * @param target the layout directory or archive file
     * @param format the format to write
     */
    public static void export(String image, Path target, ImageFormat format) {
        store().export(image, target, format);
    }

    /**
     * Pulls an image from a registry; see {@link ImageStore#pull(String)}.
     *
     * @param reference the image, such as {@code alpine:3.20}
     * @return the pulled image
     */
    public static Image pull(String reference) {
        return store().pull(reference);
    }

    /**
     * Pushes an image to a registry; see {@link ImageStore#push(String, String)}.
     *
     * @param image the image's name or digest in the store
     * @param reference where to push it
     */
    public static void push(String image, String reference) {
        store().push(image, reference);
    }

    /**
     * @param image a name, digest or unique digest prefix
     * @return the image with its config, layers, size and history
     * @throws ImageNotFoundException naming the image and the store
     */
    public static Image inspect(String image) {
        return store().inspect(image);
    }

    /**
     * @param image a name, digest or unique digest prefix
     * @return whether the store holds it
     */
    public static boolean exists(String image) {
        return store().exists(image);
    }

    /** @return every named image */
    public static List<Image> list() {
        return store().list();
    }

    /**
     * @param image the image's name or digest
     * @param name the new name
     * @return the image under its new name
     */
    public static Image tag(String image, String name) {
        return store().tag(image, name);
    }

    /**
     * @param image a name or digest
     * @return the names removed
     */
    public static List<String> remove(String image) {
        return store().remove(image);
    }
}
