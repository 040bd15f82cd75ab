package dev.stevedore.internal.engine;

import dev.stevedore.ContainerException;
import dev.stevedore.ContainerState;
import dev.stevedore.ContainerTimeoutException;
import dev.stevedore.ExecResult;
import dev.stevedore.image.Image;
import dev.stevedore.internal.network.ContainerNetwork;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.ContainerStats;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A container the engine created: its backend handle, snapshot, state directory and logs. The
 * public {@code Container} and {@code ContainerSpec.run()} are thin layers over this.
 */
public final class Instance {

    static final String SNAPSHOT = "snapshot";

    final EngineCore engine;
    final String id;
    private final Path dir;
    private final ContainerConfig config;
    private final StoredImage image;
    private final ContainerHandle handle;
    private final Spec spec;
    private final int stopSignal;
    private final boolean pipes;
    /** Its addresses, veth pairs and ports; null with the none and host modes. */
    private final ContainerNetwork network;
    private final CompletableFuture<Integer> exit = new CompletableFuture<>();
    private volatile long startNanos;
    private volatile long exitNanos;
    private volatile boolean killedByUs;
    private volatile boolean removed;

    private Instance(EngineCore engine, String id, Path dir, ContainerConfig config, StoredImage image,
            ContainerHandle handle, Spec spec, int stopSignal, boolean pipes, ContainerNetwork network) {
        this.engine = engine;
        this.id = id;
        this.dir = dir;
        this.config = config;
        this.image = image;
        this.handle = handle;
        this.spec = spec;
        this.stopSignal = stopSignal;
        this.pipes = pipes;
        this.network = network;
    }

