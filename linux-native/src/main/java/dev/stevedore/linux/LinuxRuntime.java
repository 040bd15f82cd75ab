package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An open Linux backend on one state directory. Each runtime instance owns
 * {@code VOLATILE/<instance>/} (see {@link VolatileDir}: on tmpfs when possible, else the state
 * directory) and the cgroups {@code stevedore/<instance>/} while it holds the lock on
 * {@code STATE/<instance>.lock}; an instance whose lock is free belonged to a dead JVM, and the next
 * runtime removes what it left.
 */
final class LinuxRuntime implements ContainerRuntime {
    private static final java.nio.file.attribute.FileAttribute<?> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path stateDir;
    private final Path volatileDir;
    private final String instance;
    private final Path instanceDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path helperExecutable;
    private final Cgroups cgroups;
    private final CgroupSettings.Host host;
    /** Prepares spares; see {@link Spare}. */
    private final ExecutorService launcher;
    /** Starts the helpers a caller waits for, which must not queue behind the spares being prepared. */
    private final ExecutorService directLauncher;
    private final Map<String, LinuxContainer> containers = new ConcurrentHashMap<>();
    /** Ids in use, reserved before their container exists. */
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final Deque<Spare> spares = new ArrayDeque<>();
    /** A helper spawned for the next exec, not yet given a plan; guarded by {@link #spares}. */
    private IdleHelper idleExecHelper;
    /**
     * The helper spawned when this runtime opened, for the first container, whose namespaces are not
     * known yet: it is placed in a cgroup of the {@linkplain #usualControllers() usual controllers};
     * guarded by {@link #spares}, null once taken.
     */
    private Placed firstHelper;
    /** Whether a container has claimed {@link #firstHelper} (it may still be spawning); guarded by {@link #spares}. */
    private boolean firstHelperClaimed;
    static final int SPARES = 2;
    /** How long a helper that has set up a terminal may take to send it; it sends before reporting ready. */
    static final java.time.Duration TERMINAL_TIMEOUT = java.time.Duration.ofSeconds(10);
    /** The host's resolver configuration when this runtime opened, copied into each container. */
    private final String resolvConf;
    private volatile boolean closed;

    /** How containers are mapped when this runtime is rootless (a non-root caller); null for root. */
    private final Rootless rootless;

    LinuxRuntime(Path stateDir, Cgroups cgroups) {
        this(stateDir, cgroups, null);
    }

