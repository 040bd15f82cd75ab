package dev.stevedore;

import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.Instance;
import dev.stevedore.internal.engine.Signals;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to run: an image and settings. Immutable: every {@code withX} returns a new spec, so one
 * spec is a reusable template. Settings left alone take the image's defaults (Entrypoint, Cmd,
 * Env, WorkingDir, User, StopSignal) with Docker's rules. {@link #run()} runs to completion;
 * {@link #start()} returns a {@link Container} to work with.
 *
 * <pre>{@code
 * ContainerSpec sh = Containers.image("busybox:1.36").withEnv("GREETING", "hi");
 * ExecResult r = sh.withCommand("sh", "-c", "echo $GREETING").run();
 * }</pre>
 */
public final class ContainerSpec {

    private final ContainerConfig config;
    private final Engine engine;
    private final Wait wait;

    ContainerSpec(ContainerConfig config, Engine engine, Wait wait) {
        this.config = config;
        this.engine = engine;
        this.wait = wait;
    }

    /** Each withX edits a copy itself rather than passing an edit lambda: see {@link ContainerConfig}. */
    private ContainerSpec with(ContainerConfig.Builder edited) {
        return new ContainerSpec(edited.build(), engine, wait);
    }

    private static List<String> args(String what, String... args) {
        List<String> list = List.of(args);
        if (list.isEmpty()) {
            throw new IllegalArgumentException(what + " needs at least the executable");
        }
        return list;
    }

    private static String absolute(String path, String what) {
        Objects.requireNonNull(path, what);
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException(what + " \"" + path + "\" must be an absolute path in the container");
        }
        return path;
    }

    /** @return the image as given: a name, digest or digest prefix */
    public String image() {
        return config.image;
    }

    /**
     * Replaces the image's Cmd; the image's Entrypoint, if any, stays in front.
     *
     * @param command the command, such as {@code "sh", "-c", "echo hi"}
     * @return a new spec
     */
    public ContainerSpec withCommand(String... command) {
        List<String> list = args("withCommand", command);
        ContainerConfig.Builder b = config.edit();
        b.command = list;
        return with(b);
    }

    /**
     * Replaces the image's Entrypoint and, as Docker does, drops the image's Cmd (give a command
     * with {@link #withCommand} to have one).
     *
     * @param entrypoint the entrypoint, executable first
     * @return a new spec
     */
    public ContainerSpec withEntrypoint(String... entrypoint) {
        List<String> list = args("withEntrypoint", entrypoint);
        ContainerConfig.Builder b = config.edit();
        b.entrypoint = list;
        return with(b);
    }

    /**
     * Sets an environment variable, overriding the image's variable of that name.
     *
     * @param name the name
     * @param value the value
     * @return a new spec
     */
    public ContainerSpec withEnv(String name, String value) {
        if (name == null || name.isEmpty() || name.contains("=")) {
            throw new IllegalArgumentException("environment variable name \"" + name + "\" must be non-empty and"
                    + " without '='");
        }
        Objects.requireNonNull(value, "value");
        ContainerConfig.Builder b = config.edit();
        b.env.put(name, value);
        return with(b);
    }

    /**
     * Sets several environment variables, in the map's order.
     *
     * @param env names and values
     * @return a new spec
     */
    public ContainerSpec withEnv(Map<String, String> env) {
        ContainerSpec spec = this;
        for (Map.Entry<String, String> e : env.entrySet()) {
            spec = spec.withEnv(e.getKey(), e.getValue());
        }
        return spec;
    }

    /**
     * @param dir the working directory in the container (created if missing)
     * @return a new spec
     */
    public ContainerSpec withWorkingDir(String dir) {
        String d = absolute(dir, "working directory");
        ContainerConfig.Builder b = config.edit();
        b.workingDir = d;
        return with(b);
    }

    /**
     * @param user {@code name}, {@code uid}, {@code name:group} or {@code uid:gid}, resolved in the
     *     image's {@code /etc/passwd} and {@code /etc/group}
     * @return a new spec
     */
    public ContainerSpec withUser(String user) {
        Objects.requireNonNull(user, "user");
        ContainerConfig.Builder b = config.edit();
        b.user = user;
        return with(b);
    }

    /**
     * Mounts a host directory or file into the container, writable.
     *
     * @param host the host path; must exist
     * @param containerPath where the container sees it
     * @return a new spec
     */
    public ContainerSpec withVolume(Path host, String containerPath) {
        return bind(host, containerPath, false);
    }

    /**
     * Mounts a host directory or file into the container, read-only.
     *
     * @param host the host path; must exist
     * @param containerPath where the container sees it
     * @return a new spec
     */
    public ContainerSpec withReadOnlyVolume(Path host, String containerPath) {
        return bind(host, containerPath, true);
    }

    private ContainerSpec bind(Path host, String containerPath, boolean readOnly) {
        String target = absolute(containerPath, "volume path");
        if (!Files.exists(host)) {
            throw new IllegalArgumentException("volume source '" + host + "' does not exist; create it first");
        }
        String source = host.toAbsolutePath().normalize().toString();
        ContainerConfig.Builder b = config.edit();
        b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.BIND, source, target,
                readOnly, 0));
        return with(b);
    }

    /**
     * Mounts a named volume: a directory the engine keeps under its root ({@code volumes/NAME})
     * across containers until removed, created empty on first use.
     *
     * @param name the volume's name: letters, digits, {@code _ . -}
     * @param containerPath where the container sees it
     * @return a new spec
     */
    public ContainerSpec withNamedVolume(String name, String containerPath) {
        String target = absolute(containerPath, "volume path");
        Objects.requireNonNull(name, "name");
        ContainerConfig.Builder b = config.edit();
        b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.NAMED, name, target,
                false, 0));
        return with(b);
    }

    /**
     * Mounts an empty in-memory filesystem.
     *
     * @param containerPath where the container sees it
     * @return a new spec
     */
    public ContainerSpec withTmpfs(String containerPath) {
        return withTmpfs(containerPath, 0);
    }

    /**
     * Mounts an empty in-memory filesystem of limited size.
     *
     * @param containerPath where the container sees it
     * @param sizeBytes its size limit in bytes; 0 for the kernel's default (half the memory)
     * @return a new spec
     */
    public ContainerSpec withTmpfs(String containerPath, long sizeBytes) {
        String target = absolute(containerPath, "tmpfs path");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("tmpfs size must be >= 0, not " + sizeBytes);
        }
        ContainerConfig.Builder b = config.edit();
        b.volumes.add(new ContainerConfig.Volume(ContainerConfig.Volume.Kind.TMPFS, null, target,
                false, sizeBytes));
        return with(b);
    }

    /**
     * Copies a host file or directory into the container before its process starts.
     *
     * @param host the file or directory
     * @param containerPath the absolute path it gets in the container
     * @return a new spec
     */
    public ContainerSpec withCopyToContainer(Path host, String containerPath) {
        String target = absolute(containerPath, "container path");
        if (!Files.exists(host)) {
            throw new IllegalArgumentException("cannot copy '" + host + "' into the container: it does not exist");
        }
        Path source = host.toAbsolutePath();
        ContainerConfig.Builder b = config.edit();
        b.files.add(new ContainerConfig.FileCopy(source, null, target, 0));
        return with(b);
    }

    /**
     * Writes a file (mode 0644) into the container before its process starts.
     *
     * @param containerPath the absolute path of the file
     * @param content its content, written as UTF-8
     * @return a new spec
     */
    public ContainerSpec withFileContent(String containerPath, String content) {
        String target = absolute(containerPath, "container path");
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        ContainerConfig.Builder b = config.edit();
        b.files.add(new ContainerConfig.FileCopy(null, bytes, target, 0644));
        return with(b);
    }

    /**
     * @param bytes the memory limit in bytes; exceeding it gets the process OOM-killed
     * @return a new spec
     */
    public ContainerSpec withMemoryLimit(long bytes) {
        if (bytes < 4 * 1024 * 1024) {
            throw new IllegalArgumentException("memory limit " + bytes + " is below the 4 MiB a container needs");
        }
        ContainerConfig.Builder b = config.edit();
        b.memoryBytes = bytes;
        return with(b);
    }

    /**
     * @param cpus CPU time allowed, in CPUs (0.5 is half of one CPU's time)
     * @return a new spec
     */
    public ContainerSpec withCpuLimit(double cpus) {
        if (!(cpus >= 0.01)) {
            throw new IllegalArgumentException("CPU limit must be at least 0.01, not " + cpus);
        }
        ContainerConfig.Builder b = config.edit();
        b.cpus = cpus;
        return with(b);
    }

    /**
     * @param limit the most processes and threads the container may have at once
     * @return a new spec
     */
    public ContainerSpec withPidsLimit(long limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("pids limit must be at least 1, not " + limit);
        }
        ContainerConfig.Builder b = config.edit();
        b.pidsLimit = limit;
        return with(b);
    }

    /**
     * @param hostname the container's hostname
     * @return a new spec
     */
    public ContainerSpec withHostname(String hostname) {
        Objects.requireNonNull(hostname, "hostname");
        ContainerConfig.Builder b = config.edit();
        b.hostname = hostname;
        return with(b);
    }

    /**
     * @param key a label key
     * @param value its value
     * @return a new spec with the label, recorded in the runtime configuration's annotations
     */
    public ContainerSpec withLabel(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        ContainerConfig.Builder b = config.edit();
        b.labels.put(key, value);
        return with(b);
    }

    /**
     * @param labels labels to add
     * @return a new spec
     */
    public ContainerSpec withLabels(Map<String, String> labels) {
        Map<String, String> copy = Map.copyOf(labels);
        ContainerConfig.Builder b = config.edit();
        b.labels.putAll(copy);
        return with(b);
    }

    /** @return a new spec whose root filesystem is read-only (volumes and tmpfs stay writable) */
    public ContainerSpec withReadOnlyRootfs() {
        ContainerConfig.Builder b = config.edit();
        b.readOnlyRootfs = true;
        return with(b);
    }

    /**
     * @param capabilities capabilities to add to Docker's default set, such as {@code NET_ADMIN}
     *     or {@code CAP_SYS_TIME}, or {@code ALL}
     * @return a new spec
     */
    public ContainerSpec withCapAdd(String... capabilities) {
        List<String> list = List.of(capabilities);
        ContainerConfig.Builder b = config.edit();
        b.capAdd.addAll(list);
        return with(b);
    }

    /**
     * @param capabilities capabilities to drop from Docker's default set, or {@code ALL}
     * @return a new spec
     */
    public ContainerSpec withCapDrop(String... capabilities) {
        List<String> list = List.of(capabilities);
        ContainerConfig.Builder b = config.edit();
        b.capDrop.addAll(list);
        return with(b);
    }

    /** @return a new spec running with every capability and without masked or read-only kernel paths */
    public ContainerSpec withPrivileged() {
        ContainerConfig.Builder b = config.edit();
        b.privileged = true;
        return with(b);
    }

    /**
     * @param mode {@link NetworkMode#NONE} (the default: loopback only) or {@link NetworkMode#HOST}
     * @return a new spec
     */
    public ContainerSpec withNetworkMode(NetworkMode mode) {
        ContainerConfig.Network n = ContainerConfig.Network.valueOf(Objects.requireNonNull(mode, "mode").name());
        ContainerConfig.Builder b = config.edit();
        b.network = n;
        return with(b);
    }

    /**
     * Joins a bridge network created with {@link Networks}: the container gets an address there
     * and reaches the network's other containers by name and alias. Call it again to join
     * several; the first network joined carries the default route.
     *
     * @param name the network's name; an unknown name fails when the container is created
     * @return a new spec
     */
    public ContainerSpec withNetwork(String name) {
        Objects.requireNonNull(name, "name");
        ContainerConfig.Builder b = config.edit();
        if (!b.networks.contains(name)) {
            b.networks.add(name);
        }
        return with(b);
    }

    /**
     * @param aliases names the container has on its networks besides its name and hostname
     * @return a new spec
     */
    public ContainerSpec withNetworkAliases(String... aliases) {
        List<String> list = List.of(aliases);
        for (String a : list) {
            if (!a.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")) {
                throw new IllegalArgumentException("network alias \"" + a + "\" is invalid: use letters, digits,"
                        + " '_', '.' or '-', starting with a letter or digit");
            }
        }
        ContainerConfig.Builder b = config.edit();
        b.networkAliases.addAll(list);
        return with(b);
    }

    /**
     * Shares another container's network namespace ({@code docker run --network container:ID}):
     * same interfaces, addresses, ports and hosts file.
     *
     * @param container the id or name of a running container of the same engine
     * @return a new spec
     */
    public ContainerSpec withNetworkOf(String container) {
        Objects.requireNonNull(container, "container");
        ContainerConfig.Builder b = config.edit();
        b.networkOf = container;
        return with(b);
    }

    /**
     * Publishes container TCP ports on free ports of the host's {@code 127.0.0.1}; ask
     * {@link Container#getMappedPort} which. A container with published ports but no network
     * joins the engine's {@code stevedore} network (created on first use).
     *
     * @param containerPorts the ports the container listens on
     * @return a new spec
     */
    public ContainerSpec withExposedPorts(int... containerPorts) {
        List<dev.stevedore.internal.network.PortBinding> list = new ArrayList<>();
        for (int p : containerPorts) {
            list.add(new dev.stevedore.internal.network.PortBinding("127.0.0.1", 0, p));
        }
        ContainerConfig.Builder b = config.edit();
        b.ports.addAll(list);
        return with(b);
    }

    /**
     * Publishes container UDP ports on free ports of the host's {@code 127.0.0.1}; ask
     * {@link Container#getMappedUdpPort} which. Datagrams are relayed per client address.
     *
     * @param containerPorts the UDP ports the container listens on
     * @return a new spec
     */
    public ContainerSpec withExposedUdpPorts(int... containerPorts) {
        List<dev.stevedore.internal.network.PortBinding> list = new ArrayList<>();
        for (int p : containerPorts) {
            list.add(new dev.stevedore.internal.network.PortBinding("127.0.0.1", 0, p, true));
        }
        ContainerConfig.Builder b = config.edit();
        b.ports.addAll(list);
        return with(b);
    }

    /**
     * Publishes a container TCP port on a given port of the host's {@code 127.0.0.1}.
     *
     * @param hostPort the host port (1-65535)
     * @param containerPort the port the container listens on
     * @return a new spec
     */
    public ContainerSpec withPortBinding(int hostPort, int containerPort) {
        return withPortBinding("127.0.0.1", hostPort, containerPort);
    }

    /**
     * Publishes a container TCP port on a host address and port.
     *
     * @param hostAddress an address of the host, such as {@code 127.0.0.1} or {@code 0.0.0.0}
     * @param hostPort the host port, or 0 for a free one
     * @param containerPort the port the container listens on
     * @return a new spec
     */
    public ContainerSpec withPortBinding(String hostAddress, int hostPort, int containerPort) {
        dev.stevedore.internal.network.PortBinding p = new dev.stevedore.internal.network.PortBinding(
                Objects.requireNonNull(hostAddress, "hostAddress"), hostPort, containerPort);
        ContainerConfig.Builder b = config.edit();
        b.ports.add(p);
        return with(b);
    }

    /**
     * @param content what the process reads on standard input (then end of file), as UTF-8; with
     *     {@link #withTty()}, what is typed into its terminal
     * @return a new spec
     */
    public ContainerSpec withStdin(String content) {
        return withStdin(content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param content what the process reads on standard input (then end of file); with
     *     {@link #withTty()}, what is typed into its terminal
     * @return a new spec
     */
    public ContainerSpec withStdin(byte[] content) {
        byte[] copy = content.clone();
        ContainerConfig.Builder b = config.edit();
        b.stdin = copy;
        return with(b);
    }

    /**
     * Gives the process a pseudo-terminal of 80 columns and 24 lines as its standard input, output
     * and error, as {@code docker run -t} does: programs see a terminal ({@code isatty}, {@code tty}
     * prints {@code /dev/pts/0}), edit lines, echo input, and write {@code \r\n} line endings.
     * Output and error are then one stream: {@link #run()} and {@link Container#stdout()} return
     * what the terminal shows and standard error stays empty. {@link #withStdin} content is typed
     * into the terminal (echoed, and no end of file unless it holds Ctrl-D, {@code 0x04}, at the
     * start of a line); a started container takes more with {@link Container#terminalInput()} and
     * can be resized with {@link Container#resizeTerminal}. {@code TERM=xterm} is set unless the
     * image or {@link #withEnv} sets {@code TERM}.
     *
     * @return a new spec
     */
    public ContainerSpec withTty() {
        return withTty(80, 24);
    }

    /**
     * Like {@link #withTty()}, with a terminal of the given size.
     *
     * @param columns the width in characters, 1 to 65535
     * @param rows the height in lines, 1 to 65535
     * @return a new spec
     */
    public ContainerSpec withTty(int columns, int rows) {
        ContainerConfig.Terminal terminal = new ContainerConfig.Terminal(columns, rows);
        ContainerConfig.Builder b = config.edit();
        b.terminal = terminal;
        return with(b);
    }

    /**
     * @param timeout how long {@link #run()} lets the process run before killing it and failing
     * @return a new spec
     */
    public ContainerSpec withTimeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + timeout);
        }
        ContainerConfig.Builder b = config.edit();
        b.timeout = timeout;
        return with(b);
    }

    /** @return a new spec whose started containers are removed as soon as their process exits */
    public ContainerSpec withAutoRemove() {
        ContainerConfig.Builder b = config.edit();
        b.autoRemove = true;
        return with(b);
    }

    /**
     * @param name the container's id instead of a random one: letters, digits, {@code _ . -}
     * @return a new spec
     */
    public ContainerSpec withName(String name) {
        Objects.requireNonNull(name, "name");
        ContainerConfig.Builder b = config.edit();
        b.name = name;
        return with(b);
    }

    /**
     * @param signal the signal {@link Container#stop} sends first, instead of the image's
     *     StopSignal (SIGTERM by default), such as {@code SIGQUIT}
     * @return a new spec
     */
    public ContainerSpec withStopSignal(String signal) {
        Signals.parse(signal);
        ContainerConfig.Builder b = config.edit();
        b.stopSignal = signal;
        return with(b);
    }

    /**
     * @param engine the engine to run on instead of {@link Engine#defaultEngine()}
     * @return a new spec
     */
    public ContainerSpec withEngine(Engine engine) {
        return new ContainerSpec(config, Objects.requireNonNull(engine, "engine"), wait);
    }

    /**
     * @param readiness what {@link #start()} waits for before it returns
     * @return a new spec
     */
    public ContainerSpec waitingFor(Wait readiness) {
        return new ContainerSpec(config, engine, Objects.requireNonNull(readiness, "readiness"));
    }

    private Engine engine() {
        return engine != null ? engine : Engine.defaultEngine(true);
    }

    /**
     * Runs the container to its end and removes it.
     *
     * @return its exit code, output and duration
     * @throws ImageNotFoundException when the image is not in the store
     * @throws ContainerException when the container cannot be created or its command not executed
     * @throws ContainerTimeoutException when it ran longer than {@link #withTimeout}
     */
    public ExecResult run() {
        return engine().core().run(config);
    }

    /**
     * Starts the container and, with {@link #waitingFor}, waits until it is ready.
     *
     * @return the running container; close it to remove it
     * @throws ImageNotFoundException when the image is not in the store
     * @throws ContainerException when the container cannot be created or its command not executed
     * @throws ContainerTimeoutException when it does not become ready in time (it is removed then)
     */
    public Container start() {
        Instance instance = engine().core().create(config, false);
        Container container = new Container(instance);
        try {
            instance.start();
            if (wait != null) {
                wait.await(container);
            }
            return container;
        } catch (RuntimeException e) {
            instance.remove();
            throw e;
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("ContainerSpec{image=").append(config.image);
        List<String> parts = new ArrayList<>();
        if (config.name != null) {
            parts.add("name=" + config.name);
        }
        if (config.entrypoint != null) {
            parts.add("entrypoint=" + config.entrypoint);
        }
        if (config.command != null) {
            parts.add("command=" + config.command);
        }
        if (!config.env.isEmpty()) {
            parts.add("env=" + config.env.keySet());
        }
        if (config.workingDir != null) {
            parts.add("workingDir=" + config.workingDir);
        }
        if (config.user != null) {
            parts.add("user=" + config.user);
        }
        for (ContainerConfig.Volume v : config.volumes) {
            parts.add(v.kind().name().toLowerCase(java.util.Locale.ROOT) + "=" + (v.source() == null ? ""
                    : v.source() + ":") + v.target() + (v.readOnly() ? ":ro" : ""));
        }
        for (ContainerConfig.FileCopy f : config.files) {
            parts.add("file=" + f.target());
        }
        if (config.memoryBytes != null) {
            parts.add("memory=" + config.memoryBytes);
        }
        if (config.cpus != null) {
            parts.add("cpus=" + config.cpus);
        }
        if (config.pidsLimit != null) {
            parts.add("pids=" + config.pidsLimit);
        }
        if (config.hostname != null) {
            parts.add("hostname=" + config.hostname);
        }
        if (!config.labels.isEmpty()) {
            parts.add("labels=" + config.labels);
        }
        if (config.readOnlyRootfs) {
            parts.add("readOnlyRootfs");
        }
        if (!config.capAdd.isEmpty()) {
            parts.add("capAdd=" + config.capAdd);
        }
        if (!config.capDrop.isEmpty()) {
            parts.add("capDrop=" + config.capDrop);
        }
        if (config.privileged) {
            parts.add("privileged");
        }
        if (config.network != ContainerConfig.Network.NONE) {
            parts.add("network=" + config.network);
        }
        if (!config.networks.isEmpty()) {
            parts.add("networks=" + config.networks);
        }
        if (!config.networkAliases.isEmpty()) {
            parts.add("aliases=" + config.networkAliases);
        }
        if (config.networkOf != null) {
            parts.add("networkOf=" + config.networkOf);
        }
        if (!config.ports.isEmpty()) {
            parts.add("ports=" + config.ports);
        }
        if (config.terminal != null) {
            parts.add("tty=" + config.terminal.columns() + "x" + config.terminal.rows());
        }
        if (config.stdin != null) {
            parts.add("stdin=" + config.stdin.length + " bytes");
        }
        if (config.timeout != null) {
            parts.add("timeout=" + config.timeout);
        }
        if (config.autoRemove) {
            parts.add("autoRemove");
        }
        if (config.stopSignal != null) {
            parts.add("stopSignal=" + config.stopSignal);
        }
        if (wait != null) {
            parts.add("waitingFor=" + wait);
        }
        if (engine != null) {
            parts.add("engine=" + engine.root());
        }
        for (String p : parts) {
            s.append(", ").append(p);
        }
        return s.append('}').toString();
    }
}
