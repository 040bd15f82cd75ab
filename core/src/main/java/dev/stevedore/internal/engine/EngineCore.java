package dev.stevedore.internal.engine;

import dev.stevedore.internal.fs.FileTrees;
import dev.stevedore.ContainerException;
import dev.stevedore.image.Image;
import dev.stevedore.internal.build.BuildOptions;
import dev.stevedore.internal.build.ContainerRunStepExecutor;
import dev.stevedore.internal.build.RunStepExecutor;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.network.NetworkManager;
import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.internal.store.LayerCache;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Snapshotter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * One engine: a store root holding the content store and unpacked layers ({@code layers/}), the
 * containers' state ({@code containers/ID/}), named volumes ({@code volumes/NAME/}) and the
 * backend's state ({@code run/}); the snapshotter and backend chosen for it; and the containers it
 * created. Safe for many threads.
 */
public final class EngineCore implements AutoCloseable {

    /** In a holder of its own: compiling it is not for every engine's start to pay, only named containers'. */
    private static final class Names {
        static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    }

    private static final String OWNER_FILE = "owner";

    final Path root;
    final ContentStore store;
    final ImageOps images;
    private final ContainerBackend givenBackend;
    private final Snapshotter givenSnapshotter;
    /**
     * The backend and the snapshotter, each looked up on first need or from {@link #startContainers()}
     * on, apart: the backend opens as soon as it is found, while the snapshotter is chosen.
     */
    private final Once<Backend> backendLookup = new Once<>() {
        @Override
        Backend compute() {
            return lookUpBackend();
        }
    };
    private final Once<Choice> snapshotterLookup = new Once<>() {
        @Override
        Choice compute() {
            if (givenSnapshotter != null) {
                return new Choice(givenSnapshotter, "given to the engine");
            }
            String[] why = new String[1];
            Snapshotter chosen = chooseSnapshotter(containersDir, why);
            return new Choice(chosen, why[0]);
        }
    };
    final Path containersDir;
    final Path volumesDir;
    final ExecutorService io;
    /**
     * Removals, one at a time: run in parallel (a thread each), they contend with each other and
     * with the next container's set-up for the same kernel locks (the parent directories' and the
     * cgroup hierarchies'), whose waiters spin while the holder works.
     */
    private final ExecutorService cleaner;
    /**
     * Kills runs and execs at their timeout; made for the first one that sets a timeout: its executor's
     * classes are not in the JDK's archive, and most programs never set one. Guarded by this.
     */
    private ScheduledExecutorService timer;
    final Map<String, Instance> instances = new ConcurrentHashMap<>();
    /** What this process writes into its containers' owner files: its pid and start time; made on first need. */
    private volatile String owner;
    /** Cleanup tasks not finished yet; guarded by itself. */
    private final int[] pending = {0};
    private static final String TRASH = ".trash-";
    static final String ROOTFS = "rootfs";
    static final String[] LOGS = {"stdout.log", "stderr.log"};
    /** Emptied state directories kept for the next containers; at most this many. */
    private static final int MAX_SPARES = 16;
    /**
     * State directories of removed containers (renamed to the trash), emptied down to their owner
     * file, root filesystem mount point and log files, for the next containers to take over by a
     * rename. Creating and deleting those inodes for every container is what cost most on ext4
     * without a journal (this project's machines): a new inode skips every one freed in its block
     * group within the last 30 seconds (dirty_expire_centisecs), reading each one's inode table
     * entry, so in a loop of short-lived containers each mkdir scanned thousands.
     */
    // Guarded by itself: a ConcurrentLinkedDeque's class would look up its VarHandles as the first engine opens.
    private final java.util.ArrayDeque<Path> spares = new java.util.ArrayDeque<>();
    /** The backend opening in the background, from {@link #startContainers()} on; set under this lock. */
    private volatile CompletableFuture<ContainerRuntime> runtimeOpening;
    private volatile ContainerRuntime runtime;
    private volatile NetworkManager networks;
    private final RunSteps runSteps = new RunSteps();
    private volatile boolean closed;

