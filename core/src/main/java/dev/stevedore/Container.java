package dev.stevedore;

import dev.stevedore.image.Image;
import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.Instance;
import dev.stevedore.internal.engine.Signals;
import dev.stevedore.spi.ContainerStats;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A started container. Closing it kills its process if it still runs (as {@code docker rm -f}
 * does; call {@link #stop(Duration)} first for a graceful stop) and removes it: its root
 * filesystem changes, logs and state. Safe for use by several threads.
 *
 * <pre>{@code
 * try (Container c = Containers.image("busybox:1.36").withCommand("sleep", "60").start()) {
 *     ExecResult r = c.exec("hostname");
 *     c.copyTo(Path.of("app.conf"), "/etc/app.conf");
 * }
 * }</pre>
 */
public final class Container implements AutoCloseable {

    /** How long {@link #stop()} lets the process exit before killing it, as {@code docker stop}. */
    public static final Duration DEFAULT_STOP_GRACE = Duration.ofSeconds(10);

    private static final Duration WAIT_FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final Instance instance;

    Container(Instance instance) {
        this.instance = instance;
    }

    /** @return the container's id: its name when one was given, otherwise 12 random hex digits */
    public String id() {
        return instance.id();
    }

    /** @return the image the container runs */
    public Image image() {
        return instance.image();
    }

    /** @return the arguments of the container's process, executable first */
    public List<String> command() {
        return instance.command();
    }

    /** @return the host's pid of the container's first process */
    public long pid() {
        return instance.pid();
    }

    /**
     * The host port a published container port is reachable on, on the address it was published
     * on ({@code 127.0.0.1} unless {@link ContainerSpec#withPortBinding(String, int, int)} said
     * otherwise), as Testcontainers names it.
     *
     * @param containerPort a port given to {@link ContainerSpec#withExposedPorts} or
     *     {@link ContainerSpec#withPortBinding(int, int)}
     * @return the host port
     * @throws IllegalArgumentException when that port is not published
     */
    public int getMappedPort(int containerPort) {
        return instance.mappedPort(containerPort, false);
    }

    /**
     * The host port a published container UDP port is reachable on.
     *
     * @param containerPort a port given to {@link ContainerSpec#withExposedUdpPorts}
     * @return the host port
     * @throws IllegalArgumentException when that UDP port is not published
     */
    public int getMappedUdpPort(int containerPort) {
        return instance.mappedPort(containerPort, true);
    }

    /**
     * @return the container's address on each bridge network it joined, by network name; empty
     *     in the none and host modes
     */
    public java.util.Map<String, String> networkAddresses() {
        return instance.network() == null ? java.util.Map.of() : instance.network().addresses();
    }

    /**
     * @return the container's IPv6 address on each bridge network it joined, by network name;
     *     empty in the none and host modes
     */
    public java.util.Map<String, String> networkAddresses6() {
        return instance.network() == null ? java.util.Map.of() : instance.network().addresses6();
    }

    /** @return where the container is in its life */
    public ContainerState state() {
        return instance.state();
    }

    /** @return everything the process wrote to standard output so far */
    public String stdout() {
        return new String(instance.logFile("stdout.log"), StandardCharsets.UTF_8);
    }

    /** @return everything the process wrote to standard error so far */
    public String stderr() {
        return new String(instance.logFile("stderr.log"), StandardCharsets.UTF_8);
    }

    /** @return standard output so far, followed by standard error so far */
    public String logs() {
        return stdout() + stderr();
    }

    /**
     * Follows the process's output from its beginning: each complete line of standard output and
     * standard error goes to {@code consumer}, on a background thread, until the container exits
     * and all of its output was passed on, or it is removed.
     *
     * @param consumer receives lines without their line terminator
     */
    public void followOutput(Consumer<String> consumer) {
        followOutput(consumer, () -> { });
    }

    /**
     * Like {@link #followOutput(Consumer)}, and runs {@code onEnd} once the output ended: the
     * container exited and every line was passed on, or it was removed.
     *
     * @param consumer receives lines without their line terminator
     * @param onEnd runs on the following thread after the last line
     */
    public void followOutput(Consumer<String> consumer, Runnable onEnd) {
        Objects.requireNonNull(consumer, "consumer");
        LineSplitter out = new LineSplitter(consumer);
        LineSplitter err = new LineSplitter(consumer);
        follow((fromStderr, bytes, n) -> (fromStderr ? err : out).add(bytes, n), () -> {
            out.flush();
            err.flush();
        }, onEnd);
    }

    /**
     * Follows the process's output from its beginning, bytes as they come: standard output and
     * standard error are copied to {@code sink}, flushed after each piece, on a background thread,
     * until the container exits and all of its output was copied, or it is removed, or
     * {@code sink} fails. With a terminal ({@link ContainerSpec#withTty()}) this is what the
     * terminal shows, prompts and control sequences included, for relaying to another terminal.
     *
     * @param sink receives the output; not closed
     * @param onEnd runs on the following thread after the last byte
     */
    public void followOutput(OutputStream sink, Runnable onEnd) {
        Objects.requireNonNull(sink, "sink");
        follow((fromStderr, bytes, n) -> {
            sink.write(bytes, 0, n);
            sink.flush();
        }, () -> { }, onEnd);
    }

    /** Receives pieces of the logs as they grow. */
    private interface Pieces {
        void accept(boolean fromStderr, byte[] bytes, int length) throws IOException;
    }

    private void follow(Pieces pieces, Runnable atEnd, Runnable onEnd) {
        Objects.requireNonNull(onEnd, "onEnd");
        Path out = instance.logPath("stdout.log");
        Path err = instance.logPath("stderr.log");
        Thread t = new Thread(() -> {
            try {
                follow(out, err, pieces);
                atEnd.run();
            } finally {
                onEnd.run();
            }
        }, "stevedore-follow-" + id());
        t.setDaemon(true);
        t.start();
    }

    private void follow(Path out, Path err, Pieces pieces) {
        try (RandomAccessFile o = new RandomAccessFile(out.toFile(), "r");
                RandomAccessFile e = new RandomAccessFile(err.toFile(), "r")) {
            byte[] buffer = new byte[8192];
            while (true) {
                ContainerState now = state();
                boolean ended = now == ContainerState.EXITED || now == ContainerState.REMOVED;
                boolean read = pass(o, buffer, false, pieces) | pass(e, buffer, true, pieces);
                if (ended && !read) {
                    return;
                }
                if (!read) {
                    Thread.sleep(5);
                }
            }
        } catch (IOException | IllegalStateException ex) {
            // The container was removed while following (or the sink failed): the output ends here.
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean pass(RandomAccessFile file, byte[] buffer, boolean fromStderr, Pieces pieces)
            throws IOException {
        int n = file.read(buffer);
        if (n <= 0) {
            return false;
        }
        pieces.accept(fromStderr, buffer, n);
        return true;
    }

    /** Cuts one stream's bytes into lines, decoded once whole so that no character is split. */
    private static final class LineSplitter {
        private final Consumer<String> consumer;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

        LineSplitter(Consumer<String> consumer) {
            this.consumer = consumer;
        }

        void add(byte[] bytes, int length) {
            int from = 0;
            for (int i = 0; i < length; i++) {
                if (bytes[i] == '\n') {
                    line.write(bytes, from, i - from);
                    from = i + 1;
                    emit();
                }
            }
            line.write(bytes, from, length - from);
        }

        /** Passes on a last line without terminator. */
        void flush() {
            if (line.size() > 0) {
                emit();
            }
        }

        private void emit() {
            consumer.accept(line.toString(StandardCharsets.UTF_8));
            line.reset();
        }
    }

    /**
     * The input of the container's terminal ({@link ContainerSpec#withTty()}): bytes written are keys
     * typed, echoed in the output as a terminal does. Closing it does not end the input; to send
     * end of file, write the terminal's end-of-file character {@code 0x04} (Ctrl-D) at the start of a
     * line, and {@code 0x03} (Ctrl-C) interrupts the foreground process.
     *
     * <pre>{@code
     * try (Container c = Containers.image("busybox:1.36").withTty().withCommand("sh").start()) {
     *     c.terminalInput().write("echo hi; exit 3\n".getBytes(StandardCharsets.UTF_8));
     *     c.waitFor();   // exit code 3; stdout() holds the echo, the prompt and "hi"
     * }
     * }</pre>
     *
     * @return a stream to the terminal; writing fails once the container's processes have ended
     * @throws IllegalStateException when the container has no terminal
     */
    public OutputStream terminalInput() {
        return instance.terminalInput();
    }

    /**
     * Changes the size of the container's terminal, as when a terminal window is resized: its
     * foreground processes get {@code SIGWINCH}.
     *
     * @param columns the width in characters, 1 to 65535
     * @param rows the height in lines, 1 to 65535
     * @throws IllegalArgumentException when a dimension is out of range
     * @throws IllegalStateException when the container has no terminal or has exited
     */
    public void resizeTerminal(int columns, int rows) {
        instance.resizeTerminal(columns, rows);
    }

    /**
     * Waits, without limit, until the process exits.
     *
     * @return its exit code and its logs as output
     */
    public ExecResult waitFor() {
        return instance.waitFor(WAIT_FOREVER);
    }

    /**
     * Waits until the process exits.
     *
     * @param timeout how long to wait at most
     * @return its exit code and its logs as output
     * @throws ContainerTimeoutException when it still runs after {@code timeout}
     */
    public ExecResult waitFor(Duration timeout) {
        return instance.waitFor(timeout);
    }

    /**
     * Runs a command in the running container: in its namespaces and cgroup, as its user, with
     * its environment and working directory. A missing executable gives exit code 127 with the
     * reason on standard error, as {@code docker exec} does.
     *
     * @param command the command, executable first
     * @return how it ended and what it wrote
     * @throws IllegalStateException when the container does not run
     */
    public ExecResult exec(String... command) {
        return instance.exec(List.of(command), null);
    }

    /**
     * Runs a command in the running container, killing it after {@code timeout}.
     *
     * @param timeout how long it may run
     * @param command the command, executable first
     * @return how it ended and what it wrote
     * @throws ContainerTimeoutException when it ran longer than {@code timeout}
     */
    public ExecResult exec(Duration timeout, String... command) {
        return instance.exec(List.of(command), Objects.requireNonNull(timeout, "timeout"));
    }

    /**
     * Starts a command in the running container and returns at once, its standard streams attached
     * as pipes, as {@code docker exec -i} does: it runs in the container's namespaces and cgroup, as
     * its user, with its environment and working directory.
     *
     * @param command the command, executable first
     * @return the running process; close it to kill it. One that cannot be executed has ended, as
     *     with {@code docker exec}: exit code 127 for a missing executable (126 when it cannot run),
     *     the reason on standard error
     * @throws IllegalStateException when the container does not run
     */
    public ExecProcess execStart(String... command) {
        return new ExecProcess(instance.execStart(List.of(command), null), List.of(command), id(), false);
    }

    /**
     * Like {@link #execStart(String...)} with a pseudo-terminal as the command's standard streams,
     * as {@code docker exec -it} gives: {@code TERM=xterm} unless the environment sets it, line
     * editing and echo, and one output stream.
     *
     * @param columns the terminal's width in characters, 1 to 65535
     * @param rows the terminal's height in lines, 1 to 65535
     * @param command the command, executable first
     * @return the running process; close it to kill it. One that cannot be executed has ended with
     *     exit code 127 or 126 and the reason on standard error, as with {@link #execStart}
     * @throws IllegalStateException when the container does not run
     */
    public ExecProcess execStartWithTty(int columns, int rows, String... command) {
        return new ExecProcess(instance.execStart(List.of(command), new ContainerConfig.Terminal(columns, rows)),
                List.of(command), id(), true);
    }

    /**
     * Copies a host file or directory (recursively) into the container. The container path is
     * resolved inside the container: its symbolic links cannot lead outside it.
     *
     * @param host the file or directory to copy
     * @param containerPath the absolute path it gets in the container; missing parents are created
     * @throws IllegalStateException when the container has exited
     */
    public void copyTo(Path host, String containerPath) {
        instance.copyIn(host, containerPath);
    }

    /**
     * Copies a file or directory (recursively) out of the container, while it runs or after its
     * process exited (as {@code docker cp} does on a stopped container), until it is closed. After
     * the exit, files come from its root filesystem as the process left it and from the host
     * directories of its volumes; a tmpfs's content is gone with the process.
     *
     * @param containerPath an absolute path in the container
     * @param host where the copy goes; a directory is created with the copied content
     * @throws IllegalArgumentException when the path does not exist in the container, or was on a
     *     tmpfs of a container that has exited
     * @throws IllegalStateException when the container was closed (removed)
     */
    public void copyFrom(String containerPath, Path host) {
        instance.copyOut(containerPath, host);
    }

    /**
     * Reads a file of the container, while it runs or after its process exited, until it is
     * closed; see {@link #copyFrom(String, Path)}.
     *
     * @param containerPath an absolute path in the container
     * @return the file's content decoded as UTF-8
     * @throws IllegalArgumentException when the file does not exist in the container
     * @throws IllegalStateException when the container was closed (removed)
     */
    public String readFile(String containerPath) {
        return new String(instance.readFile(containerPath), StandardCharsets.UTF_8);
    }

    /**
     * @return resource usage from the container's cgroups: memory now and at its peak, CPU time,
     *     processes, I/O bytes, OOM kills; readable while it runs and after it exited
     */
    public ContainerStats stats() {
        return instance.stats();
    }

    /**
     * Freezes every process of the container (the cgroup freezer), as {@code docker pause} does.
     *
     * @throws IllegalStateException when the container is not running
     */
    public void pause() {
        instance.pause();
    }

    /**
     * Thaws a paused container; signals sent while it was paused take effect now.
     *
     * @throws IllegalStateException when the container is not paused
     */
    public void resume() {
        instance.resume();
    }

    /**
     * Sends a signal to the container's first process.
     *
     * @param signal a name such as {@code SIGHUP} or {@code HUP}, or a number
     */
    public void kill(String signal) {
        instance.kill(Signals.parse(signal));
    }

    /**
     * Stops the container as {@code docker stop} does: its stop signal (the image's StopSignal,
     * SIGTERM by default), then SIGKILL after the grace period. Its logs and files stay until it
     * is closed.
     *
     * @param grace how long the process may take to exit
     */
    public void stop(Duration grace) {
        instance.stop(grace);
    }

    /** Stops the container with a grace period of {@link #DEFAULT_STOP_GRACE}. */
    public void stop() {
        stop(DEFAULT_STOP_GRACE);
    }

    /**
     * Makes an image of the container: its image plus one layer with what the container changed
     * in its root filesystem (volumes and tmpfs excluded).
     *
     * @param name the name to store the new image under, such as {@code myapp:snapshot}
     * @return the new image
     */
    public Image commit(String name) {
        return instance.commit(Objects.requireNonNull(name, "name"));
    }

    /**
     * Makes an image of the container, named {@code commit-ID:latest} after the container's id;
     * see {@link #commit(String)}.
     *
     * @return the new image
     */
    public Image commit() {
        return instance.commit("commit-" + id().toLowerCase(java.util.Locale.ROOT) + ":latest");
    }

    /**
     * Kills the process if it still runs and removes the container. Idempotent.
     */
    @Override
    public void close() {
        instance.remove();
    }

    @Override
    public String toString() {
        return instance.toString();
    }
}
