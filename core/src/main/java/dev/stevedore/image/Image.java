package dev.stevedore.image;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Manifest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An image as the store holds it: its name, its manifest's digest, its config and its layers.
 * Immutable; obtained from {@code Images} (list, inspect, load, fromDirectory) or
 * {@code Container.commit()}, and accepted by {@code Containers.image(Image)}.
 */
public final class Image {

    private final String name;
    private final Descriptor descriptor;
    private final Manifest manifest;
    private final ImageConfig config;

    private Image(String name, Descriptor descriptor, Manifest manifest, ImageConfig config) {
        this.name = name;
        this.descriptor = Objects.requireNonNull(descriptor, "descriptor");
        this.manifest = Objects.requireNonNull(manifest, "manifest");
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * @param name the full name it is stored under, such as {@code docker.io/library/busybox:1.36}, or null
     * @param descriptor the manifest's descriptor
     * @param manifest the manifest
     * @param config the config the manifest names
     * @return the image
     */
    public static Image of(String name, Descriptor descriptor, Manifest manifest, ImageConfig config) {
        return new Image(name, descriptor, manifest, config);
    }

    /** @return the full name the image is stored under, such as {@code docker.io/library/busybox:1.36} */
    public Optional<String> name() {
        return Optional.ofNullable(name);
    }

    /** @return the name in Docker's short form ({@code busybox:1.36}), or the digest when unnamed */
    public String reference() {
        if (name == null) {
            return digest().toString();
        }
        return ImageReference.isValid(name) ? ImageReference.parse(name).familiar() : name;
    }

    /** @return the manifest's digest: what identifies this image's content everywhere */
    public Digest digest() {
        return descriptor.digest();
    }

    /** @return the config's digest, which Docker shows as the image ID */
    public Digest id() {
        return manifest.config().digest();
    }

    /** @return the manifest's descriptor */
    public Descriptor descriptor() {
        return descriptor;
    }

    /** @return the manifest */
    public Manifest manifest() {
        return manifest;
    }

    /** @return the image config: the run defaults, root filesystem diff IDs and history */
    public ImageConfig config() {
        return config;
    }

    /** @return the run defaults (Entrypoint, Cmd, Env, User, WorkingDir...) */
    public ImageConfig.Config runConfig() {
        return config.config();
    }

    /** @return the layer descriptors, base layer first */
    public List<Descriptor> layers() {
        return manifest.layers();
    }

    /** @return how each layer was made, base first */
    public List<ImageConfig.History> history() {
        return config.history();
    }

    /** @return when the image was created, if its config says */
    public Optional<Instant> created() {
        return config.createdInstant();
    }

    /** @return bytes of manifest, config and (compressed) layers in the store */
    public long size() {
        long size = descriptor.size() + manifest.config().size();
        for (Descriptor layer : manifest.layers()) {
            size += layer.size();
        }
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Image other && Objects.equals(name, other.name) && digest().equals(other.digest());
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, digest());
    }

    @Override
    public String toString() {
        return "Image{" + reference() + ", " + digest().toString().substring(0, 19) + ", " + layers().size()
                + (layers().size() == 1 ? " layer, " : " layers, ") + humanSize(size()) + "}";
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
