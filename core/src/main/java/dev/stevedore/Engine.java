package dev.stevedore;

import dev.stevedore.internal.engine.EngineCore;
import dev.stevedore.internal.engine.HostChecks;
import dev.stevedore.internal.engine.Instance;
import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.Snapshotter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A store root with the backend and snapshotter that run containers from it. The default engine
 * serves {@link Containers} and {@link Images}; build another to keep images and containers in a
 * directory of your own. Safe for many threads; closing an engine removes its containers.
 *
 * <pre>{@code
 * try (Engine engine = Engine.builder().root(Path.of("/tmp/stevedore")).build()) {
 *     System.out.println(engine.doctor());
 *     Containers.image("busybox:1.36").withEngine(engine).withCommand("true").run();
 * }
 * }</pre>
 */
public final class Engine implements AutoCloseable {

    /** The system property that overrides the default engine's root directory. */
    public static final String ROOT_PROPERTY = "stevedore.root";

    private static final Object DEFAULT_LOCK = new Object();
    private static volatile Engine defaultEngine;

    private final EngineCore core;

    private Engine(EngineCore core) {
        this.core = core;
    }

    /** @return a builder for an engine of your own */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The engine {@link Containers} and {@link Images} use, opened on first use on
     * {@link #defaultRoot()} and closed when the JVM exits. Its backend starts when its first
     * container is created, so a program that only builds or lists images does not pay for it.
     *
     * @return the default engine
     */
    public static Engine defaultEngine() {
        return defaultEngine(false);
    }

    /**
     * @param forContainers whether the caller creates a container next: the backend then starts in
     *     the background at once
     */
    static Engine defaultEngine(boolean forContainers) {
        Engine e = defaultEngine;
        if (e == null) {
            synchronized (DEFAULT_LOCK) {
                if (defaultEngine == null) {
                    Engine created = new Engine(EngineCore.open(defaultRoot(), null, null, forContainers));
                    // A class rather than a method reference: every program's first engine links it (see EngineCore.Task).
                    Runtime.getRuntime().addShutdownHook(new Thread(new Runnable() {
                        @Override
                        public void run() {
                            created.close();
                        }
                    }, "stevedore-shutdown"));
                    defaultEngine = created;
                }
                e = defaultEngine;
            }
        }
        if (forContainers) {
            e.core.startContainers();
        }
        return e;
    }

    /**
     * Where the default engine keeps its store: the {@value #ROOT_PROPERTY} system property when
     * set; otherwise {@code /var/lib/stevedore} for root, {@code $XDG_DATA_HOME/stevedore} or
     * {@code ~/.local/share/stevedore} for other users.
     *
     * @return the default root
     */
    public static Path defaultRoot() {
        String property = System.getProperty(ROOT_PROPERTY);
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        if (HostChecks.effectiveUid() == 0) {
            return Path.of("/var/lib/stevedore");
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "stevedore");
        }
        return Path.of(System.getProperty("user.home"), ".local", "share", "stevedore");
    }

    EngineCore core() {
        return core;
    }

    /** @return the store root: an OCI image layout plus the engine's own directories */
    public Path root() {
        return core.root();
    }

    /** @return the images of this engine */
    public ImageStore images() {
        return new ImageStore(this, core.images());
    }

    /**
     * @param image a name, digest or digest prefix
     * @return a container spec on this engine
     */
    public ContainerSpec container(String image) {
        return Containers.image(image).withEngine(this);
    }

    /** @return this engine's containers that are not removed, running or exited */
    public List<Container> containers() {
        List<Container> list = new ArrayList<>();
        for (Instance i : core.instances()) {
            list.add(new Container(i));
        }
        return list;
    }

    /**
     * @param name a network's name
     * @return this engine's network of that name
     * @throws NetworkException when there is none
     */
    public Network network(String name) {
        return new Network(this, core.networks().get(name));
    }

    /** @return this engine's networks, by name */
    public List<Network> networks() {
        List<Network> list = new ArrayList<>();
        core.networks().list().forEach(r -> list.add(new Network(this, r)));
        return list;
    }

    /**
     * Removes this engine's exited containers, then every blob no image name reaches.
     *
     * @return what was removed, for people to read
     */
    public String prune() {
        return core.prune();
    }

    /**
     * Checks what this host offers containers, saying why a missing feature is missing.
     *
     * @return the report
     */
    public HostReport doctor() {
        List<HostReport.Check> checks = new ArrayList<>();
        ContainerBackend backend = core.backend();
        checks.add(new HostReport.Check("backend", core.backendProblem() == null, core.backendProblem() == null
                ? backend.name() : core.backendProblem()));
        Snapshotter snapshotter = core.snapshotter();
        checks.add(new HostReport.Check("snapshotter", snapshotter != null,
                (snapshotter == null ? "" : snapshotter.name() + ": ") + core.snapshotterChoice()));
        long euid = HostChecks.effectiveUid();
        checks.add(new HostReport.Check("privileges", euid == 0, euid == 0 ? "running as root"
                : "running as uid " + euid + ": rootless, each container in a user namespace whose root is this"
                + " user; no resource limits (no cgroups of its own) and no bridge networks or published ports"));
        for (HostChecks.Check c : HostChecks.kernel(Path.of("/"))) {
            checks.add(new HostReport.Check(c.feature(), c.available(), c.detail()));
        }
        checks.add(new HostReport.Check("store", true, root().toString()));
        return new HostReport(checks);
    }

    /** Removes every container of this engine and releases the backend. The store stays. */
    @Override
    public void close() {
        core.close();
    }

    @Override
    public String toString() {
        return core.toString();
    }

    /** Chooses an engine's root, backend and snapshotter. */
    public static final class Builder {
        private Path root;
        private ContainerBackend backend;
        private Snapshotter snapshotter;

        private Builder() {
        }

        /**
         * @param root the store root, created when missing; {@link Engine#defaultRoot()} when not set
         * @return this builder
         */
        public Builder root(Path root) {
            this.root = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * @param backend the backend to use instead of the first available one on the class path
         * @return this builder
         */
        public Builder backend(ContainerBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * @param snapshotter the snapshotter to use instead of overlayfs (or copying when overlayfs
         *     is not available)
         * @return this builder
         */
        public Builder snapshotter(Snapshotter snapshotter) {
            this.snapshotter = Objects.requireNonNull(snapshotter, "snapshotter");
            return this;
        }

        /**
         * Opens the engine: the store is created or checked, leftovers of dead processes are
         * removed, and the backend starts in the background.
         *
         * @return the engine
         */
        public Engine build() {
            return new Engine(EngineCore.open(root != null ? root : defaultRoot(), backend, snapshotter, true));
        }

        @Override
        public String toString() {
            return "Engine.Builder{root=" + root + ", backend=" + backend + ", snapshotter=" + snapshotter + "}";
        }
    }
}
