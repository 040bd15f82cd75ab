package dev.stevedore.examples.cli;

import dev.stevedore.Container;
import dev.stevedore.ContainerState;
import dev.stevedore.ExecResult;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The background JVM of {@code run -d}: starts the container, reports its id through a file, then
 * answers {@code info}, {@code logs}, {@code exec}, {@code stop} and {@code rm} on a Unix socket
 * until the container is removed.
 */
final class Supervisor {

    private final Container container;
    private final RunOptions options;
    private final Instant created = Instant.now();
    private volatile boolean done;

    private Supervisor(Container container, RunOptions options) {
        this.container = container;
        this.options = options;
    }

    static void main(Path root, Path readyFile, List<String> runArgs) throws IOException {
        Container container;
        RunOptions options;
        try {
            options = RunOptions.parse(runArgs);
            container = options.spec.start();
        } catch (RuntimeException e) {
            Files.writeString(readyFile, "error " + e.getMessage());
            System.exit(125);
            return;
        }
        Path dir = Files.createDirectories(Control.socketDir(root));
        Path socket = dir.resolve(container.id() + ".sock");
        Files.deleteIfExists(socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Files.writeString(readyFile, "id " + container.id());
            Supervisor s = new Supervisor(container, options);
            if (options.remove) {
                Thread watcher = new Thread(() -> {
                    container.waitFor();
                    s.finish(socket);
                }, "rm-on-exit");
                watcher.setDaemon(true);
                watcher.start();
            }
            while (!s.done) {
                try (SocketChannel ch = server.accept()) {
                    s.serve(ch, socket);
                } catch (IOException e) {
                    // A client that went away mid-request: serve the next one.
                }
            }
        } finally {
            Files.deleteIfExists(socket);
        }
        System.exit(0);
    }

    private void finish(Path socket) {
        done = true;
        container.close();
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // The socket goes with the next ps anyway.
        }
        System.exit(0);
    }

    private void serve(SocketChannel ch, Path socket) throws IOException {
        DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
        DataOutputStream out = new DataOutputStream(Channels.newOutputStream(ch));
        List<String> request = Control.readRequest(in);
        String command = request.get(0);
        List<String> args = request.subList(1, request.size());
        Control.Reply reply;
        try {
            switch (command) {
                case "info" -> reply = new Control.Reply(0, String.join("\t", container.id(), options.image,
                        String.join(" ", container.command()), created.toString(), state()), "");
                case "logs" -> reply = new Control.Reply(0, container.stdout(), container.stderr());
                case "exec" -> {
                    ExecResult r = container.exec(args.toArray(String[]::new));
                    reply = new Control.Reply(r.exitCode(), r.stdout(), r.stderr());
                }
                case "stop" -> {
                    container.stop(Duration.ofSeconds(Long.parseLong(args.get(0))));
                    reply = new Control.Reply(0, container.id() + "\n", "");
                }
                case "rm" -> {
                    Control.writeReply(out, new Control.Reply(0, container.id() + "\n", ""));
                    finish(socket);
                    return;
                }
                default -> reply = new Control.Reply(125, "", "unknown request " + command + "\n");
            }
        } catch (RuntimeException e) {
            reply = new Control.Reply(125, "", e.getMessage() + "\n");
        }
        Control.writeReply(out, reply);
    }

    private String state() {
        ContainerState s = container.state();
        if (s == ContainerState.EXITED) {
            return "Exited (" + container.waitFor().exitCode() + ")";
        }
        return s == ContainerState.RUNNING ? "Up" : s.toString();
    }
}
