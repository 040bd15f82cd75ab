package dev.stevedore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a started container counts as ready: {@link ContainerSpec#start()} returns only once the
 * condition holds, and fails with a {@link ContainerTimeoutException} saying what was awaited when
 * it does not hold in time (60 seconds unless {@link #withTimeout} says otherwise). Immutable.
 *
 * <pre>{@code
 * Containers.image("busybox:1.36")
 *     .withCommand("sh", "-c", "sleep 1; echo ready; nc -l -p 8080")
 *     .waitingFor(Wait.forLogMessage("ready").withTimeout(Duration.ofSeconds(5)))
 *     .start();
 * }</pre>
 */
public final class Wait {

    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    private static final long POLL_MILLIS = 5;

    private final String description;
    private final Predicate<Container> check;
    private final Duration timeout;

    private Wait(String description, Predicate<Container> check, Duration timeout) {
        this.description = description;
        this.check = check;
        this.timeout = timeout;
    }

    /**
     * Ready when the container's output (stdout or stderr) contains a match for {@code regex};
     * {@code ^} and {@code $} match at line starts and ends.
     *
     * @param regex a {@link Pattern}, such as {@code "ready"} or {@code "^listening on .*$"}
     * @return the condition
     */
    public static Wait forLogMessage(String regex) {
        return forLogMessage(regex, 1);
    }

    /**
     * Ready when the container's output contains {@code times} matches for {@code regex}.
     *
     * @param regex a {@link Pattern}; {@code ^} and {@code $} match at line starts and ends
     * @param times how many matching lines are needed
     * @return the condition
     */
    public static Wait forLogMessage(String regex, int times) {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1, not " + times);
        }
        return new Wait("a log line matching /" + regex + "/" + (times > 1 ? " " + times + " times" : ""), c -> {
            Matcher m = pattern.matcher(c.logs());
            int found = 0;
            while (found < times && m.find()) {
                found++;
            }
            return found >= times;
        }, DEFAULT_TIMEOUT);
    }

    /**
     * Ready when a command run in the container with {@link Container#exec} exits with 0.
     *
     * @param command the command, executable first
     * @return the condition
     */
    public static Wait forCommand(String... command) {
        List<String> args = List.of(command);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("forCommand needs a command: give at least the executable");
        }
        return new Wait("command " + args + " to exit with 0", c -> c.exec(command).exitCode() == 0, DEFAULT_TIMEOUT);
    }

    /**
     * Ready when a process in the container listens on a TCP port (IPv4 or IPv6), as the
     * container's network namespace shows in {@code /proc/net/tcp}.
     *
     * @param port the port, 1 to 65535
     * @return the condition
     */
    public static Wait forListeningPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be from 1 to 65535, not " + port);
        }
        String hex = String.format(Locale.ROOT, ":%04X ", port);
        return new Wait("TCP port " + port + " to listen", c -> listens(c.pid(), hex), DEFAULT_TIMEOUT);
    }

    private static boolean listens(long pid, String hexPort) {
        for (String table : List.of("tcp", "tcp6")) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "net", table))) {
                    String[] f = line.trim().split("\\s+");
                    // local_address is f[1] (ADDR:PORT in hex), st is f[3]; 0A is TCP_LISTEN.
                    if (f.length > 3 && (f[1] + " ").endsWith(hexPort) && f[3].equals("0A")) {
                        return true;
                    }
                }
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    /**
     * @param limit how long to wait at most
     * @return a copy with this timeout
     */
    public Wait withTimeout(Duration limit) {
        Objects.requireNonNull(limit, "limit");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + limit);
        }
        return new Wait(description, check, limit);
    }

    /** @return how long it waits at most */
    public Duration timeout() {
        return timeout;
    }

    /**
     * Polls the condition until it holds.
     *
     * @param container the started container
     * @throws ContainerTimeoutException naming what was awaited when it does not hold in time, or
     *     when the container exits first
     */
    void await(Container container) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            if (check.test(container)) {
                return;
            }
            if (container.state() != ContainerState.RUNNING) {
                throw new ContainerTimeoutException("container \"" + container.id() + "\" " + container.state()
                        .toString().toLowerCase(Locale.ROOT) + " while waiting for " + description + "; its output: "
                        + tail(container.logs()), null);
            }
            if (System.nanoTime() > deadline) {
                throw new ContainerTimeoutException("container \"" + container.id() + "\" was not ready within "
                        + timeout + ": waited for " + description + "; its output: " + tail(container.logs())
                        + "; check the condition or raise withTimeout(...)", null);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerException("interrupted while waiting for " + description, e);
            }
        }
    }

    private static String tail(String logs) {
        String t = logs.strip();
        return t.isEmpty() ? "(none)" : t.length() <= 300 ? t : "..." + t.substring(t.length() - 300);
    }

    @Override
    public String toString() {
        return "Wait{" + description + ", timeout=" + timeout + "}";
    }
}