    private EngineCore(Path root, ContainerBackend backend, Snapshotter snapshotter, boolean startContainers) {
        this.root = root.toAbsolutePath().normalize();
        this.io = Executors.newCachedThreadPool(new Daemons("stevedore-io-", true));
        this.cleaner = Executors.newSingleThreadExecutor(new Daemons("stevedore-cleanup", false));
        // Nearly every command reads the image index soon, then a manifest and a config: their JSON mappings
        // (annotations read by reflection, the parser's classes) are made meanwhile on another thread.
        io.execute(new Runnable() {
            @Override
            public void run() {
                OciJson.prepare(Index.class, Manifest.class, ImageConfig.class);
            }
        });
        // The first SHA-256 of a JVM loads the JDK's provider list and, at its first block, links the
        // VarHandles it reads words with: some ms that the first image lookup, which checks a manifest and a
        // config against their digests, would otherwise pay on the caller's thread.
        io.execute(new Runnable() {
            @Override
            public void run() {
                Digest.newMessageDigest(Digest.SHA256).digest(new byte[64]);
            }
        });
        this.givenBackend = backend;
        this.givenSnapshotter = snapshotter;
        this.containersDir = this.root.resolve("containers");
        this.volumesDir = this.root.resolve("volumes");
        // On a fresh JVM, opening the store and looking up the backend on the class path are mostly class
        // loading, which two threads do faster than one: the lookup goes on on an io thread meanwhile. The
        // store opens on this one, which has nothing else to do until it is open.
        if (startContainers) {
            startContainers();
        }
        this.store = ContentStore.open(this.root);
        boolean rootUser = HostChecks.effectiveUid() == 0;
        ExtractOptions extract = rootUser ? ExtractOptions.defaults() : ExtractOptions.rootless();
        if (!rootUser) {
            log().log(Level.INFO, "unpacking layers as uid {0}: their files belong to this user, which containers"
                    + " see as root; the owners, device nodes and extended attributes the layers give are not kept",
                    HostChecks.effectiveUid());
        }
        LayerCache layerCache = new LayerCache(store);
        layerCache.removeStale();
        this.images = new ImageOps(store, layerCache, extract);
        try {
            Files.createDirectories(containersDir);
            Files.createDirectories(volumesDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the engine's directories in '" + this.root + "'", e);
        }
        removeLeftovers();
        removeStalePortForwards();
    }

    /**
     * Port forwarding rules of containers whose JVM was killed outlive it in the kernel: removed
     * in the background (a process of nft), since rules added later take precedence meanwhile.
     */
    private void removeStalePortForwards() {
        // The names are compared rather than globbed: a glob is a regular expression compiled on every start.
        boolean any = false;
        try (DirectoryStream<Path> networkFiles = Files.newDirectoryStream(root.resolve("networks"))) {
            for (Path file : networkFiles) {
                if (file.getFileName().toString().endsWith(".json")) {
                    any = true;
                    break;
                }
            }
        } catch (IOException e) {
            return;
        }
        if (!any) {
            return;
        }
        io.execute(() -> {
            try {
                networks().removeStalePortForwards();
            } catch (RuntimeException e) {
                log().log(Level.WARNING, "cannot remove stale port forwarding rules: {0}", e.getMessage());
            }
        });
    }

    /**
     * Opens an engine on a root directory.
     *
     * @param root the store root, created when missing
     * @param backend the backend, or null to take the first available one from the class path
     * @param snapshotter the snapshotter, or null to prefer overlayfs and fall back to copying
     * @param startContainers whether to start what containers need right away, rather than when the
     *     first container is created
     * @return the engine
     */
    public static EngineCore open(Path root, ContainerBackend backend, Snapshotter snapshotter,
            boolean startContainers) {
        return new EngineCore(root, backend, snapshotter, startContainers);
    }

    /**
     * Starts, in the background and once, what the first container needs: the backend (helper
     * extraction, cgroups) and Docker's seccomp profile resolved for this kernel and architecture (a
     * JSON resource and the syscall table). A program that runs no container (a build whose steps are
     * all cached, a listing of images) never pays for them: on a machine with few cores they would
     * compete with its own work.
     */
    public void startContainers() {
        if (runtimeOpening != null) {
            return;
        }
        synchronized (this) {
            if (runtimeOpening != null || closed) {
                return;
            }
            Path runDir = root.resolve("run");
            // One task looks the backend up (unless a lookup runs already) and opens it.
            Task<ContainerRuntime> opening = new Task<>() {
                @Override
                ContainerRuntime compute() {
                    // The first container's owner line asks the JDK for this process's start time, whose first
                    // ProcessHandle initializes a class (reaper pool, lambdas) that the backend's process
                    // launches initialize too: made on a thread of its own (the backend lookup ends after the
                    // image lookup), started from here rather than by the caller, the caller's thread finds
                    // the line made.
                    io.execute(new Runnable() {
                        @Override
                        public void run() {
                            owner();
                        }
                    });
                    Backend backend = backendLookup.get();
                    if (backend.problem() != null) {
                        throw new ContainerException("this host cannot run containers: " + backend.problem());
                    }
                    io.execute(new Runnable() {
                        @Override
                        public void run() {
                            DefaultSeccomp.profile();
                        }
                    });
                    return backend.backend().open(runDir);
                }
            };
            runtimeOpening = opening.result;
            io.execute(opening);
            snapshotterLookup.start(io);
        }
    }

    /**
     * The backend this engine uses.
     *
     * @param backend the backend, null when none is available
     * @param problem why no backend is available, or null
     */
    private record Backend(ContainerBackend backend, String problem) {}

    /**
     * The snapshotter this engine uses, and why.
     *
     * @param snapshotter the snapshotter, null when none is available
     * @param why why it was chosen, or why none was
     */
    private record Choice(Snapshotter snapshotter, String why) {}

    /**
     * A value found once, on the first thread that needs it unless it is being found already: a
     * service loader finds the backend and snapshotters by reading every jar of the class path (tens
     * of milliseconds in a fresh JVM), so not before something needs them.
     */
    private abstract static class Once<T> {
        private final Object lock = new Object();
        private volatile CompletableFuture<T> result;

        abstract T compute();

        /** @return the value, found on this thread unless another one finds it already */
        final T get() {
            Task<T> mine = claim();
            if (mine != null) {
                mine.run();
            }
            return joined(result);
        }

        /** Finds the value on one of these threads unless it is found already. */
        final void start(ExecutorService threads) {
            Task<T> mine = claim();
            if (mine != null) {
                try {
                    threads.execute(mine);
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    mine.run();
                }
            }
        }

        private Task<T> claim() {
            if (result != null) {
                return null;
            }
            synchronized (lock) {
                if (result != null) {
                    return null;
                }
                Task<T> task = new Task<>() {
                    @Override
                    T compute() {
                        return Once.this.compute();
                    }
                };
                result = task.result;
                return task;
            }
        }
    }

    private Backend lookUpBackend() {
        if (givenBackend != null) {
            return new Backend(givenBackend, givenBackend.unavailableReason());
        }
        List<String> reasons = new ArrayList<>();
        for (ContainerBackend b : ServiceLoader.load(ContainerBackend.class)) {
            String reason = b.unavailableReason();
            if (reason == null) {
                return new Backend(b, null);
            }
            reasons.add(b.name() + ": " + reason);
        }
        return new Backend(null, reasons.isEmpty()
                ? "no container backend on the class path; add the stevedore-linux-native artifact"
                : String.join("; ", reasons));
    }

    /**
     * @param work background work
     * @param <T> its result's type
     * @return the future's value; its failure as thrown by the work itself
     */
    public static <T> T joined(CompletableFuture<T> work) {
        try {
            return work.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            if (e.getCause() instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * Work on the io threads whose outcome a future gives. The work on the first container's path is
     * written as classes rather than lambdas: in a fresh JVM a lambda's first use makes its class at run
     * time, which costs several times what loading a class from the jar does.
     */
    private abstract static class Task<T> implements Runnable {
        final CompletableFuture<T> result = new CompletableFuture<>();

        abstract T compute();

        @Override
        public final void run() {
            try {
                result.complete(compute());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }
    }

    /** Daemon threads of one pool: numbered, or one with the name as is. */
    private static final class Daemons implements java.util.concurrent.ThreadFactory {
        private final String name;
        private final boolean numbered;
        private final AtomicInteger count = new AtomicInteger();

        Daemons(String name, boolean numbered) {
            this.name = name;
            this.numbered = numbered;
        }

        @Override
        public Thread newThread(Runnable r) {
            Thread t = new Thread(r, numbered ? name + count.incrementAndGet() : name);
            t.setDaemon(true);
            return t;
        }
    }

    /**
     * This process's line of an owner file, made when the first container (or network) needs it: a command
     * that creates none, such as a build whose steps are all cached, does not format a time.
     */
    private String owner() {
        String o = owner;
        if (o == null) {
            ProcessHandle self = ProcessHandle.current();
            o = self.pid() + " " + started(self);
            owner = o;
        }
        return o;
    }

    /** @return when a process started, as its owner file records it, or "?" when the system does not say */
    private static String started(ProcessHandle process) {
        Optional<java.time.Instant> start = process.info().startInstant();
        return start.isPresent() ? InstantText.of(start.get()) : "?";
    }

    private static Snapshotter chooseSnapshotter(Path stateDir, String[] why) {
        List<Snapshotter> all = new ArrayList<>();
        // A loop, not forEach(all::add): that method reference would be a class spun at run time as the
        // first engine opens.
        for (Snapshotter s : ServiceLoader.load(Snapshotter.class)) {
            all.add(s);
        }
        List<String> declined = new ArrayList<>();
        Snapshotter chosen = null;
        for (String preferred : List.of("overlayfs", "copy")) {
            for (Snapshotter s : all) {
                if (chosen == null && s.name().equals(preferred)) {
                    String reason = s.unavailableReason(stateDir);
                    if (reason == null) {
                        chosen = s;
                    } else {
                        declined.add(s.name() + " (" + reason + ")");
                    }
                }
            }
        }
        for (Snapshotter s : all) {
            if (chosen == null && s.unavailableReason(stateDir) == null) {
                chosen = s;
            }
        }
        if (chosen == null) {
            why[0] = "none available" + (declined.isEmpty() ? " on the class path" : ": " + String.join(", ", declined));
            log().log(Level.WARNING, "no snapshotter can prepare root filesystems: {0}", why[0]);
            return null;
        }
        if (chosen.name().equals("overlayfs")) {
            why[0] = "overlayfs is available";
        } else {
            why[0] = declined.isEmpty() ? "no overlayfs snapshotter on the class path (add stevedore-linux-native)"
                    : "not " + String.join(", not ", declined);
            log().log(Level.INFO, "using the {0} snapshotter: {1}", chosen.name(), why[0]);
        }
        return chosen;
    }

    /**
     * Builds an image from a Dockerfile; RUN steps run in containers of this engine's backend.
     *
     * @param context the build-context directory
     * @param options the build's options
     * @return the image
     */
    public Image build(Path context, BuildOptions options) {
        return images.build(context, options, runSteps);
    }

    /**
     * RUN steps in containers of this engine's backend, which is looked up when the first one runs: a
     * build whose steps are all cached needs none.
     */
    private final class RunSteps implements RunStepExecutor {
        private ContainerRunStepExecutor executor;

        @Override
        public String unavailableReason() {
            Backend backend = backendLookup.get();
            if (backend.backend() == null || backend.problem() != null) {
                return backend.problem();
            }
            Choice choice = snapshotterLookup.get();
            return choice.snapshotter() == null ? choice.why() : null;
        }

        @Override
        public int run(RunSpec spec, java.io.OutputStream changes, Output output) {
            return executor().run(spec, changes, output);
        }

        private synchronized ContainerRunStepExecutor executor() {
            if (executor == null) {
                executor = new ContainerRunStepExecutor(backendLookup.get().backend(), snapshotterLookup.get().snapshotter(),
                        root.resolve("build"));
            }
            return executor;
        }

        synchronized void close() {
            if (executor != null) {
                executor.close();
            }
        }
    }

    /** @return the store root */
    public Path root() {
        return root;
    }

    /** @return image operations */
    public ImageOps images() {
        return images;
    }

    /** @return the backend, null when none is available */
    public ContainerBackend backend() {
        return backendLookup.get().backend();
    }

    /** @return why no backend is available, or null */
    public String backendProblem() {
        return backendLookup.get().problem();
    }

    /** @return the snapshotter, null when none is available */
    public Snapshotter snapshotter() {
        return snapshotterLookup.get().snapshotter();
    }

    /** @return why this snapshotter was chosen, or why none was */
    public String snapshotterChoice() {
        return snapshotterLookup.get().why();
    }

    ContainerRuntime runtime() {
        ContainerRuntime r = runtime;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            requireContainers();
            if (runtime == null) {
                startContainers();
                runtime = joined(runtimeOpening);
            }
            return runtime;
        }
    }

    /** Fails, without waiting for the backend to open, when this engine cannot run containers. */
    private void requireContainers() {
        if (closed) {
            throw new IllegalStateException("the engine on " + root + " is closed");
        }
        Backend backend = backendLookup.get();
        if (backend.backend() == null || backend.problem() != null) {
            throw new ContainerException("this host cannot run containers: " + backend.problem()
                    + " (see Engine.doctor())");
        }
        Choice choice = snapshotterLookup.get();
        if (choice.snapshotter() == null) {
            throw new ContainerException("no snapshotter can prepare root filesystems in " + root + ": "
                    + choice.why());
        }
    }

    /** @return the engine's networks, opened on first use */
    public NetworkManager networks() {
        NetworkManager n = networks;
        if (n != null) {
            return n;
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the engine on " + root + " is closed");
            }
            if (networks == null) {
                networks = new NetworkManager(root, owner(), EngineCore::isAlive);
            }
            return networks;
        }
    }

    /**
     * Creates a container, not yet started.
     *
     * @param config the settings
     * @param pipes whether its output goes to pipes (for run) rather than log files
     * @return the container
     */
    public Instance create(ContainerConfig config, boolean pipes) {
        requireContainers();
        // The backend opens and the seccomp profile is resolved while the image is looked up.
        startContainers();
        // On a fresh engine the backend may still be opening: the image is looked up, the state directory
        // made and the runtime spec assembled meanwhile (Instance.create waits for the backend only to create).
        Image image = images.inspectOrPull(config.image);
        StoredImage stored = images.unpacked(image);
        String id = config.name != null ? checkName(config.name) : Ids.next();
        Path dir = stateDir(id, config.name == null, !pipes);
        try {
            // Docker names the host after the container unless it shares the host's network.
            ContainerConfig effective = config;
            if (config.hostname == null && config.network != ContainerConfig.Network.HOST) {
                ContainerConfig.Builder named = config.edit();
                named.hostname = id;
                effective = named.build();
            }
            Instance instance = Instance.create(this, id, dir, effective, stored, pipes);
            instances.put(id, instance);
            return instance;
        } catch (RuntimeException e) {
            deleteState(dir);
            throw e;
        }
    }

    /**
     * Runs a container to its end with its output in pipes, then removes it.
     *
     * @param config the settings
     * @return how it ended and what it wrote
     */
    public dev.stevedore.ExecResult run(ContainerConfig config) {
        Instance instance = create(config, true);
        try {
            return instance.runToEnd();
        } finally {
            instance.remove();
        }
    }

    private static String checkName(String name) {
        if (!Names.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("container name \"" + name + "\" is invalid: use 1-64 letters, digits,"
                    + " '_', '.' or '-', starting with a letter or digit");
        }
        return name;
    }

    Path volume(String name) {
        checkName(name);
        Path dir = volumesDir.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create volume '" + dir + "'", e);
        }
        return dir;
    }

    void forget(Instance instance) {
        instances.remove(instance.id, instance);
    }

    /** @return the containers of this engine that are not removed */
    public Collection<Instance> instances() {
        return List.copyOf(instances.values());
    }

    /**
     * @param id a container id
     * @return the container, if this engine created it and it is not removed
     */
    public Optional<Instance> instance(String id) {
        return Optional.ofNullable(instances.get(id));
    }

    /** Removes the state of containers whose JVM is gone: snapshots, upper dirs, logs. */
    private void removeLeftovers() {
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(containersDir)) {
            for (Path dir : stream) {
                dirs.add(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list '" + containersDir + "'", e);
        }
        for (Path dir : dirs) {
            String recorded = HostChecks.read(dir.resolve(OWNER_FILE));
            if (!recorded.isEmpty() && isAlive(recorded)) {
                continue;
            }
            log().log(Level.INFO, "removing container state left by a process that is gone: ''{0}''", dir);
            deleteState(dir);
        }
    }

    private static boolean isAlive(String recorded) {
        String[] parts = recorded.strip().split(" ", 2);
        try {
            Optional<ProcessHandle> ph = ProcessHandle.of(Long.parseLong(parts[0]));
            return ph.isPresent() && ph.get().isAlive() && parts.length == 2 && started(ph.get()).equals(parts[1]);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** @return ids of containers in this root owned by live processes, this JVM's included */
    public List<String> liveContainerIds() {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(containersDir)) {
            for (Path dir : stream) {
                if (!dir.getFileName().toString().startsWith(TRASH)
                        && isAlive(HostChecks.read(dir.resolve(OWNER_FILE)))) {
                    ids.add(dir.getFileName().toString());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list '" + containersDir + "'", e);
        }
        return ids;
    }

    /**
     * Makes a container's state directory with its owner file, root filesystem mount point and,
     * with {@code logs}, empty log files: a spare one renamed when there is one (for generated ids
     * only: a rename would replace a same-named container's directory that is still empty).
     */
    private Path stateDir(String id, boolean generated, boolean logs) {
        Path dir = containersDir.resolve(id);
        Path spare = generated ? takeSpare() : null;
        try {
            if (spare != null) {
                Files.move(spare, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.createDirectory(dir);
            }
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new IllegalArgumentException("a container named \"" + id + "\" already exists in " + root
                    + "; remove it or choose another name");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the container directory '" + dir + "'", e);
        }
        try {
            // Rewriting the owner of a spare keeps its inode.
            Files.writeString(dir.resolve(OWNER_FILE), owner(), StandardCharsets.UTF_8);
            if (spare == null) {
                Files.createDirectory(dir.resolve(ROOTFS));
            }
            if (logs) {
                for (String log : LOGS) {
                    if (spare == null || !Files.exists(dir.resolve(log))) {
                        Files.createFile(dir.resolve(log));
                    }
                }
            }
            return dir;
        } catch (IOException e) {
            deleteState(dir);
            throw new UncheckedIOException("cannot set up the container directory '" + dir + "'", e);
        }
    }

    /** @return a spare state directory, or null when none is kept */
    private Path takeSpare() {
        synchronized (spares) {
            return spares.pollFirst();
        }
    }

    /**
     * Empties a removed container's state directory into a spare for the next container, or
     * deletes it when enough spares are kept.
     *
     * @param dir its state directory, already renamed out of the way
     */
    void release(Path dir) {
        int kept;
        synchronized (spares) {
            kept = spares.size();
        }
        if (closed || kept >= MAX_SPARES) {
            deleteState(dir);
            return;
        }
        try {
            Path snapshot = dir.resolve(Instance.SNAPSHOT);
            if (Files.exists(snapshot) && snapshotter() != null) {
                snapshotter().remove(snapshot);
            }
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
                for (Path p : stream) {
                    String name = p.getFileName().toString();
                    if (name.equals(LOGS[0]) || name.equals(LOGS[1])) {
                        try (java.nio.channels.FileChannel log = java.nio.channels.FileChannel.open(p,
                                java.nio.file.StandardOpenOption.WRITE)) {
                            log.truncate(0);
                        }
                    } else if (!name.equals(OWNER_FILE) && !name.equals(ROOTFS)) {
                        FileTrees.deleteIfExists(p);
                    }
                }
            }
            Path rootfs = dir.resolve(ROOTFS);
            try (DirectoryStream<Path> left = Files.newDirectoryStream(rootfs)) {
                if (left.iterator().hasNext()) {
                    deleteState(dir);
                    return;
                }
            }
            synchronized (spares) {
                spares.addLast(dir);
            }
        } catch (IOException | RuntimeException e) {
            deleteState(dir);
        }
    }

    /** Renames a container's state directory out of the way (its name is free again at once). */
    Path moveToTrash(Path dir) {
        Path trash = containersDir.resolve(TRASH + dir.getFileName() + "-" + Ids.next());
        try {
            Files.move(dir, trash, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return trash;
        } catch (IOException e) {
            return dir;
        }
    }

    /** Runs cleanup work on the cleanup thread; {@link #close()} waits for it. */
    void background(Runnable work) {
        synchronized (pending) {
            pending[0]++;
        }
        Runnable task = new Runnable() {
            @Override
            public void run() {
                try {
                    work.run();
                } catch (RuntimeException e) {
                    log().log(Level.WARNING, "container cleanup failed: {0}", e.getMessage());
                } finally {
                    synchronized (pending) {
                        pending[0]--;
                        pending.notifyAll();
                    }
                }
            }
        };
        try {
            cleaner.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * Waits until background cleanup is done.
     *
     * @param timeout how long at most
     * @return whether it is done
     */
    public boolean awaitCleanup(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pending) {
            while (pending[0] > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    pending.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    void deleteState(Path dir) {
        Path snapshot = dir.resolve(Instance.SNAPSHOT);
        if (Files.exists(snapshot) && snapshotter() != null) {
            try {
                snapshotter().remove(snapshot);
            } catch (RuntimeException e) {
                log().log(Level.WARNING, "cannot remove snapshot ''{0}'': {1}", snapshot, e.getMessage());
            }
        }
        FileTrees.deleteIfExists(dir);
    }

    /** @return what prune removed: containers, then what gc freed */
    public String prune() {
        int removed = 0;
        for (Instance i : instances()) {
            if (i.exited()) {
                i.remove();
                removed++;
            }
        }
        ContentStore.GcResult gc = store.gc();
        return removed + " stopped containers, " + gc.removed().size() + " blobs (" + gc.bytesFreed() + " bytes)";
    }

    /** Removes every container of this engine and releases the backend. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        for (Instance i : instances()) {
            try {
                i.remove();
            } catch (RuntimeException e) {
                log().log(Level.WARNING, "cannot remove container {0}: {1}", i.id, e.getMessage());
            }
        }
        if (!awaitCleanup(java.time.Duration.ofSeconds(30))) {
            log().log(Level.WARNING, "container cleanup still runs after 30 s; leaving it to the next engine start");
        }
        for (Path spare; (spare = takeSpare()) != null; ) {
            deleteState(spare);
        }
        if (networks != null) {
            networks.close();
        }
        CompletableFuture<ContainerRuntime> opening = runtimeOpening;
        if (opening != null) {
            try {
                opening.join().close();
            } catch (java.util.concurrent.CompletionException e) {
                // It never opened: nothing to close; the failure was reported to whoever needed it.
            }
        }
        runSteps.close();
        images.close();
        io.shutdownNow();
        cleaner.shutdownNow();
        synchronized (this) {
            if (timer != null) {
                timer.shutdownNow();
            }
        }
    }

    /** @return the executor that enforces timeouts */
    synchronized ScheduledExecutorService timer() {
        if (timer == null) {
            if (closed) {
                throw new java.util.concurrent.RejectedExecutionException("the engine on " + root + " is closed");
            }
            timer = Executors.newSingleThreadScheduledExecutor(new Daemons("stevedore-timer", false));
        }
        return timer;
    }

    @Override
    public String toString() {
        ContainerBackend backend = backend();
        Snapshotter snapshotter = snapshotter();
        return "Engine{root=" + root + ", backend=" + (backend == null ? "none" : backend.name())
                + ", snapshotter=" + (snapshotter == null ? "none" : snapshotter.name()) + "}";
    }

    /**
     * The logger, looked up when there is something to log: the logging back end's start-up (with
     * java.util.logging, tens of milliseconds on a fresh JVM) is not for every engine start to pay.
     */
    private static System.Logger log() {
        return System.getLogger(EngineCore.class.getName());
    }
}