    static Instance create(EngineCore engine, String id, Path dir, ContainerConfig config, StoredImage image,
            boolean pipes) {
        Path rootfs = dir.resolve(EngineCore.ROOTFS);
        Path snapshot = dir.resolve(SNAPSHOT);
        try {
            Files.createDirectory(snapshot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create '" + snapshot + "'", e);
        }
        List<RootfsMount> mounts = engine.snapshotter().prepare(snapshot, image.layers, config.readOnlyRootfs);
        RuntimeSpecs.Assembled assembled = RuntimeSpecs.assemble(config, image.image.runConfig(), config.image,
                new ImageFiles(image), rootfs, new NamedVolumes(engine));
        // Always pipes: the backend keeps helpers prepared for the streams last asked for, and
        // per-container files would never match them. Started containers' output is copied to
        // log files by pool threads.
        Stdio stdio = Stdio.pipes();
        ContainerNetwork network = Networking.prepare(engine, id, config, dir);
        Spec spec = network == null ? assembled.spec() : network.apply(assembled.spec());
        ContainerHandle handle;
        try {
            try {
                // Everything above goes on while a fresh engine's backend is still opening on an io thread:
                // only here is it needed.
                ContainerRuntime runtime = engine.runtime();
                // The backend's id is unique per creation: a name can be reused while the previous
                // container of that name is still being deleted in the background.
                handle = runtime.create(Ids.next() + "-" + Ids.next(), spec, mounts, stdio);
            } catch (ContainerBackendException e) {
                throw new ContainerException("cannot create container \"" + id + "\" from image \"" + config.image
                        + "\": " + e.getMessage(), e);
            }
            Networking.connect(network, handle);
        } catch (RuntimeException e) {
            Networking.release(network);
            throw e;
        }
        Instance instance = new Instance(engine, id, dir, config, image, handle, spec, assembled.stopSignal(), pipes,
                network);
        try {
            for (ContainerConfig.FileCopy f : config.files) {
                if (f.hostPath() != null) {
                    ContainerFiles.copyIn(instance.procRoot(), f.hostPath(), f.target(), dir);
                } else {
                    ContainerFiles.write(instance.procRoot(), f.content(), f.target(), f.mode());
                }
            }
        } catch (RuntimeException e) {
            handle.delete();
            Networking.release(network);
            throw readOnlyHint(e, config);
        }
        return instance;
    }

    private static RuntimeException readOnlyHint(RuntimeException e, ContainerConfig config) {
        if (config.readOnlyRootfs && e.getCause() instanceof java.nio.file.FileSystemException) {
            return new IllegalArgumentException(e.getMessage() + ": the root filesystem is read-only; copy into a"
                    + " volume or tmpfs instead", e);
        }
        return e;
    }

    /** @return the container id */
    public String id() {
        return id;
    }

    /** @return the image it runs */
    public Image image() {
        return image.image;
    }

    /** @return the settings it was created with */
    public ContainerConfig config() {
        return config;
    }

    /** @return the arguments of its process */
    public List<String> command() {
        return spec.process().args();
    }

    /** @return its networking (addresses, ports, hosts file), or null in the none and host modes */
    public ContainerNetwork network() {
        return network;
    }

    /**
     * @param containerPort a published container port
     * @param udp whether it is a UDP port
     * @return the host port it is published on
     */
    public int mappedPort(int containerPort, boolean udp) {
        if (network == null) {
            throw new IllegalArgumentException("container \"" + id + "\" publishes no ports; publish " + containerPort
                    + " with " + (udp ? "withExposedUdpPorts(" : "withExposedPorts(") + containerPort + ")");
        }
        return network.mappedPort(containerPort, udp);
    }

    /** @return the host pid of its first process */
    public long pid() {
        return handle.pid();
    }

    private Path procRoot() {
        return Path.of("/proc", Long.toString(handle.pid()), "root");
    }

    /**
     * @return where it is in its life; a started container counts as running until its exit is
     *     recorded with all of its output in the logs, so followers never miss the last lines
     */
    public ContainerState state() {
        if (removed) {
            return ContainerState.REMOVED;
        }
        if (handle.state() == dev.stevedore.spi.ContainerState.CREATED) {
            return ContainerState.CREATED;
        }
        if (startNanos == 0) {
            return ContainerState.EXITED;
        }
        if (exit.isDone()) {
            return ContainerState.EXITED;
        }
        return handle.state() == dev.stevedore.spi.ContainerState.PAUSED ? ContainerState.PAUSED : ContainerState.RUNNING;
    }

    /** Freezes every process of the container. */
    public void pause() {
        requireRunning("pause");
        handle.pause();
    }

    /** Thaws a paused container. */
    public void resume() {
        if (state() != ContainerState.PAUSED) {
            throw new IllegalStateException("container \"" + id + "\" is " + state().name().toLowerCase(java.util.Locale.ROOT)
                    + ", not paused; only a paused container can be resumed");
        }
        handle.resume();
    }

    private void requireRunning(String verb) {
        if (state() != ContainerState.RUNNING) {
            throw new IllegalStateException("cannot " + verb + " container \"" + id + "\": it is "
                    + state().name().toLowerCase(java.util.Locale.ROOT) + ", not running");
        }
    }

    boolean exited() {
        return !removed && state() == ContainerState.EXITED;
    }

    /**
     * Executes the process; pool threads copy its output to the log files, and one waits for its
     * exit (and removes it when auto-removal is on).
     */
    public void start() {
        begin();
        feedStdin(handle.stdin(), config.stdin);
        CompletableFuture<Void> out = CompletableFuture.runAsync(() -> pump(handle.stdout(), "stdout.log"), engine.io);
        CompletableFuture<Void> err = CompletableFuture.runAsync(() -> pump(handle.stderr(), "stderr.log"), engine.io);
        engine.io.execute(() -> {
            int status = handle.waitFor();
            exitNanos = System.nanoTime();
            CompletableFuture.allOf(out, err).exceptionally(e -> null).join();
            exit.complete(status);
            if (config.autoRemove) {
                remove();
            }
        });
    }

    private void pump(InputStream from, String log) {
        try (from; OutputStream to = Files.newOutputStream(dir.resolve(log), java.nio.file.StandardOpenOption.APPEND)) {
            byte[] buffer = new byte[8192];
            int n;
            while ((n = from.read(buffer)) >= 0) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // The container was removed (its state directory moved away or its pipe closed).
        }
    }

    private void begin() {
        try {
            startNanos = System.nanoTime();
            handle.start();
        } catch (ContainerBackendException e) {
            OptionalInt status = e.exitStatus();
            exit.complete(status.orElse(-1));
            throw new ContainerException("container \"" + id + "\" (image \"" + config.image + "\", command "
                    + command() + ") could not start: " + e.getMessage()
                    + (status.orElse(0) == 127 ? "; check the command and the image's PATH" : ""), e);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("container \"" + id + "\" cannot be started: it is " + state(), e);
        }
    }

    /** Starts the process with pipes and runs it to its end, then returns what it wrote. */
    ExecResult runToEnd() {
        begin();
        // Classes rather than lambdas on the first container's path (see EngineCore.Task).
        Future<byte[]> err = engine.io.submit(new java.util.concurrent.Callable<byte[]>() {
            @Override
            public byte[] call() throws IOException {
                return handle.stderr().readAllBytes();
            }
        });
        feedStdin(handle.stdin(), config.stdin);
        ScheduledFuture<?> timeout = config.timeout == null ? null : engine.timer().schedule(() -> {
            killedByUs = true;
            handle.kill(Signals.KILL);
        }, config.timeout.toNanos(), TimeUnit.NANOSECONDS);
        byte[] out = readAll(handle.stdout());
        int status = handle.waitFor();
        long end = System.nanoTime();
        exit.complete(status);
        if (timeout != null) {
            timeout.cancel(false);
        }
        // Not cancel's answer: a kill task still running (its process already dead) counts as cancelled.
        boolean timedOut = killedByUs && status == 128 + Signals.KILL;
        ExecResult result = new ExecResult(command(), status, out, get(err), Duration.ofNanos(end - startNanos),
                oomKilled(status));
        if (timedOut) {
            throw new ContainerTimeoutException("container \"" + id + "\" (command " + command()
                    + ") did not finish within " + config.timeout + " and was killed; raise withTimeout(...)", result);
        }
        return result;
    }

    // Like Docker's OOMKilled: the kernel's OOM killer ended a process of the container. The
    // backend's counter says so when the host keeps one; without it, an unexplained SIGKILL under a
    // memory limit is the best guess. A clean exit needs no cgroup read.
    private boolean oomKilled(int status) {
        if (status == 0) {
            return false;
        }
        long kills = handle.stats().oomKills();
        return kills >= 0 ? kills > 0 : status == 128 + Signals.KILL && !killedByUs && config.memoryBytes != null;
    }

    private void feedStdin(OutputStream stdin, byte[] content) {
        if (content == null || content.length == 0) {
            closeQuietly(stdin);
            return;
        }
        engine.io.execute(() -> {
            try (stdin) {
                stdin.write(content);
            } catch (IOException e) {
                // The process closed its stdin early: it did not want the rest.
            }
        });
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the container's output", e);
        }
    }