    LinuxRuntime(Path stateDir, Cgroups cgroups, Rootless rootless) {
        this.stateDir = stateDir.toAbsolutePath();
        this.cgroups = cgroups;
        this.rootless = rootless;
        if (rootless != null) {
            log().log(Level.INFO, "rootless: containers run in a user namespace, {0}, without cgroups of their own",
                    rootless.description());
        }
        // The instance name keeps this runtime's files and cgroups apart from other runtimes': 32 random bits, and
        // never the name of a lock file already here. Not from a SecureRandom of our own: the JDK makes one for the
        // helpers' Unix sockets anyway, and a second one cost a fresh JVM milliseconds more of CPU as it opened.
        try {
            Files.createDirectories(this.stateDir);
        } catch (IOException e) {
            throw new ContainerBackendException("cannot use state directory '" + stateDir + "': " + e, null, e);
        }
        Path chosen = VolatileDir.forState(this.stateDir);
        String name;
        try {
            FileChannel channel = null;
            do {
                name = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
                try {
                    channel = FileChannel.open(this.stateDir.resolve(name + ".lock"), StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // Another runtime's, alive or left by a dead JVM: another name.
                }
            } while (channel == null);
            lockChannel = channel;
            lock = lockChannel.lock();
            try {
                Files.createDirectory(chosen.resolve(name), OWNER_ONLY);
            } catch (java.nio.file.NoSuchFileException e) {
                // Another runtime closing just now removed the empty shared directory: choose again.
                chosen = VolatileDir.forState(this.stateDir);
                Files.createDirectory(chosen.resolve(name), OWNER_ONLY);
            }
        } catch (IOException e) {
            throw new ContainerBackendException("cannot use state directory '" + stateDir + "': " + e, null, e);
        }
        this.instance = name;
        this.volatileDir = chosen;
        this.instanceDir = chosen.resolve(instance);
        helperExecutable = HelperBinary.extract(this.stateDir.resolve("bin"));
        launcher = launcherThread("stevedore-launcher-" + instance);
        directLauncher = launcherThread("stevedore-direct-launcher-" + instance);
        // The first container would otherwise wait for its helper's spawn (the first one is the slowest) and its
        // move into a cgroup: they are done now, first of all that this runtime does as it opens, meanwhile the
        // caller prepares that container, and on the thread the first container's helper is prepared on, so
        // that it is ready by then. Its socket is bound and its cgroup made on the other launcher thread, idle until
        // the second container, while this one starts the process: on 2 cores that thread's milliseconds of CPU
        // (a fresh JVM's first Unix socket) mostly overlap the start. Both are handed over here, where nothing
        // closes the launchers yet, and after the start was, so that it does not wait for the other thread's.
        Path firstSocket = nextSocket();
        String firstCgroup = nextCgroup();
        Set<String> firstControllers = usualControllers();
        FutureTask<java.nio.channels.ServerSocketChannel> listening = new FutureTask<>(
                new java.util.concurrent.Callable<java.nio.channels.ServerSocketChannel>() {
                    @Override
                    public java.nio.channels.ServerSocketChannel call() throws IOException {
                        return Helper.listen(firstSocket);
                    }
                });
        FutureTask<List<Path>> made = new FutureTask<>(new java.util.concurrent.Callable<List<Path>>() {
            @Override
            public List<Path> call() {
                return cgroups.create(firstCgroup, firstControllers);
            }
        });
        directLauncher.execute(new Runnable() {
            @Override
            public void run() {
                spawnFirstHelper(firstSocket, listening, firstCgroup, firstControllers, made);
            }
        });
        launcher.execute(listening);
        launcher.execute(made);
        try {
            removeLeftovers();
            resolvConf = readResolvConf();
            host = CgroupSettings.Host.detect();
        } catch (RuntimeException e) {
            try {
                close();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * @param listening {@code socket} being bound on the launcher thread
     * @param made {@code cgroup} being made there
     */
    private void spawnFirstHelper(Path socket, Future<java.nio.channels.ServerSocketChannel> listening, String cgroup,
            Set<String> controllers, Future<List<Path>> made) {
        Stdio stdio = Stdio.pipes();
        Placed placed;
        try {
            Helper helper;
            try {
                helper = Helper.spawn(helperExecutable, socket, listening, stdio);
            } catch (RuntimeException e) {
                removeWhenMade(made, cgroup, controllers);
                throw e;
            }
            List<Path> procs;
            try {
                procs = await(made);
            } catch (RuntimeException e) {
                helper.discard();
                throw e;
            }
            placed = moveInto(new Placed(stdio, controllers, helper, cgroup, procs));
        } catch (RuntimeException e) {
            log().log(Level.WARNING, "cannot start a helper in advance: {0}", e.getMessage());
            return;
        }
        synchronized (spares) {
            if (!closed) {
                firstHelper = placed;
                return;
            }
        }
        discard(placed);
    }

    /**
     * @return the controllers of a container whose resources set only device rules, as nearly all do (the
     *     runtime spec's and Docker's configurations deny every device but a few)
     */
    private Set<String> usualControllers() {
        return rootless != null ? Set.of() : cgroups.controllersFor(cgroups.has("devices") ? Set.of("devices") : Set.of());
    }

    /**
     * A helper's parent-death signal fires when the thread that forked it ends, so helpers are
     * started on threads that live as long as the runtime.
     */
    private static ExecutorService launcherThread(String name) {
        return Executors.newSingleThreadExecutor(new ThreadFactory() {
            @Override
            public Thread newThread(Runnable r) {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            }
        });
    }

    @Override
    public ContainerHandle create(String id, Spec asked, List<RootfsMount> rootfs, Stdio stdio) {
        if (closed) {
            throw new IllegalStateException("this runtime on '" + stateDir + "' is closed");
        }
        if (!validId(id)) {
            throw new IllegalArgumentException("container id '" + id
                    + "' is invalid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (!ids.add(id)) {
            throw new IllegalArgumentException("container id '" + id + "' is already in use in this runtime");
        }
        Path dir = instanceDir.resolve(id);
        Spare spare = null;
        java.util.concurrent.Future<Placed> placing = null;
        ConsoleSocket console = null;
        Runnable refill = null;
        try {
            Spec spec = rootless == null ? asked : rootless.apply(asked);
            CgroupSettings settings = spec.linux() == null ? CgroupSettings.of(null, List.of(), cgroups, host)
                    : CgroupSettings.of(spec.linux().resources(), spec.linux().devices(), cgroups, host);
            // An unprivileged user cannot create cgroups: a rootless container joins none (its limits were refused).
            Set<String> controllers = rootless != null ? Set.of() : cgroups.controllersFor(settings);
            console = hasTerminal(spec.process()) ? listenForTerminal() : null;
            // The first container has no spare: its helper, spawned and placed in a cgroup at opening, is taken on
            // the launcher while this thread plans, and moved to other cgroups there if the container needs other
            // controllers (a move waits milliseconds for the kernel).
            placing = console == null ? placeFirstHelper(stdio, controllers) : null;
            Plan plan = Planner.create(id, spec, rootfs, List.of(), writeEtcFiles(dir, spec),
                    cgroups.containerView(controllers), console == null ? null : console.path(), false);
            Plan beforeClone = plan.beforeClone();
            if (console == null) {
                if (placing != null) {
                    Placed placed = await(placing);
                    placing = null;
                    spare = cloned(placed, beforeClone);
                } else {
                    spare = takeSpare(stdio, beforeClone, controllers);
                    // Spares from the second container on: many programs (a command line's run) run one container
                    // and exit, and spares prepared with the first cost such a JVM ~30 ms of CPU, meanwhile the
                    // container ran, and the time it took to exit. The second container's helper is placed as it
                    // is asked for, as the first one's would have been without the helper spawned at opening.
                    refill = new HelperWork(stdio, beforeClone, controllers);
                }
            } else {
                // A helper connects to the console socket before it clones, so one prepared in advance cannot
                // serve a terminal: this one is made now, and the spares stay as they are.
                spare = cloned(onDirectLauncher(new HelperWork(Stdio.pipes(), beforeClone, controllers)), beforeClone);
            }
            cgroups.apply(spare.cgroup(), settings);
            Helper helper = spare.helper().begin(plan.afterClone(), new java.util.function.LongConsumer() {
                @Override
                public void accept(long pid) {
                    LifecycleHooks.runCreate(id, spec, pid);
                }
            });
            LinuxContainer container = new LinuxContainer(this, id, spec, spare.cgroup(), controllers, spare.placed().procs(),
                    dir, helper, console == null ? null : console.receive(TERMINAL_TIMEOUT));
            containers.put(id, container);
            return container;
        } catch (RuntimeException e) {
            if (spare != null) {
                discard(spare.placed());
            }
            if (placing != null) {
                discardWhenPlaced(placing);
            }
            ids.remove(id);
            deleteTree(dir);
            throw e;
        } finally {
            if (console != null) {
                console.close();
            }
            // Once this container is set up, so that preparing the next helper does not compete with it
            // for the CPU. submit, not execute: an exception must not end the thread, whose death would
            // kill its helpers. (A container with a terminal made the C library binding for its console.)
            if (refill != null) {
                launcher.submit(refill);
            }
        }
    }

    /**
     * @return whether the id is 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit; checked
     *     by hand, as a regex costs the first container of a fresh JVM a millisecond
     */
    static boolean validId(String id) {
        if (id == null || id.isEmpty() || id.length() > 64) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (!alnum && (i == 0 || c != '_' && c != '.' && c != '-')) {
                return false;
            }
        }
        return true;
    }

    static boolean hasTerminal(dev.stevedore.oci.runtime.Process process) {
        return process != null && Boolean.TRUE.equals(process.terminal());
    }

    /** A console socket, as runc's {@code --console-socket}, on which a helper sends the master of a new terminal. */
    ConsoleSocket listenForTerminal() {
        return ConsoleSocket.listen(instanceDir.resolve("console-" + sequence.incrementAndGet()));
    }

    /**
     * A helper already started and moved into a fresh cgroup, not yet cloned: the part of a {@link Spare}
     * that depends only on the streams and the cgroup controllers.
     */
    private record Placed(Stdio stdio, Set<String> controllers, Helper helper, String cgroup, List<Path> procs) {
    }

    /**
     * A helper already started, moved into a fresh cgroup and cloned (its child waits, in new
     * namespaces, for the rest of the plan). Moving a process between cgroups waits for an RCU grace
     * period (milliseconds) unless another move happened just before, and a new network namespace
     * takes a while too, so spares are prepared on the launcher thread, off the caller's path, for
     * the streams and namespaces last asked for.
     */
    private record Spare(Placed placed, List<Plan.Step> beforeClone) {
        boolean fits(Stdio stdio, Plan beforeClone, Set<String> controllers) {
            return sameStreams(placed.stdio(), stdio) && this.beforeClone.equals(beforeClone.steps())
                    && placed.controllers().equals(controllers);
        }

        Helper helper() {
            return placed.helper();
        }

        String cgroup() {
            return placed.cgroup();
        }
    }

    /**
     * Claims the helper spawned at opening for the calling container, the first: taken at once if it is placed
     * as that container needs, else placed on the direct launcher, where that helper is being spawned.
     *
     * @return the placing, or null when the first helper was claimed before
     */
    private java.util.concurrent.Future<Placed> placeFirstHelper(Stdio stdio, Set<String> controllers) {
        Placed ready;
        synchronized (spares) {
            if (firstHelperClaimed) {
                return null;
            }
            firstHelperClaimed = true;
            ready = firstHelper;
            if (ready != null && ready.controllers().equals(controllers) && sameStreams(ready.stdio(), stdio)
                    && ready.helper().process.isAlive()) {
                firstHelper = null;
            } else {
                ready = null;
            }
        }
        // Placed already as this container needs it (as usual): taken here, rather than handed over by the launcher,
        // whose wake-up the caller would wait for.
        return ready != null ? java.util.concurrent.CompletableFuture.completedFuture(ready)
                : directLauncher.submit((java.util.concurrent.Callable<Placed>) new HelperWork(stdio, null, controllers));
    }

    private Spare takeSpare(Stdio stdio, Plan beforeClone, Set<String> controllers) {
        Spare spare = null;
        synchronized (spares) {
            if (!spares.isEmpty() && spares.peek().fits(stdio, beforeClone, controllers)) {
                spare = spares.poll();
            }
        }
        // Without a fitting spare, this container's helper is placed on the other thread, so the caller
        // does not wait for the spares of later containers being prepared.
        return spare != null ? spare : cloned(onDirectLauncher(new HelperWork(stdio, beforeClone, controllers)),
                beforeClone);
    }

    /**
     * The helper work for containers of one shape (streams, plan before the clone, cgroup controllers):
     * placing a helper on the direct launcher, with the one spawned at opening if it is there
     * ({@link #call}), or keeping the spares like it ({@link #run}). A class, not lambdas, as it is on
     * the first container's path.
     */
    private final class HelperWork implements java.util.concurrent.Callable<Placed>, Runnable {
        private final Stdio stdio;
        /** Null when the work only places a helper. */
        private final Plan beforeClone;
        private final Set<String> controllers;

        HelperWork(Stdio stdio, Plan beforeClone, Set<String> controllers) {
            this.stdio = stdio;
            this.beforeClone = beforeClone;
            this.controllers = controllers;
        }

        @Override
        public Placed call() {
            return placeFirstOrNew(stdio, controllers);
        }

        @Override
        public void run() {
            // The C library binding starts with the spares, from the second container on, not earlier: its ~100 ms
            // of CPU in a fresh JVM would compete with the first container (2 cores: first use 163 ms median,
            // against 170 ms when started once the first helper was spawned and 187 ms when started as the
            // runtime opens), and a program that runs one container and exits has no use for it (started once the
            // first container was set up, it cost that JVM ~40 ms more CPU). Started here rather than by the
            // caller, whose thread start it would otherwise wait for. Helpers are started by the JDK until it is
            // made.
            LibcBinding.startInBackground();
            refill(stdio, beforeClone, controllers);
        }
    }

    /**
     * @return whether helpers may be started ahead for these streams: not for a file written from its
     *     start ({@link ProcessBuilder.Redirect.Type#WRITE}), which each start truncates, so that a helper
     *     started ahead would empty what an earlier container with the same streams wrote there
     */
    static boolean preparable(Stdio stdio) {
        return stdio.stdout().type() != ProcessBuilder.Redirect.Type.WRITE
                && stdio.stderr().type() != ProcessBuilder.Redirect.Type.WRITE;
    }

    /**
     * {@code a.equals(b)}, without a record's equals, whose first call links a method handle
     * (milliseconds, on the first container's path).
     */
    static boolean sameStreams(Stdio a, Stdio b) {
        return a.stdin().equals(b.stdin()) && a.stdout().equals(b.stdout()) && a.stderr().equals(b.stderr());
    }

    /** @return the helper spawned at opening if it has the streams asked for and still runs, else null */
    private Placed takeFirstHelper(Stdio stdio) {
        Placed first;
        synchronized (spares) {
            first = firstHelper;
            firstHelper = null;
        }
        if (first == null) {
            return null;
        }
        if (!sameStreams(first.stdio(), stdio) || !first.helper().process.isAlive()) {
            discard(first);
            return null;
        }
        return first;
    }

    /** @return a helper placed for the controllers asked for: the one spawned at opening if it is there */
    private Placed placeFirstOrNew(Stdio stdio, Set<String> controllers) {
        Placed first = takeFirstHelper(stdio);
        if (first == null) {
            return place(stdio, controllers, null);
        }
        if (first.controllers().equals(controllers)) {
            return first;
        }
        Placed moved;
        try {
            moved = place(stdio, controllers, first.helper());
        } catch (RuntimeException e) {
            cgroups.remove(first.cgroup(), first.controllers());
            throw e;
        }
        try {
            cgroups.leave(first.helper().process.pid(), first.controllers(), controllers);
        } catch (IOException e) {
            discard(moved);
            cgroups.remove(first.cgroup(), first.controllers());
            throw new ContainerBackendException("cannot move the helper out of cgroup '" + first.cgroup() + "': " + e,
                    null, e);
        }
        cgroups.remove(first.cgroup(), first.controllers());
        return moved;
    }

    /** Keeps {@link #SPARES} spares like the last container asked for; other ones go. */
    private void refill(Stdio stdio, Plan beforeClone, Set<String> controllers) {
        List<Spare> stale = new ArrayList<>();
        int missing;
        synchronized (spares) {
            for (java.util.Iterator<Spare> it = spares.iterator(); it.hasNext();) {
                Spare s = it.next();
                if (!s.fits(stdio, beforeClone, controllers)) {
                    it.remove();
                    stale.add(s);
                }
            }
            missing = closed || !preparable(stdio) ? 0 : SPARES - spares.size();
        }
        for (Spare s : stale) {
            discard(s.placed());
        }
        for (int i = 0; i < missing; i++) {
            Spare spare;
            try {
                spare = cloned(place(stdio, controllers, null), beforeClone);
            } catch (RuntimeException e) {
                log().log(Level.WARNING, "cannot prepare a helper in advance: {0}", e.getMessage());
                return;
            }
            synchronized (spares) {
                if (!closed) {
                    spares.add(spare);
                    continue;
                }
            }
            discard(spare.placed());
        }
    }

    /** @param spawned a helper spawned for {@code stdio} and given nothing yet, or null to spawn one */
    private Placed place(Stdio stdio, Set<String> controllers, Helper spawned) {
        String cgroup = nextCgroup();
        List<Path> procs;
        try {
            procs = cgroups.create(cgroup, controllers);
        } catch (RuntimeException e) {
            if (spawned != null) {
                spawned.discard();
            }
            throw e;
        }
        Helper helper = spawned;
        if (helper == null) {
            try {
                helper = spawnHelper(stdio);
            } catch (RuntimeException e) {
                cgroups.remove(cgroup, controllers);
                throw e;
            }
        }
        return moveInto(new Placed(stdio, controllers, helper, cgroup, procs));
    }

    private String nextCgroup() {
        return "stevedore/" + instance + "/" + sequence.incrementAndGet();
    }

    /** Moves the helper into its cgroup; on failure, discards both. */
    private Placed moveInto(Placed placed) {
        try {
            for (Path p : placed.procs()) {
                Files.writeString(p, Long.toString(placed.helper().process.pid()));
            }
        } catch (IOException e) {
            discard(placed);
            throw new ContainerBackendException("cannot move the helper into cgroup '" + placed.cgroup() + "': " + e,
                    null, e);
        }
        return placed;
    }

    /** Removes a cgroup not used after all, once it is made; one that failed to be made left nothing. */
    private void removeWhenMade(Future<List<Path>> made, String cgroup, Set<String> controllers) {
        try {
            await(made);
        } catch (RuntimeException e) {
            return;
        }
        cgroups.remove(cgroup, controllers);
    }

    private Spare cloned(Placed placed, Plan beforeClone) {
        try {
            placed.helper().clone(beforeClone);
        } catch (RuntimeException e) {
            discard(placed);
            throw e;
        }
        return new Spare(placed, beforeClone.steps());
    }

    private void discard(Placed placed) {
        placed.helper().discard();
        cgroups.remove(placed.cgroup(), placed.controllers());
    }

    /** Discards what a placing made, once it is done; one that failed has cleaned up after itself. */
    private void discardWhenPlaced(java.util.concurrent.Future<Placed> placing) {
        Placed placed;
        try {
            placed = await(placing);
        } catch (RuntimeException e) {
            return;
        }
        discard(placed);
    }

    private <T> T onDirectLauncher(java.util.concurrent.Callable<T> task) {
        return await(directLauncher.submit(task));
    }

    private static <T> T await(java.util.concurrent.Future<T> work) {
        try {
            return work.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new ContainerBackendException("cannot start the helper: " + e.getCause(), null, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while starting the helper", null, e);
        }
    }

    /**
     * Starts a helper for an exec; it joins the container's namespaces and cgroups itself. A helper
     * not yet given a plan is the same for every exec with the same streams, so one is kept spawned
     * in advance and the caller only pays for the joining.
     */
    Helper launch(Plan plan, Stdio stdio) {
        Helper helper = null;
        synchronized (spares) {
            if (idleExecHelper != null && sameStreams(idleExecHelper.stdio(), stdio)) {
                helper = idleExecHelper.helper();
                idleExecHelper = null;
            }
        }
        if (helper != null && !helper.process.isAlive()) {
            helper.discard();
            helper = null;
        }
        if (helper == null) {
            helper = onDirectLauncher(() -> spawnHelper(stdio));
        }
        launcher.submit(() -> refillExecHelper(stdio));
        return helper.clone(plan.beforeClone()).begin(plan.afterClone());
    }

    private record IdleHelper(Stdio stdio, Helper helper) {
    }

    private Helper spawnHelper(Stdio stdio) {
        return Helper.spawn(helperExecutable, nextSocket(), stdio);
    }

    private Path nextSocket() {
        return instanceDir.resolve(sequence.incrementAndGet() + ".sock");
    }

    private void refillExecHelper(Stdio stdio) {
        // An exec is the first container's second helper: as for a second container (see HelperWork.run).
        LibcBinding.startInBackground();
        Helper stale;
        synchronized (spares) {
            if (closed || (idleExecHelper != null && sameStreams(idleExecHelper.stdio(), stdio))) {
                return;
            }
            stale = idleExecHelper == null ? null : idleExecHelper.helper();
            idleExecHelper = null;
        }
        if (stale != null) {
            stale.discard();
        }
        if (!preparable(stdio)) {
            return;
        }
        Helper fresh;
        try {
            fresh = spawnHelper(stdio);
        } catch (RuntimeException e) {
            log().log(Level.WARNING, "cannot start a helper in advance: {0}", e.getMessage());
            return;
        }
        synchronized (spares) {
            if (!closed && idleExecHelper == null) {
                idleExecHelper = new IdleHelper(stdio, fresh);
                return;
            }
        }
        fresh.discard();
    }

    Path helperExecutable() {
        return helperExecutable;
    }

    String instance() {
        return instance;
    }

    /** @return the directory holding this runtime's containers' files and helper sockets */
    Path instanceDir() {
        return instanceDir;
    }

    Cgroups cgroups() {
        return cgroups;
    }

    /** @return how containers are mapped when this runtime is rootless, else null */
    Rootless rootless() {
        return rootless;
    }

    void removed(LinuxContainer container, String cgroup, Set<String> controllers, Path dir) {
        try {
            cgroups.remove(cgroup, controllers);
        } finally {
            deleteTree(dir);
            containers.remove(container.id(), container);
            ids.remove(container.id());
        }
    }

    private Map<String, Path> writeEtcFiles(Path dir, Spec spec) {
        try {
            Files.createDirectory(dir);
            Map<String, Path> files = new LinkedHashMap<>();
            String hostname = spec.hostname() == null ? "localhost" : spec.hostname();
            files.put("/etc/hostname", Files.writeString(dir.resolve("hostname"), hostname + "\n"));
            files.put("/etc/hosts", Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n"
                    + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                    + (spec.hostname() == null ? "" : "127.0.0.1\t" + spec.hostname() + "\n")));
            files.put("/etc/resolv.conf", Files.writeString(dir.resolve("resolv.conf"), resolvConf));
            return files;
        } catch (IOException e) {
            throw new ContainerBackendException("cannot write the container's /etc files in '" + dir + "': " + e,
                    null, e);
        }
    }

    private static String readResolvConf() {
        Path file = Path.of("/etc/resolv.conf");
        try {
            return Files.isReadable(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new ContainerBackendException("cannot read '" + file + "': " + e, null, e);
        }
    }

    /** Removes the state and cgroups of runtimes whose JVM died (their lock is free). */
    private void removeLeftovers() {
        List<Path> locks = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(stateDir, "*.lock")) {
            for (Path lockFile : dir) {
                locks.add(lockFile);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list '" + stateDir + "'", e);
        }
        for (Path lockFile : locks) {
            String other = lockFile.getFileName().toString().replace(".lock", "");
            if (other.equals(instance)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l == null) {
                    continue;
                }
                log().log(Level.INFO, "removing containers left by a dead runtime in ''{0}''", stateDir.resolve(other));
                cgroups.remove("stevedore/" + other);
                deleteTree(stateDir.resolve(other));
                deleteTree(volatileDir.resolve(other));
                Files.delete(lockFile);
                l.release();
            } catch (OverlappingFileLockException e) {
                // Another runtime of this JVM holds it: alive.
            } catch (IOException e) {
                log().log(Level.WARNING, "cannot remove leftovers of runtime ''{0}'': {1}", other, e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (LinuxContainer c : List.copyOf(containers.values())) {
            try {
                c.delete();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        launcher.shutdown();
        directLauncher.shutdown();
        try {
            launcher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            directLauncher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (spares) {
            // Each with its cgroups, in its controllers' hierarchies only: the instance's cgroups are then empty
            // when removed below, which would otherwise be listed file by file while the helpers' children die.
            // A loop rather than a lambda: a fresh JVM closes its first runtime as it exits.
            for (Spare s : spares) {
                discard(s.placed());
            }
            spares.clear();
            if (idleExecHelper != null) {
                idleExecHelper.helper().discard();
                idleExecHelper = null;
            }
            if (firstHelper != null) {
                discard(firstHelper);
                firstHelper = null;
            }
        }
        try {
            cgroups.remove("stevedore/" + instance);
            deleteTree(instanceDir);
            removeIfEmpty(volatileDir);
            lock.release();
            lockChannel.close();
            Files.deleteIfExists(stateDir.resolve(instance + ".lock"));
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e instanceof RuntimeException ? (RuntimeException) e : new UncheckedIOException((IOException) e);
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Removes the shared tmpfs directory once no runtime uses it, so test runs do not litter tmpfs. */
    private void removeIfEmpty(Path dir) {
        if (dir.equals(stateDir)) {
            return;
        }
        try {
            Files.deleteIfExists(dir);
        } catch (java.nio.file.DirectoryNotEmptyException e) {
            // Another runtime on the same state directory still uses it.
        } catch (IOException e) {
            log().log(Level.DEBUG, "cannot remove ''{0}'': {1}", dir, e);
        }
    }

    private static void deleteTree(Path dir) {
        try {
            FileTrees.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove '" + dir + "'", e);
        }
    }

    /** Looked up when needed: the first lookup starts the logging system, which a container's start need not wait for. */
    private static System.Logger log() {
        return System.getLogger(LinuxRuntime.class.getName());
    }
}
