package dev.stevedore.examples.cli;

import dev.stevedore.Container;
import dev.stevedore.ContainerState;
import dev.stevedore.ExecProcess;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The background JVM of {@code run -d}: starts the container, reports its id through a file, then
 * answers {@code info}, {@code logs}, {@code exec-attach}, {@code stop} and {@code rm} on a Unix socket
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
                SocketChannel ch = null;
                try {
                    ch = server.accept();
                    if (s.serve(ch, socket)) {
                        ch = null;
                    }
                } catch (IOException e) {
                    // A client that went away mid-request: serve the next one.
                } finally {
                    if (ch != null) {
                        ch.close();
                    }
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

    /** @return whether the connection was handed to an attached exec, which closes it */
    private boolean serve(SocketChannel ch, Path socket) throws IOException {
        DataInputStream in = Control.input(ch);
        DataOutputStream out = Control.output(ch);
        List<String> request = Control.readRequest(in);
        String command = request.get(0);
        List<String> args = request.subList(1, request.size());
        Control.Reply reply;
        try {
            switch (command) {
                case "info" -> reply = new Control.Reply(0, String.join("\t", container.id(), options.image,
                        String.join(" ", container.command()), created.toString(), state()), "");
                case "logs" -> reply = new Control.Reply(0, container.stdout(), container.stderr());
                case "exec-attach" -> {
                    // On a thread of its own: other requests (logs, stop) go on meanwhile.
                    Thread relay = new Thread(() -> attach(ch, in, out, args), "stevedore-exec-attach");
                    relay.setDaemon(true);
                    relay.start();
                    return true;
                }
                case "stop" -> {
                    container.stop(Duration.ofSeconds(Long.parseLong(args.get(0))));
                    reply = new Control.Reply(0, container.id() + "\n", "");
                }
                case "rm" -> {
                    Control.writeReply(out, new Control.Reply(0, container.id() + "\n", ""));
                    finish(socket);
                    return false;
                }
                default -> reply = new Control.Reply(125, "", "unknown request " + command + "\n");
            }
        } catch (RuntimeException e) {
            reply = new Control.Reply(125, "", e.getMessage() + "\n");
        }
        Control.writeReply(out, reply);
        return false;
    }

    /**
     * Runs an exec whose streams go over the connection as {@link Control.Frame}s.
     *
     * @param args "tty" or "pipes", the terminal's columns and rows, then the command
     */
    private void attach(SocketChannel ch, DataInputStream in, DataOutputStream out, List<String> args) {
        try (ch) {
            List<String> command = args.subList(3, args.size());
            ExecProcess p;
            try {
                p = args.get(0).equals("tty") ? container.execStartWithTty(Integer.parseInt(args.get(1)),
                        Integer.parseInt(args.get(2)), command.toArray(String[]::new))
                        : container.execStart(command.toArray(String[]::new));
            } catch (RuntimeException e) {
                Control.writeFrame(out, 'x', e.getMessage() + "\n");
                Control.writeFrame(out, 's', "125");
                return;
            }
            try (p) {
                Thread stdout = pump(p.stdout(), 'o', out);
                Thread stderr = pump(p.stderr(), 'x', out);
                Thread input = new Thread(() -> relayInput(in, p), "stevedore-exec-input");
                input.setDaemon(true);
                input.start();
                stdout.join();
                stderr.join();
                Control.writeFrame(out, 's', Integer.toString(p.waitFor()));
            }
        } catch (IOException e) {
            // The command's side went away: closing the process above killed it.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Types what the command's side sends; if that side goes away, the process is killed. */
    private static void relayInput(DataInputStream in, ExecProcess p) {
        try {
            while (true) {
                Control.Frame f = Control.readFrame(in);
                switch (f.type()) {
                    case 'i' -> {
                        p.stdin().write(f.body());
                        p.stdin().flush();
                    }
                    case 'e' -> p.stdin().close();
                    case 'r' -> {
                        String[] size = f.text().split(" ");
                        p.resizeTerminal(Integer.parseInt(size[0]), Integer.parseInt(size[1]));
                    }
                    default -> throw new IOException("unknown frame " + f.type());
                }
            }
        } catch (IOException | RuntimeException e) {
            // The command's side reads until the status: a connection ending before is a command gone.
            if (p.waitFor(Duration.ZERO).isEmpty()) {
                p.kill("KILL");
            }
        }
    }

    private static Thread pump(java.io.InputStream from, char type, DataOutputStream to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = from.read(buf)) > 0; ) {
                    Control.writeFrame(to, type, buf, n);
                }
            } catch (IOException e) {
                // The process's stream ended (or the command's side went away).
            }
        }, "stevedore-exec-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private String state() {
        ContainerState s = container.state();
        if (s == ContainerState.EXITED) {
            return "Exited (" + container.waitFor().exitCode() + ")";
        }
        return s == ContainerState.RUNNING ? "Up" : s == ContainerState.PAUSED ? "Up (Paused)" : s.toString();
    }
}
