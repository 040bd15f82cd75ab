package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.internal.build.BuildListener;
import dev.stevedore.internal.build.BuildOptions;
import dev.stevedore.internal.build.DockerfileException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What to build: a build-context directory with a Dockerfile, and options. Immutable: every
 * {@code withX} returns a new spec. Each step is cached by its inputs (for COPY and ADD, the
 * content of the files it takes), so a rebuild runs only the steps whose inputs changed, and the
 * same Dockerfile and context give the same image digest.
 *
 * <pre>{@code
 * Image app = Images.fromContext(Path.of("app"))
 *         .withBuildArg("VERSION", "1.2")
 *         .withTag("app:1.2")
 *         .withProgress(System.out::println)
 *         .build();
 * }</pre>
 */
public final class BuildSpec {

    private final Path context;
    private final Path dockerfile;
    private final Map<String, String> buildArgs;
    private final String target;
    private final Map<String, String> labels;
    private final List<String> tags;
    private final boolean noCache;
    private final NetworkMode network;
    private final Consumer<String> progress;
    private final Engine engine;

    private BuildSpec(Path context, Path dockerfile, Map<String, String> buildArgs, String target,
            Map<String, String> labels, List<String> tags, boolean noCache, NetworkMode network,
            Consumer<String> progress, Engine engine) {
        this.context = context;
        this.dockerfile = dockerfile;
        this.buildArgs = Map.copyOf(buildArgs);
        this.target = target;
        this.labels = Map.copyOf(labels);
        this.tags = List.copyOf(tags);
        this.noCache = noCache;
        this.network = network;
        this.progress = progress;
        this.engine = engine;
    }

    static BuildSpec of(Path context) {
        Objects.requireNonNull(context, "context");
        if (!Files.isDirectory(context)) {
            throw new IllegalArgumentException("build context \"" + context + "\" is not a directory; "
                    + "give the directory that holds the Dockerfile and the files it copies");
        }
        return new BuildSpec(context, null, Map.of(), null, Map.of(), List.of(), false, NetworkMode.NONE, null, null);
    }

    /**
     * @param file the Dockerfile, when it is not {@code Dockerfile} in the context
     * @return a spec that builds from that file
     */
    public BuildSpec withDockerfile(Path file) {
        return new BuildSpec(context, Objects.requireNonNull(file, "file"), buildArgs, target, labels, tags, noCache,
                network, progress, engine);
    }

    /**
     * @param name an ARG the Dockerfile declares
     * @param value its value for this build
     * @return a spec with that build argument
     */
    public BuildSpec withBuildArg(String name, String value) {
        Map<String, String> args = new LinkedHashMap<>(buildArgs);
        args.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new BuildSpec(context, dockerfile, args, target, labels, tags, noCache, network, progress, engine);
    }

    /**
     * @param stage the name of the stage to build; later stages, and stages it does not need, are skipped
     * @return a spec that builds that stage
     */
    public BuildSpec withTarget(String stage) {
        return new BuildSpec(context, dockerfile, buildArgs, Objects.requireNonNull(stage, "stage"), labels, tags,
                noCache, network, progress, engine);
    }

    /**
     * @param key a label to add to the image's config
     * @param value its value
     * @return a spec that adds that label
     */
    public BuildSpec withLabel(String key, String value) {
        Map<String, String> all = new LinkedHashMap<>(labels);
        all.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
        return new BuildSpec(context, dockerfile, buildArgs, target, all, tags, noCache, network, progress, engine);
    }

    /**
     * @param name a name for the image, such as {@code app:1}; may be given several times
     * @return a spec that also names the image so
     */
    public BuildSpec withTag(String name) {
        List<String> all = new ArrayList<>(tags);
        all.add(Objects.requireNonNull(name, "name"));
        return new BuildSpec(context, dockerfile, buildArgs, target, labels, all, noCache, network, progress, engine);
    }

