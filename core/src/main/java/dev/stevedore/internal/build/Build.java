package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.internal.build.ImageBuilder.ImageState;
import dev.stevedore.internal.build.ImageBuilder.LayerRef;
import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.EngineCore;
import dev.stevedore.internal.engine.ImageUsers;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.store.ImageNames;
import dev.stevedore.internal.store.ImageNotFoundException;
import dev.stevedore.internal.store.Lease;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/** One build: the plan and the execution of its steps. */
final class Build {

    static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** Build arguments every RUN gets without an ARG, and that stay out of cache keys and history. */
    static final Set<String> PROXY_ARGS = Set.of("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
            "ftp_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy");
    /** Changes when what a step produces for the same inputs changes, so old cache entries stop matching. */
    private static final String CACHE_VERSION = "stevedore-build-1";

    private final ImageBuilder builder;
    private final Path context;
    private final Dockerfile dockerfile;
    private final BuildOptions options;
    private final Lease lease;
    private final Instant created;
    private final LayerWriteOptions layerOptions;
    private final Platform platform;
    private final Map<String, String> globals = new LinkedHashMap<>();
    /** The global build arguments as {@link Dockerfile#expand} takes them. */
    private final Function<String, String> globalValues = new Function<>() {
        @Override
        public String apply(String name) {
            return globals.get(name);
        }
    };
    private final Set<String> usedArgs = new java.util.HashSet<>();
    private final Map<Integer, StageState> built = new TreeMap<>();
    private final List<Descriptor> newLayers = new ArrayList<>();
    private BuildContext contextFiles;
    /** The context being scanned in the background since the build started, or null. */
    private BuildContext.Scan contextScan;
    private int stepNumber;
    private int ran;
    private int cached;

    /** A stage as it is being built. */
    final class StageState {
        final Dockerfile.Stage stage;
        final String label;
        ImageState image;
        String key;
        /**
         * What the state comes from: its base image's manifest digest (or scratch) followed by the digests of
         * the cache records of each step, read or written. The records' bytes give the config and layers
         * exactly, so this (with the labels) identifies the image the build writes. Null for a stage built
         * on another stage.
         */
        String origin;
        final Map<String, String> args = new LinkedHashMap<>();
        boolean cmdSet;
        private RootfsView view;

        StageState(Dockerfile.Stage stage) {
            this.stage = stage;
            this.label = stage.from().stageName().orElse(String.valueOf(stage.index()));
        }

        ImageConfig config() {
            return image.config();
        }

        void set(ImageState next) {
            if (!next.layers().equals(image == null ? null : image.layers())) {
                view = null;
            }
            image = next;
        }

        RootfsView view() {
            if (view == null) {
                view = new RootfsView(builder.unpacked(image.layers(), lease));
            }
            return view;
        }

        /** Its variables as {@link Dockerfile#expand} takes them. */
        final Function<String, String> variables = new Function<>() {
            @Override
            public String apply(String name) {
                return variable(name);
            }
        };

        /** A variable as instructions after the FROM see it: ENV wins over ARG. */
        String variable(String name) {
            List<String> env = config().config().env();
            for (int i = env.size() - 1; i >= 0; i--) {
                if (env.get(i).startsWith(name + "=")) {
                    return env.get(i).substring(name.length() + 1);
                }
            }
            return args.get(name);
        }
    }

    Build(ImageBuilder builder, Path context, Dockerfile dockerfile, BuildOptions options, Lease lease) {
        this.builder = builder;
        this.context = context;
        this.dockerfile = dockerfile;
        this.options = options;
        this.lease = lease;
        this.created = options.created() != null ? options.created() : LayerWriteOptions.defaults().mtime();
        this.layerOptions = LayerWriteOptions.defaults().withCompression(options.compression()).withMtime(created);
        this.platform = hostPlatform();
    }