    private static byte[] get(Future<byte[]> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while reading a container's output", e);
        } catch (ExecutionException e) {
            throw new UncheckedIOException("cannot read the container's output", (IOException) e.getCause());
        }
    }

    private static void closeQuietly(OutputStream out) {
        try {
            out.close();
        } catch (IOException e) {
            // Nothing was written: nothing is lost.
        }
    }

    /**
     * Waits for the process to end.
     *
     * @param timeout how long at most
     * @return the result, with the logs as output
     * @throws ContainerTimeoutException when it still runs after {@code timeout}
     */
    public ExecResult waitFor(Duration timeout) {
        if (state() == ContainerState.CREATED) {
            throw new IllegalStateException("container \"" + id + "\" was not started; call start() first");
        }
        try {
            int status = exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return new ExecResult(command(), status, logFile("stdout.log"), logFile("stderr.log"),
                    Duration.ofNanos(exitNanos - startNanos), oomKilled(status));
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ContainerTimeoutException("container \"" + id + "\" (command " + command()
                    + ") still runs after " + timeout + "; stop it or wait longer", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerException("interrupted while waiting for container \"" + id + "\"", e);
        } catch (ExecutionException e) {
            throw new ContainerException("container \"" + id + "\" failed", e.getCause());
        }
    }

    /**
     * @param name {@code stdout.log} or {@code stderr.log}
     * @return the log's bytes so far
     */
    public byte[] logFile(String name) {
        if (pipes) {
            return new byte[0];
        }
        try {
            return Files.readAllBytes(dir.resolve(name));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalStateException("container \"" + id + "\" was removed: its logs are gone");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the logs of container \"" + id + "\"", e);
        }
    }

    /** @return the path of a log file, for following it */
    public Path logPath(String name) {
        return dir.resolve(name);
    }

    /**
     * Runs another process in the running container, as its own process runs (user, env, working
     * directory, capabilities).
     *
     * @param command the arguments, executable first
     * @param timeout how long it may run, or null for no limit
     * @return how it ended and what it wrote; exit code 127 with the reason on stderr when the
     *     executable is missing
     */
    public ExecResult exec(List<String> command, Duration timeout) {
        long start = System.nanoTime();
        // As docker exec without -t: pipes, whether or not the container's own process has a terminal.
        ContainerProcess p = execStart(command, null);
        closeQuietly(p.stdin());
        Future<byte[]> err = engine.io.submit(() -> p.stderr().readAllBytes());
        boolean[] killed = {false};
        ScheduledFuture<?> kill = timeout == null ? null : engine.timer().schedule(() -> {
            killed[0] = true;
            p.kill(Signals.KILL);
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        byte[] out = readAll(p.stdout());
        int status = p.waitFor();
        if (kill != null) {
            kill.cancel(false);
        }
        ExecResult result = new ExecResult(command, status, out, get(err), Duration.ofNanos(System.nanoTime() - start),
                false);
        if (killed[0]) {
            throw new ContainerTimeoutException("exec " + command + " in container \"" + id + "\" did not finish"
                    + " within " + timeout + " and was killed", result);
        }
        return result;
    }

    /**
     * Starts another process in the running container and returns at once, as {@code docker exec -i}
     * (or {@code -it}) does.
     *
     * @param command the arguments, executable first
     * @param terminal the pseudo-terminal it gets, or null for pipes
     * @return the process; one that could not be executed has ended with the status
     *     {@code docker exec} gives (127 for a missing executable) and the reason on standard error
     * @throws ContainerException when the backend fails otherwise
     */
    public ContainerProcess execStart(List<String> command, ContainerConfig.Terminal terminal) {
        try {
            return spawn(command, terminal);
        } catch (ContainerBackendException e) {
            if (e.exitStatus().isPresent()) {
                return new NotExecuted(e.exitStatus().getAsInt(), e.getMessage());
            }
            throw new ContainerException("cannot exec " + command + " in container \"" + id + "\": " + e.getMessage(),
                    e);
        }
    }

    private ContainerProcess spawn(List<String> command, ContainerConfig.Terminal terminal) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("exec needs a command: give at least the executable");
        }
        Process process = spec.process().withArgs(command).withTerminal(false).withConsoleSize(null);
        if (terminal != null) {
            process = RuntimeSpecs.withTerminal(process, terminal);
        }
        try {
            return handle.exec(process, Stdio.pipes());
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot exec " + command + " in container \"" + id + "\": it is "
                    + state() + "; exec needs a running container", e);
        }
    }

    /**
     * @return the input of the container's terminal: bytes written are keys typed
     * @throws IllegalStateException when it has no terminal
     */
    public OutputStream terminalInput() {
        requireTerminal("write to the terminal of");
        return handle.stdin();
    }

    /**
     * @param columns the terminal's new width
     * @param rows the terminal's new height
     */
    public void resizeTerminal(int columns, int rows) {
        ContainerConfig.Terminal.check(columns, rows);
        requireTerminal("resize the terminal of");
        ContainerState s = state();
        if (s == ContainerState.EXITED || s == ContainerState.REMOVED) {
            throw new IllegalStateException("cannot resize the terminal of container \"" + id + "\": it is "
                    + s.name().toLowerCase(java.util.Locale.ROOT));
        }
        handle.resizeTerminal(columns, rows);
    }

    private void requireTerminal(String what) {
        if (config.terminal == null) {
            throw new IllegalStateException("cannot " + what + " container \"" + id + "\": it has no terminal; ask"
                    + " for one with withTty()");
        }
    }

    /** @return resource usage now */
    public ContainerStats stats() {
        return handle.stats();
    }

    /** @param signal the signal number to send to the container's process */
    public void kill(int signal) {
        ContainerState s = state();
        if (s == ContainerState.RUNNING || s == ContainerState.CREATED || s == ContainerState.PAUSED) {
            killedByUs = true;
            handle.kill(signal);
        }
    }

    /**
     * Sends the stop signal, then SIGKILL if the process still runs after the grace period.
     *
     * @param grace how long the process may take to exit
     */
    public void stop(Duration grace) {
        if (state() == ContainerState.PAUSED) {
            // As docker stop does: a frozen process could not act on the stop signal.
            handle.resume();
        }
        if (state() != ContainerState.RUNNING) {
            return;
        }
        kill(stopSignal);
        if (handle.waitFor(grace).isEmpty()) {
            kill(Signals.KILL);
            handle.waitFor();
        }
        // Returns once the exit is recorded (output copied), so the state reads EXITED from here on.
        try {
            exit.get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            // The process is dead; a stuck output copy is no reason to fail the stop.
        }
    }

    /**
     * Removes the container. Idempotent. Its process is killed right away and its state directory
     * renamed out of the way, so the name is free again at once; the rest (waiting for the kill, the
     * cgroup, the snapshot, the logs) happens on the engine's cleanup thread, as containerd's
     * garbage collection does, so a test loop does not wait for file deletion. The emptied
     * directory may be kept for the next container.
     */
    public void remove() {
        synchronized (this) {
            if (removed) {
                return;
            }
            removed = true;
        }
        engine.forget(this);
        if (handle.state() != dev.stevedore.spi.ContainerState.STOPPED) {
            killedByUs = true;
            handle.kill(Signals.KILL);
        }
        if (network != null) {
            network.removing();
        }
        Path moved = engine.moveToTrash(dir);
        engine.background(new Runnable() {
            @Override
            public void run() {
                try {
                    handle.delete();
                } finally {
                    try {
                        Networking.release(network);
                    } finally {
                        engine.release(moved);
                    }
                }
            }
        });
    }

    /** Copies a host file or directory to a path in the container, which must be created or running. */
    public void copyIn(Path host, String containerPath) {
        requireLive("copy into");
        ContainerFiles.copyIn(procRoot(), host, containerPath, dir);
    }

    /** Copies a container file or directory to a host path; the container must not be removed. */
    public void copyOut(String containerPath, Path host) {
        if (stoppedWithFiles("copy from")) {
            ContainerFiles.copyOut(stoppedView(), spec.mounts(), containerPath, host, dir);
        } else {
            ContainerFiles.copyOut(procRoot(), containerPath, host, dir);
        }
    }

    /** @return a container file's content; the container must not be removed */
    public byte[] readFile(String containerPath) {
        if (stoppedWithFiles("read a file of")) {
            return ContainerFiles.read(stoppedView(), spec.mounts(), containerPath);
        }
        return ContainerFiles.read(procRoot(), containerPath);
    }

    /** @return whether the process has exited, so its files are reachable only through its snapshot */
    private boolean stoppedWithFiles(String what) {
        ContainerState s = state();
        if (s == ContainerState.REMOVED) {
            throw new IllegalStateException("cannot " + what + " container \"" + id + "\": it was removed with its"
                    + " files; copy them out before close() (or commit() to keep them as an image)");
        }
        return s == ContainerState.EXITED;
    }

    private dev.stevedore.internal.layer.RootfsView stoppedView() {
        try {
            return new dev.stevedore.internal.layer.RootfsView(engine.snapshotter().view(dir.resolve(SNAPSHOT),
                    image.layers));
        } catch (UnsupportedOperationException e) {
            throw new IllegalStateException("cannot read the files of container \"" + id + "\" after its exit: "
                    + e.getMessage() + "; copy them out while it runs", e);
        }
    }

    private void requireLive(String what) {
        ContainerState s = state();
        if (s == ContainerState.EXITED || s == ContainerState.REMOVED) {
            throw new IllegalStateException("cannot " + what + " container \"" + id + "\": it is " + s
                    + "; files can be copied in only while it runs");
        }
    }

    /**
     * Writes the container's changes as a new layer on its image.
     *
     * @param name the name to store the new image under
     * @return the new image
     */
    public Image commit(String name) {
        if (removed) {
            throw new IllegalStateException("cannot commit container \"" + id + "\": it was removed");
        }
        return engine.images.addLayer(image.image, name, "stevedore commit " + id + " " + command(),
                tar -> engine.snapshotter().writeChanges(dir.resolve(SNAPSHOT), image.layers, tar));
    }

    @Override
    public String toString() {
        return "Container{id=" + id + ", image=" + config.image + ", state=" + state() + ", pid=" + handle.pid() + "}";
    }

    // The two functions below are classes, not method references: each reference would be a class
    // spun at run time on the first container's path.

    /** Reads a file of the image, for {@link RuntimeSpecs#assemble}. */
    private static final class ImageFiles implements Function<String, Optional<String>> {
        private final StoredImage image;

        ImageFiles(StoredImage image) {
            this.image = image;
        }

        @Override
        public Optional<String> apply(String absolutePath) {
            return image.read(absolutePath);
        }
    }

    /** The engine's directory behind a named volume, for {@link RuntimeSpecs#assemble}. */
    private static final class NamedVolumes implements Function<String, Path> {
        private final EngineCore engine;

        NamedVolumes(EngineCore engine) {
            this.engine = engine;
        }

        @Override
        public Path apply(String name) {
            return engine.volume(name);
        }
    }
}
