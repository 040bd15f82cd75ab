package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.image.ImageFormat;
import dev.stevedore.internal.registry.RegistryOptions;
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

    private final Engine engine;
    private final ImageOps ops;

    ImageStore(Engine engine, ImageOps ops) {
        this.engine = engine;
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

    /**
     * Imports every image of an OCI image layout directory, an OCI archive or a docker-archive
     * ({@code docker save} output, plain or gzip-compressed), recognised by their content.
     *
     * @param source the directory or file
     * @return the imported images, with the names the source gives them
     * @throws IllegalArgumentException when the source is none of these
     * @throws StevedoreException when the source is damaged, naming what is wrong
     */
    public List<Image> load(Path source) {
        return ops.load(Objects.requireNonNull(source, "source"));
    }

    /**
     * Writes an image for other tools: skopeo, umoci, podman, {@code docker load}.
     *
     * @param image a name or digest
     * @param target the layout directory (created or added to) or the archive file (replaced)
     * @param format the format to write
     * @throws ImageNotFoundException when the image is not in the store
     */
    public void export(String image, Path target, ImageFormat format) {
        ops.export(List.of(image), target, Objects.requireNonNull(format, "format"));
    }

    /**
     * Pulls an image from a registry (OCI distribution API) and names it in the store as the
     * reference says. Blobs the store holds are not downloaded; every blob is verified against
     * its digest. Credentials come from Docker's {@code config.json}; {@code localhost} and
     * {@code 127.0.0.1} registries may use plain HTTP. For a multi-platform image, this host's
     * platform is pulled.
     *
     * <pre>{@code
     * Image alpine = Images.pull("alpine:3.20");
     * }</pre>
     *
     * @param reference the image, such as {@code alpine:3.20} or {@code localhost:5000/app@sha256:...}
     * @return the pulled image
     * @throws dev.stevedore.image.InvalidReferenceException when the reference is malformed
     * @throws StevedoreException naming the image and what the registry said
     */
    public Image pull(String reference) {
        return pull(reference, TransferProgress.NONE);
    }

    /**
     * Pulls an image, reporting each blob's progress.
     *
     * @param reference the image, by tag or digest
     * @param progress hears blob progress, from several threads
     * @return the pulled image
     * @throws StevedoreException naming the image and what the registry said
     */
    public Image pull(String reference, TransferProgress progress) {
        return ops.pull(Objects.requireNonNull(reference, "reference"), RegistryOptions.defaults(),
                Objects.requireNonNull(progress, "progress"));
    }

    /**
     * Pushes an image to a registry: blobs the repository has are skipped, then the manifest.
     *
     * @param image the image's name or digest in the store
     * @param reference where to push it, such as {@code localhost:5000/team/app:1}
     * @throws ImageNotFoundException when the image is not in the store
     * @throws StevedoreException naming the image and what the registry said
     */
    public void push(String image, String reference) {
        push(image, reference, TransferProgress.NONE);
    }

    /**
     * Pushes an image, reporting each blob's progress.
     *
     * @param image the image's name or digest in the store
     * @param reference where to push it
     * @param progress hears blob progress, from several threads
     */
    public void push(String image, String reference, TransferProgress progress) {
        ops.push(Objects.requireNonNull(image, "image"), Objects.requireNonNull(reference, "reference"),
                RegistryOptions.defaults(), Objects.requireNonNull(progress, "progress"));
    }

    /**
     * Builds an image from the Dockerfile in a build-context directory into this store.
     *
     * @param context the directory holding the Dockerfile and the files it copies
     * @return a build spec for that context and this store's engine; call {@link BuildSpec#build()}
     */
    public BuildSpec fromContext(Path context) {
        return BuildSpec.of(context).withEngine(engine);
    }

    @Override
    public String toString() {
        return "ImageStore{" + ops.root() + "}";
    }
}