    static Platform hostPlatform() {
        String arch = System.getProperty("os.arch");
        String goArch = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i686" -> "386";
            default -> arch;
        };
        return new Platform(goArch, "linux", null, null, null, null);
    }

    BuildResult run() {
        if (mayReadContext()) {
            // Listing the context (a stat of each file) goes on while the base image is looked up.
            // Classes rather than lambdas here and on the rest of a cached build's path: in a fresh JVM each
            // lambda's first use links a call site, which an unchanged rebuild's main thread paid dozens of times.
            contextScan = new BuildContext.Scan(context, new Supplier<DockerIgnore>() {
                @Override
                public DockerIgnore get() {
                    return DockerIgnore.read(context);
                }
            }, new Supplier<StatCache>() {
                @Override
                public StatCache get() {
                    return builder.statCache(context);
                }
            });
            ImageBuilder.startOnFileThread(contextScan);
        }
        resolveGlobals();
        List<Dockerfile.Stage> stages = dockerfile.stages();
        int target = targetIndex();
        Set<Integer> needed = new java.util.TreeSet<>();
        need(target, needed);
        for (int index : needed) {
            built(index);
        }
        warnUnusedArgs();
        StageState last = built(target);
        ImageState finalState = last.image;
        if (!options.labels().isEmpty()) {
            Map<String, String> labels = new TreeMap<>(finalState.config().config().labels());
            labels.putAll(options.labels());
            finalState = new ImageState(finalState.config().withConfig(finalState.config().config().withLabels(labels)),
                    finalState.layers());
        }
        // Every digest is known by now: the stat cache is written while the image is.
        BuildContext context = contextFiles;
        java.util.concurrent.CompletableFuture<BuildContext> saved = context == null || !context.statCacheChanged() ? null
                : ImageBuilder.inBackground(() -> {
                    context.saveStatCache();
                    return context;
                });
        String outputKey = options.noCache() || last.origin == null ? null
                : key(last.key, last.origin, "labels " + new TreeMap<>(options.labels()));
        BuildResult result = builder.output(finalState, created, options, lease, ran, cached, outputKey);
        builder.cache().protect(newLayers, result.manifest(), lease);
        if (saved != null) {
            EngineCore.joined(saved);
        }
        return result;
    }

    /** A stage's final state, building it first when no earlier look at the Dockerfile saw it was needed. */
    private StageState built(int index) {
        StageState s = built.get(index);
        if (s == null) {
            s = new StageState(dockerfile.stages().get(index));
            buildStage(s);
            built.put(index, s);
        }
        return s;
    }

    // ---------------------------------------------------------------- plan

    private void resolveGlobals() {
        globals.put("TARGETPLATFORM", platform.os() + "/" + platform.architecture());
        globals.put("TARGETOS", platform.os());
        globals.put("TARGETARCH", platform.architecture());
        globals.put("TARGETVARIANT", "");
        globals.put("BUILDPLATFORM", platform.os() + "/" + platform.architecture());
        globals.put("BUILDOS", platform.os());
        globals.put("BUILDARCH", platform.architecture());
        globals.put("BUILDVARIANT", "");
        for (Instruction.Arg arg : dockerfile.globalArgs()) {
            Instruction.Arg expanded = dockerfile.expand(arg, globalValues);
            for (Instruction.ArgDefinition d : expanded.definitions()) {
                String value = options.buildArgs().containsKey(d.name()) ? options.buildArgs().get(d.name())
                        : d.defaultValue().orElse(null);
                usedArgs.add(d.name());
                if (value != null) {
                    globals.put(d.name(), value);
                } else {
                    globals.remove(d.name());
                }
            }
        }
    }

    private int targetIndex() {
        List<Dockerfile.Stage> stages = dockerfile.stages();
        if (options.target() == null) {
            return stages.size() - 1;
        }
        for (Dockerfile.Stage s : stages) {
            if (s.from().stageName().map(n -> n.equals(options.target().toLowerCase(Locale.ROOT))).orElse(false)) {
                return s.index();
            }
        }
        throw new IllegalArgumentException("target stage '" + options.target() + "' is not in " + dockerfile.fileName()
                + "; its stages are " + stages.stream().map(s -> s.from().stageName().orElse(String.valueOf(s.index())))
                .toList());
    }

    /** Adds a stage and the earlier stages it uses (FROM stage, COPY --from) to {@code needed}. */
    private void need(int index, Set<Integer> needed) {
        if (!needed.add(index)) {
            return;
        }
        Dockerfile.Stage stage = dockerfile.stages().get(index);
        String from = dockerfile.expand(stage.from(), globalValues).image();
        Optional<Integer> base = stageNamed(from, index);
        if (base.isPresent()) {
            need(base.get(), needed);
        }
        for (Instruction i : stage.instructions()) {
            // A --from with variables is resolved when its step runs, which builds the stage then.
            if (i instanceof Instruction.Copy c && c.from().isPresent()) {
                Optional<Integer> source = stageNamed(c.from().get(), index);
                if (source.isPresent()) {
                    need(source.get(), needed);
                }
            }
        }
    }

    /** The index of an earlier stage a FROM or --from names (by name, or by number for --from). */
    private Optional<Integer> stageNamed(String ref, int before) {
        for (Dockerfile.Stage s : dockerfile.stages().subList(0, before)) {
            if (s.from().stageName().isPresent() && s.from().stageName().get().equals(ref.toLowerCase(Locale.ROOT))
                    || ref.equals(String.valueOf(s.index()))) {
                return Optional.of(s.index());
            }
        }
        return Optional.empty();
    }

    /** @return whether an environment ({@code NAME=value} entries) sets a variable */
    private static boolean sets(List<String> env, String name) {
        for (String e : env) {
            if (e.startsWith(name + "=")) {
                return true;
            }
        }
        return false;
    }

    private void warnUnusedArgs() {
        List<String> unused = new ArrayList<>();
        for (String a : options.buildArgs().keySet()) {
            if (!usedArgs.contains(a) && !PROXY_ARGS.contains(a)) {
                unused.add(a);
            }
        }
        Collections.sort(unused);
        if (!unused.isEmpty()) {
            options.listener().warning("build arguments " + unused + " were not consumed: no ARG declares them");
        }
    }

    // ---------------------------------------------------------------- stages

    private void buildStage(StageState s) {
        Instruction.From from = dockerfile.expand(s.stage.from(), globalValues);
        if (from.image().isEmpty()) {
            throw fail(from, "FROM names no image (a variable expanded to nothing?)");
        }
        BuildListener.Step step = step(s, from);
        Optional<Integer> stageIndex = from.stageName().isPresent() && from.stageName().get().equals(from.image())
                ? Optional.empty() : stageNamed(from.image(), s.stage.index());
        List<String> triggers = List.of();
        if (stageIndex.isPresent()) {
            StageState base = built(stageIndex.get());
            s.image = base.image;
            s.key = key(base.key, StepText.of(from), "");
        } else if (from.image().equalsIgnoreCase("scratch")) {
            s.image = new ImageState(ImageConfig.of(platform.os(), platform.architecture())
                    .withConfig(ImageConfig.Config.EMPTY.withEnv(List.of(DEFAULT_PATH))), List.of());
            s.origin = "FROM scratch";
            s.key = key(CACHE_VERSION + " " + created + " " + options.compression() + " " + layerOptions.level(),
                    "FROM scratch", "");
        } else {
            Digest manifest;
            try {
                ImageNames.NamedImage named = builder.named(from.image());
                manifest = named.digest();
                s.image = builder.image(named, from.image(), platform);
            } catch (ImageNotFoundException | IllegalArgumentException | IllegalStateException e) {
                throw fail(from, "base image " + from.image() + " is not in the store: " + e.getMessage()
                        + " (pull or build it first)");
            }
            ImageConfig.Config c = s.image.config().config();
            triggers = c.onBuild();
            if (!sets(c.env(), "PATH")) {
                c = c.withEnv(append(c.env(), DEFAULT_PATH));
            }
            // A new image does not inherit its base's triggers: they ran here.
            s.image = new ImageState(s.image.config().withConfig(c.withOnBuild(List.of())), s.image.layers());
            s.key = key(CACHE_VERSION + " " + created + " " + options.compression() + " " + layerOptions.level(),
                    "FROM " + manifest, "");
            s.origin = "FROM " + manifest;
        }
        // Nothing runs for a FROM: the base is there or the build fails, so it shows as BuildKit shows it.
        options.listener().cached(step);
        for (String trigger : triggers) {
            Instruction parsed;
            try {
                Dockerfile d = DockerfileParser.parse("FROM scratch\n" + trigger + "\n", dockerfile.fileName());
                parsed = d.stages().get(0).instructions().get(0);
            } catch (DockerfileException e) {
                throw fail(from, "ONBUILD trigger '" + trigger + "' of " + from.image() + " is malformed: " + e.problem());
            }
            execute(s, withLine(parsed, from.line()));
        }
        for (Instruction i : s.stage.instructions()) {
            execute(s, i);
        }
    }

    /** Triggers report the FROM's line: that is where they come from for the user. */
    private static Instruction withLine(Instruction i, int line) {
        return new LineShifted(i, line).instruction();
    }

    /** Rebuilds an instruction record with another line number. */
    private record LineShifted(Instruction original, int line) {
        Instruction instruction() {
            Instruction i = original;
            if (i instanceof Instruction.Run r) {
                return new Instruction.Run(line, r.command(), r.heredocs(), r.mounts(), r.network(), r.security());
            } else if (i instanceof Instruction.Copy c) {
                return new Instruction.Copy(line, c.sources(), c.inlineSources(), c.destination(), c.from(), c.chown(),
                        c.chmod(), c.link(), c.parents(), c.excludes());
            } else if (i instanceof Instruction.Add a) {
                return new Instruction.Add(line, a.sources(), a.inlineSources(), a.destination(), a.chown(), a.chmod(),
                        a.link(), a.checksum(), a.keepGitDir(), a.excludes());
            } else if (i instanceof Instruction.Env e) {
                return new Instruction.Env(line, e.variables());
            } else if (i instanceof Instruction.Label l) {
                return new Instruction.Label(line, l.labels());
            } else if (i instanceof Instruction.Workdir w) {
                return new Instruction.Workdir(line, w.path());
            } else if (i instanceof Instruction.User u) {
                return new Instruction.User(line, u.user());
            } else if (i instanceof Instruction.Cmd c) {
                return new Instruction.Cmd(line, c.command());
            } else if (i instanceof Instruction.Entrypoint e) {
                return new Instruction.Entrypoint(line, e.command());
            } else if (i instanceof Instruction.Expose e) {
                return new Instruction.Expose(line, e.ports());
            } else if (i instanceof Instruction.Volume v) {
                return new Instruction.Volume(line, v.paths());
            } else if (i instanceof Instruction.Arg a) {
                return new Instruction.Arg(line, a.definitions());
            }
            return i;
        }
    }

    private void execute(StageState s, Instruction raw) {
        if (raw instanceof Instruction.Arg arg) {
            declareArgs(s, dockerfile.expand(arg, s.variables));
            return;
        }
        Instruction i = dockerfile.expand(raw, s.variables);
        String text = StepText.of(i);
        BuildListener.Step step = step(s, i, text);
        if (i instanceof Instruction.Run run) {
            runStep(s, run, step);
        } else if (i instanceof Instruction.Copy || i instanceof Instruction.Add) {
            copyStep(s, i, step);
        } else if (i instanceof Instruction.Workdir w) {
            workdirStep(s, w, step);
        } else {
            metadataStep(s, i, step);
        }
    }

    private void declareArgs(StageState s, Instruction.Arg arg) {
        for (Instruction.ArgDefinition d : arg.definitions()) {
            usedArgs.add(d.name());
            String value = options.buildArgs().containsKey(d.name()) ? options.buildArgs().get(d.name())
                    : d.defaultValue().orElse(globals.get(d.name()));
            s.args.put(d.name(), value);
        }
    }

    private BuildListener.Step step(StageState s, Instruction i) {
        return step(s, i, StepText.of(i));
    }

    private BuildListener.Step step(StageState s, Instruction i, String text) {
        return new BuildListener.Step(s.label, ++stepNumber, i.line(), text);
    }

    static String key(String parent, String text, String extra) {
        var md = Digest.newMessageDigest(Digest.SHA256);
        md.update(parent.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(text.getBytes(StandardCharsets.UTF_8));
        md.update((byte) 0);
        md.update(extra.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** Takes a step's result from the cache when it is there; @return whether it was. */
    private boolean fromCache(StageState s, String key, BuildListener.Step step) {
        if (options.noCache()) {
            return false;
        }
        BuildCache.Hit hit = builder.cache().get(key, lease);
        if (hit == null) {
            return false;
        }
        BuildCache.Record r = hit.record();
        if (s.origin != null) {
            s.origin += " " + hit.fileDigest();
        }
        List<LayerRef> refs = r.layer() == null ? s.image.layers() : append(s.image.layers(), new LayerRef(r.layer(), r.diffId()));
        s.set(new ImageState(r.config(), refs));
        s.key = key;
        cached++;
        options.listener().cached(step);
        return true;
    }

    private void record(StageState s, String key, ImageConfig config, LayerRef layer) {
        List<LayerRef> refs = layer == null ? s.image.layers() : append(s.image.layers(), layer);
        s.set(new ImageState(config, refs));
        s.key = key;
        String recorded = builder.cache().put(key, new BuildCache.Record(config, layer == null ? null : layer.blob(),
                layer == null ? null : layer.diffId()));
        if (s.origin != null) {
            s.origin += " " + recorded;
        }
        if (layer != null) {
            newLayers.add(layer.blob());
        }
        ran++;
    }

    private ImageConfig withHistory(ImageConfig config, String createdBy, LayerRef layer) {
        ImageConfig.History h = ImageConfig.History.of(created, createdBy, layer == null);
        if (layer == null) {
            return config.withHistory(append(config.history(), h));
        }
        return config.withAddedLayer(layer.diffId(), h);
    }

    // ---------------------------------------------------------------- metadata

    private void metadataStep(StageState s, Instruction i, BuildListener.Step step) {
        String text = step.text();
        String key = key(s.key, text, "");
        if (fromCache(s, key, step)) {
            return;
        }
        long start = System.nanoTime();
        options.listener().running(step);
        ImageConfig config = s.config();
        ImageConfig.Config c = config.config();
        if (i instanceof Instruction.Env e) {
            for (Instruction.KeyValue kv : e.variables()) {
                c = c.withEnv(kv.key(), kv.value());
            }
        } else if (i instanceof Instruction.Label l) {
            Map<String, String> labels = new LinkedHashMap<>(c.labels());
            l.labels().forEach(kv -> labels.put(kv.key(), kv.value()));
            c = c.withLabels(labels);
        } else if (i instanceof Instruction.User u) {
            if (u.user().isEmpty()) {
                throw fail(i, "USER needs a user name or id");
            }
            c = c.withUser(u.user());
        } else if (i instanceof Instruction.Expose e) {
            Set<String> ports = new LinkedHashSet<>(c.exposedPorts());
            for (String p : e.ports()) {
                ports.add(port(i, p));
            }
            c = c.withExposedPorts(ports);
        } else if (i instanceof Instruction.Volume v) {
            Set<String> volumes = new LinkedHashSet<>(c.volumes());
            for (String p : v.paths()) {
                if (p.isBlank()) {
                    throw fail(i, "VOLUME needs a non-empty path");
                }
                volumes.add(p);
            }
            c = c.withVolumes(volumes);
        } else if (i instanceof Instruction.Cmd cmd) {
            c = c.withCmd(argv(s, cmd.command()));
            s.cmdSet = true;
        } else if (i instanceof Instruction.Entrypoint e) {
            c = c.withEntrypoint(argv(s, e.command()));
            if (!s.cmdSet) {
                // As Docker: an ENTRYPOINT drops the CMD inherited from the base image.
                c = c.withCmd(List.of());
            }
        } else if (i instanceof Instruction.Shell sh) {
            c = c.withShell(sh.shell());
        } else if (i instanceof Instruction.StopSignal sig) {
            c = c.withStopSignal(stopSignal(i, sig.signal()));
        } else if (i instanceof Instruction.Healthcheck h) {
            c = c.withHealthcheck(new ImageConfig.Healthcheck(h.configTest(), nanos(h.interval()), nanos(h.timeout()),
                    nanos(h.startPeriod()), nanos(h.startInterval()), h.retries().orElse(0), null));
        } else if (i instanceof Instruction.Onbuild o) {
            c = c.withOnBuild(append(c.onBuild(), o.trigger()));
        } else if (i instanceof Instruction.Maintainer m) {
            config = new ImageConfig(config.created(), m.name(), config.architecture(), config.os(), config.osVersion(),
                    config.osFeatures(), config.variant(), config.config(), config.rootfs(), config.history(),
                    config.extensions());
        } else {
            throw fail(i, "unexpected instruction " + text);
        }
        ImageConfig next;
        try {
            next = withHistory(config.withConfig(c), text, null);
        } catch (OciFormatException e) {
            throw fail(i, e.getMessage());
        }
        record(s, key, next, null);
        options.listener().done(step, Duration.ofNanos(System.nanoTime() - start));
    }

    private static long nanos(Optional<Duration> d) {
        return d.map(Duration::toNanos).orElse(0L);
    }

    private String port(Instruction i, String p) {
        String spec = p.contains("/") ? p.toLowerCase(Locale.ROOT) : p + "/tcp";
        if (!spec.matches("[0-9]{1,5}(-[0-9]{1,5})?/(tcp|udp|sctp)")) {
            throw fail(i, "EXPOSE '" + p + "' is not a port: write PORT or PORT/tcp, PORT/udp, PORT/sctp");
        }
        if (spec.contains("-")) {
            throw fail(i, "EXPOSE port ranges such as '" + p + "' are not supported: list the ports");
        }
        int n = Integer.parseInt(spec.substring(0, spec.indexOf('/')));
        if (n < 1 || n > 65535) {
            throw fail(i, "EXPOSE port " + n + " is outside 1-65535");
        }
        return spec;
    }

    private String stopSignal(Instruction i, String signal) {
        String s = signal.toUpperCase(Locale.ROOT);
        if (s.matches("[0-9]+") || s.matches("(SIG)?[A-Z0-9+-]+")) {
            return signal;
        }
        throw fail(i, "STOPSIGNAL '" + signal + "' is not a signal name or number");
    }

    /** A CMD or ENTRYPOINT as the config stores it: exec form as is, shell form through the stage's shell. */
    private static List<String> argv(StageState s, Instruction.Command c) {
        if (c.execForm()) {
            return c.arguments();
        }
        List<String> shell = s.config().config().shell().isEmpty() ? DEFAULT_SHELL : s.config().config().shell();
        return append(shell, c.shellText());
    }

    // ---------------------------------------------------------------- WORKDIR

    private void workdirStep(StageState s, Instruction.Workdir w, BuildListener.Step step) {
        if (w.path().isEmpty()) {
            throw fail(w, "WORKDIR needs a path");
        }
        String previous = Optional.ofNullable(s.config().config().workingDir()).orElse("/");
        String dir = normalizeAbsolute(w.path().startsWith("/") ? w.path() : previous + "/" + w.path());
        String key = key(s.key, "WORKDIR " + dir, "");
        if (fromCache(s, key, step)) {
            return;
        }
        long start = System.nanoTime();
        options.listener().running(step);
        ImageConfig config = s.config().withConfig(s.config().config().withWorkingDir(dir));
        LayerRef layer = null;
        RootfsView view = s.view();
        Optional<RootfsView.Entry> existing = view.lookup(dir, true);
        if (existing.isEmpty() && !dir.equals("/")) {
            Users.Ids owner = userIds(s, w);
            CopyPlan plan = new CopyPlan();
            plan.add(new CopyPlan.MakeDir(view.canonicalParent(dir), 0755));
            layer = writePlan(plan, view, owner, Optional.empty(), null);
        } else if (existing.isPresent() && !existing.get().isDirectory()) {
            throw fail(w, "WORKDIR " + dir + " exists in the image and is not a directory");
        }
        record(s, key, withHistory(config, "WORKDIR " + dir, layer), layer);
        options.listener().done(step, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The USER's ids, which own a WORKDIR the build creates (as BuildKit does). */
    private Users.Ids userIds(StageState s, Instruction i) {
        try {
            ImageUsers.User u = ImageUsers.resolve(s.config().config().user(), s.view()::readText);
            return new Users.Ids((int) u.uid(), (int) u.gid());
        } catch (IllegalArgumentException e) {
            throw fail(i, e.getMessage());
        }
    }

    static String normalizeAbsolute(String path) {
        List<String> parts = RootfsView.components(path);
        return "/" + String.join("/", parts);
    }

    private LayerRef writePlan(CopyPlan plan, RootfsView view, Users.Ids owner, Optional<Integer> chmod, String lineage) {
        return layerOf(applyPlan(plan, view, owner, chmod, lineage), plan, owner, chmod, lineage);
    }

    /**
     * Creates a plan's files in a new directory, linking the files the lineage's earlier layer has
     * unchanged.
     *
     * @param lineage identifies the step apart from its sources' content, so the next build of the step
     *     finds this one's files to reuse; null when the sources are not content-addressed
     */
    Path applyPlan(CopyPlan plan, RootfsView view, Users.Ids owner, Optional<Integer> chmod, String lineage) {
        Path dir = builder.newTempDir("layer");
        try {
            CopyIndex earlier = lineage == null ? null : CopyIndex.read(builder.copyIndexFile(lineage));
            CopyPlan.Reuse reuse = earlier == null || !earlier.owner().equals(owner) ? (d, m, c) -> null
                    : earlier.reuse(builder.unpackedPath(earlier.diffId()));
            plan.apply(dir, view, owner, chmod, created, reuse);
            return dir;
        } catch (RuntimeException e) {
            ImageBuilder.deleteTree(dir);
            throw e;
        }
    }

    /** Writes the directory {@link #applyPlan} made as a layer, which takes the directory as its unpacked form. */
    LayerRef layerOf(Path dir, CopyPlan plan, Users.Ids owner, Optional<Integer> chmod, String lineage) {
        try {
            LayerRef layer = builder.writeDirectoryLayer(dir, layerOptions, lease);
            if (lineage != null) {
                CopyIndex.of(layer.diffId(), owner, plan, chmod).write(builder.copyIndexFile(lineage));
            }
            return layer;
        } catch (RuntimeException e) {
            ImageBuilder.deleteTree(dir);
            throw e;
        }
    }

    // ---------------------------------------------------------------- COPY / ADD

    private void copyStep(StageState s, Instruction i, BuildListener.Step step) {
        CopyStep copy = new CopyStep(this, s, i);
        String lineage = key(s.key, step.text(), "lineage");
        long start = System.nanoTime();
        Path applied = null;
        try {
            CopyStep.Prepared prepared = null;
            if (copy.hashingReadsMost()) {
                prepared = copy.prepare(lineage);
                applied = copy.apply(prepared);
            }
            String key = key(s.key, step.text(), copy.sourceKey());
            if (fromCache(s, key, step)) {
                return;
            }
            options.listener().running(step);
            if (prepared == null) {
                prepared = copy.prepare(lineage);
            }
            Path dir = applied;
            applied = null; // the layer takes the directory, or deletes it on failure
            LayerRef layer = copy.write(prepared, dir);
            record(s, key, withHistory(s.config(), step.text(), layer), layer);
            options.listener().done(step, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            if (applied != null) {
                ImageBuilder.deleteTree(applied);
            }
            copy.discardDownloads();
        }
    }

    BuildContext contextFiles() {
        if (contextFiles == null) {
            contextFiles = contextScan != null ? contextScan.result()
                    : BuildContext.scan(context, DockerIgnore.read(context), builder.statCache(context));
        }
        return contextFiles;
    }

    /** @return whether a COPY or ADD may take files from the context */
    private boolean mayReadContext() {
        for (Dockerfile.Stage stage : dockerfile.stages()) {
            for (Instruction i : stage.instructions()) {
                if (i instanceof Instruction.Add || i instanceof Instruction.Copy c && c.from().isEmpty()) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The stage or image a COPY --from names: an earlier stage by name or number, else an image. */
    Source fromSource(StageState s, Instruction i, String ref) {
        Optional<Integer> stage = stageNamed(ref, s.stage.index());
        if (stage.isPresent()) {
            StageState from = built(stage.get());
            return new Source(from.view(), "stage " + from.label + " " + from.key);
        }
        if (ref.matches("[0-9]+")) {
            throw fail(i, "--from=" + ref + " names no earlier stage: stage numbers start at 0 and a stage can only copy from the ones before it");
        }
        try {
            ImageNames.NamedImage named = builder.named(ref);
            ImageState image = builder.image(named, ref, platform);
            return new Source(new RootfsView(builder.unpacked(image.layers(), lease)), "image " + named.digest());
        } catch (ImageNotFoundException | IllegalArgumentException | IllegalStateException e) {
            throw fail(i, "--from=" + ref + " is neither an earlier stage nor an image in the store: " + e.getMessage());
        }
    }

    /** Another stage's or image's file system, and what identifies its content in a cache key. */
    record Source(RootfsView view, String identity) {}

    BuildOptions options() {
        return options;
    }

    DockerfileException fail(Instruction i, String problem) {
        return new DockerfileException(dockerfile.fileName(), i.line(), problem);
    }

    // ---------------------------------------------------------------- RUN

    private void runStep(StageState s, Instruction.Run run, BuildListener.Step step) {
        String network = run.network().orElse(options.network());
        if (network.equals("default")) {
            network = options.network().equals("default") ? "host" : options.network();
        }
        if (!network.equals("none") && !network.equals("host")) {
            throw fail(run, "RUN --network=" + network + " is not supported: use none, host or default");
        }
        Map<String, String> args = new TreeMap<>();
        for (Map.Entry<String, String> a : s.args.entrySet()) {
            if (a.getValue() != null && !PROXY_ARGS.contains(a.getKey())) {
                args.put(a.getKey(), a.getValue());
            }
        }
        String key = key(s.key, step.text(), "args " + args + " network " + network);
        if (fromCache(s, key, step)) {
            return;
        }
        if (builder.runner() == null || builder.runner().unavailableReason() != null) {
            throw fail(run, "RUN needs a container backend, and none is available to this builder");
        }
        long start = System.nanoTime();
        options.listener().running(step);
        ImageConfig.Config c = s.config().config();
        List<String> argv;
        if (run.command().execForm()) {
            argv = run.command().arguments();
        } else {
            List<String> shell = c.shell().isEmpty() ? DEFAULT_SHELL : c.shell();
            argv = append(shell, run.heredocs().isEmpty() ? run.command().shellText() : run.shellScript());
        }
        List<String> env = new ArrayList<>(c.env());
        Map<String, String> argEnv = new TreeMap<>();
        s.args.forEach((k, v) -> {
            if (v != null) {
                argEnv.put(k, v);
            }
        });
        options.buildArgs().forEach((k, v) -> {
            if (PROXY_ARGS.contains(k)) {
                argEnv.putIfAbsent(k, v);
            }
        });
        argEnv.forEach((k, v) -> {
            if (!sets(env, k)) {
                env.add(k + "=" + v);
            }
        });
        userIds(s, run); // fails with the line when USER names nobody the image knows
        String cwd = Optional.ofNullable(c.workingDir()).orElse("/");
        List<ContainerConfig.Volume> mounts = new ArrayList<>();
        for (String m : run.mounts()) {
            try {
                mounts.add(RunMounts.parse(m, cwd, builder::cacheMount));
            } catch (IllegalArgumentException e) {
                throw fail(run, e.getMessage());
            }
        }
        List<Path> layerDirs = builder.unpacked(s.image.layers(), lease);
        Path tarDir = builder.newTempDir("run");
        try {
            Path tar = tarDir.resolve("changes.tar");
            int status;
            try (OutputStream out = Files.newOutputStream(tar)) {
                status = builder.runner().run(new RunStepExecutor.RunSpec(layerDirs, argv, env,
                        Optional.ofNullable(c.user()).orElse(""), cwd,
                        network, mounts), out, (bytes, length, stderr) -> options.listener().output(step, bytes, length, stderr));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the changes of RUN at line " + run.line(), e);
            } catch (IllegalArgumentException | IllegalStateException | dev.stevedore.spi.ContainerBackendException e) {
                // The container could not be set up or started: say which step, keep what the backend said.
                throw fail(run, "RUN could not run " + argv + ": " + e.getMessage());
            }
            if (status != 0) {
                throw fail(run, "RUN " + StepText.command(run.command()).strip() + " failed with exit status " + status);
            }
            LayerRef layer = builder.writeTarLayer(tar, layerOptions, lease);
            String createdBy = "RUN " + String.join(" ", argv);
            record(s, key, withHistory(s.config(), createdBy, layer), layer);
        } finally {
            ImageBuilder.deleteTree(tarDir);
        }
        options.listener().done(step, Duration.ofNanos(System.nanoTime() - start));
    }

    static <T> List<T> append(List<T> list, T value) {
        List<T> copy = new ArrayList<>(list);
        copy.add(value);
        return copy;
    }

    Path newTempDir(String purpose) {
        return builder.newTempDir(purpose);
    }
}
