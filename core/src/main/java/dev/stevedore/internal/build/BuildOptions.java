package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.LayerCompression;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a build takes besides its context directory.
 *
 * @param dockerfile the Dockerfile, or null for {@code Dockerfile} in the context directory
 * @param buildArgs {@code --build-arg} values
 * @param target the stage to build, or null for the last one
 * @param labels labels added to the final image
 * @param tags names the final image is stored under, such as {@code app:1.0}
 * @param noCache run every step, reusing nothing from earlier builds
 * @param network the network RUN steps get unless one says otherwise: {@code none} (the default) or
 *     {@code host}; also decides whether ADD may download
 * @param created the timestamp of the new config and history entries (and of the files in new layers);
 *     null for {@code SOURCE_DATE_EPOCH}, or the epoch when that is unset, so builds are reproducible
 * @param compression how new layers are compressed; none by default: the store is local, as Docker's own
 *     image store keeps layers uncompressed and compresses them on push; gzip or zstd here when the layers
 *     go elsewhere as they are
 * @param listener receives progress
 */
public record BuildOptions(Path dockerfile, Map<String, String> buildArgs, String target, Map<String, String> labels,
        List<String> tags, boolean noCache, String network, Instant created, LayerCompression compression,
        BuildListener listener) {

    public BuildOptions {
        buildArgs = Map.copyOf(buildArgs);
        labels = Map.copyOf(labels);
        tags = List.copyOf(tags);
        Objects.requireNonNull(network, "network");
        if (!network.equals("none") && !network.equals("host") && !network.equals("default")) {
            throw new IllegalArgumentException("network for RUN must be none, host or default, not '" + network + "'");
        }
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(listener, "listener");
    }

    /** Defaults: the context's Dockerfile, the last stage, cache on, no network, uncompressed layers, no progress output. */
    public static BuildOptions defaults() {
        return new BuildOptions(null, Map.of(), null, Map.of(), List.of(), false, "none", null,
                LayerCompression.NONE, BuildListener.NONE);
    }

    public BuildOptions withDockerfile(Path file) {
        return new BuildOptions(file, buildArgs, target, labels, tags, noCache, network, created, compression, listener);
    }

    public BuildOptions withBuildArgs(Map<String, String> args) {
        return new BuildOptions(dockerfile, args, target, labels, tags, noCache, network, created, compression, listener);
    }

    public BuildOptions withTarget(String stage) {
        return new BuildOptions(dockerfile, buildArgs, stage, labels, tags, noCache, network, created, compression, listener);
    }

    public BuildOptions withLabels(Map<String, String> added) {
        return new BuildOptions(dockerfile, buildArgs, target, added, tags, noCache, network, created, compression, listener);
    }

    public BuildOptions withTags(List<String> names) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, names, noCache, network, created, compression, listener);
    }

    public BuildOptions withNoCache(boolean value) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, tags, value, network, created, compression, listener);
    }

    public BuildOptions withNetwork(String mode) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, tags, noCache, mode, created, compression, listener);
    }

    public BuildOptions withCreated(Instant time) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, tags, noCache, network, time, compression, listener);
    }

    public BuildOptions withCompression(LayerCompression c) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, tags, noCache, network, created, c, listener);
    }

    public BuildOptions withListener(BuildListener l) {
        return new BuildOptions(dockerfile, buildArgs, target, labels, tags, noCache, network, created, compression, l);
    }
}