    /** @return a spec that runs every step, using no cached result */
    public BuildSpec withNoCache() {
        return new BuildSpec(context, dockerfile, buildArgs, target, labels, tags, true, network, progress, engine);
    }

    /**
     * @param mode the network of RUN steps ({@link NetworkMode#NONE} by default); also decides
     *     whether ADD may download
     * @return a spec with that network
     */
    public BuildSpec withNetworkMode(NetworkMode mode) {
        return new BuildSpec(context, dockerfile, buildArgs, target, labels, tags, noCache,
                Objects.requireNonNull(mode, "mode"), progress, engine);
    }

    /**
     * @param lines receives one line per step event ({@code #3 [1/4] COPY . /app}, {@code #3 CACHED},
     *     {@code #3 DONE 0.2s}) and the output of RUN steps, line by line
     * @return a spec that reports progress so
     */
    public BuildSpec withProgress(Consumer<String> lines) {
        return new BuildSpec(context, dockerfile, buildArgs, target, labels, tags, noCache, network,
                Objects.requireNonNull(lines, "lines"), engine);
    }

    /**
     * @param engine the engine whose store receives the image and whose backend runs RUN steps
     * @return a spec that builds there
     */
    public BuildSpec withEngine(Engine engine) {
        return new BuildSpec(context, dockerfile, buildArgs, target, labels, tags, noCache, network, progress,
                Objects.requireNonNull(engine, "engine"));
    }

    /**
     * Builds the image into the engine's store.
     *
     * @return the image, named by its first tag when it has one
     * @throws StevedoreException with {@code Dockerfile:LINE: problem} when the Dockerfile is
     *     malformed, its base image or a source is missing, or a RUN step fails
     */
    public Image build() {
        BuildOptions options = BuildOptions.defaults()
                .withDockerfile(dockerfile)
                .withBuildArgs(buildArgs)
                .withTarget(target)
                .withLabels(labels)
                .withTags(tags)
                .withNoCache(noCache)
                .withNetwork(network.name().toLowerCase(Locale.ROOT))
                .withListener(progress == null ? BuildListener.NONE : new ProgressLines(progress));
        try {
            return (engine != null ? engine : Engine.defaultEngine()).core().build(context, options);
        } catch (DockerfileException e) {
            throw new StevedoreException(e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "BuildSpec{context=" + context + (dockerfile != null ? ", dockerfile=" + dockerfile : "")
                + (buildArgs.isEmpty() ? "" : ", buildArgs=" + buildArgs.keySet())
                + (target != null ? ", target=" + target : "") + (tags.isEmpty() ? "" : ", tags=" + tags)
                + (noCache ? ", no-cache" : "") + ", network=" + network + "}";
    }

    /** BuildKit's plain progress format, which people and log scrapers already read. */
    private static final class ProgressLines implements BuildListener {
        private final Consumer<String> out;
        private final StringBuilder partial = new StringBuilder();

        ProgressLines(Consumer<String> out) {
            this.out = out;
        }

        @Override
        public void cached(Step step) {
            out.accept("#" + step.number() + " " + step + "\n#" + step.number() + " CACHED");
        }

        @Override
        public void running(Step step) {
            out.accept("#" + step.number() + " " + step);
        }

        @Override
        public synchronized void output(Step step, byte[] bytes, int length, boolean stderr) {
            partial.append(new String(bytes, 0, length, StandardCharsets.UTF_8));
            for (int nl; (nl = partial.indexOf("\n")) >= 0; partial.delete(0, nl + 1)) {
                out.accept("#" + step.number() + " " + partial.substring(0, nl));
            }
        }

        @Override
        public synchronized void done(Step step, Duration took) {
            if (partial.length() > 0) {
                out.accept("#" + step.number() + " " + partial);
                partial.setLength(0);
            }
            out.accept(String.format(Locale.ROOT, "#%d DONE %.1fs", step.number(), took.toMillis() / 1000.0));
        }

        @Override
        public void warning(String message) {
            out.accept("WARNING: " + message);
        }
    }
}
