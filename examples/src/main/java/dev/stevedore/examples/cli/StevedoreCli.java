package dev.stevedore.examples.cli;

import dev.stevedore.BuildSpec;
import dev.stevedore.Container;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.HostReport;
import dev.stevedore.ImageStore;
import dev.stevedore.NetworkMode;
import dev.stevedore.StevedoreException;
import dev.stevedore.image.Image;
import dev.stevedore.image.ImageFormat;
import dev.stevedore.oci.OciJson;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code stevedore run|build|images|pull|push|ps|exec|logs|stop|rm|rmi|inspect|tag|save|load|doctor}: a Docker-like
 * command line on the public API. The store is {@link Engine#defaultRoot()} ({@code -Dstevedore.root}
 * or {@code STEVEDORE_ROOT} to change it).
 */
public final class StevedoreCli {

    private static final String USAGE = """
            Usage: stevedore COMMAND [ARGS]
              run [OPTIONS] IMAGE [COMMAND...]   run a container (see stevedore run --help)
              ps                                 list detached containers
              exec [-i] [-t] ID COMMAND...       run a command in a detached container
              logs ID                            print a detached container's output
              stop [-t SECONDS] ID...            stop detached containers (signal, then SIGKILL)
              rm [-f] ID...                      remove detached containers
              build [OPTIONS] CONTEXT            build an image from a Dockerfile (see stevedore build --help)
              pull IMAGE                         pull an image from a registry
              push IMAGE [REFERENCE]             push an image to a registry
              images                             list images
              rmi IMAGE...                       remove image names
              inspect IMAGE|ID                   print an image's config and manifest, or a container's state
              tag IMAGE NAME                     give an image another name
              save [-o FILE] [--format docker-archive|oci-archive|oci] IMAGE
              load -i FILE|DIR                   import a docker-archive, OCI archive or OCI layout
              doctor                             what this host supports for containers
            """;

    private final java.io.InputStream in;
    private final PrintStream out;
    private final PrintStream err;

    StevedoreCli(java.io.InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    /**
     * @param args the command and its arguments
     */
    public static void main(String[] args) {
        CliLogging.install();
        NativeSha256.use();
        String env = System.getenv("STEVEDORE_ROOT");
        if (env != null && System.getProperty(Engine.ROOT_PROPERTY) == null) {
            System.setProperty(Engine.ROOT_PROPERTY, env);
        }
        if (args.length >= 2 && args[0].equals("__supervise")) {
            try {
                Supervisor.main(Engine.defaultRoot(), Path.of(args[1]), List.of(args).subList(2, args.length));
            } catch (IOException e) {
                System.exit(125);
            }
            return;
        }
        int status = new StevedoreCli(System.in, System.out, System.err).run(List.of(args));
        System.out.flush();
        System.exit(status);
    }

    int run(List<String> args) {
        if (args.isEmpty() || args.get(0).equals("--help") || args.get(0).equals("help")) {
            out.print(USAGE);
            return args.isEmpty() ? 125 : 0;
        }
        List<String> rest = args.subList(1, args.size());
        try {
            switch (args.get(0)) {
                case "run":
                    return runCommand(rest);
                case "ps":
                    return ps();
                case "exec":
                    return exec(rest);
                case "logs":
                    return logs(rest);
                case "stop":
                    return stop(rest);
                case "rm":
                    return rm(rest);
                case "build":
                    return build(rest);
                case "pull":
                    return pull(rest);
                case "push":
                    return push(rest);
                case "images":
                    return images();
                case "rmi":
                    return rmi(rest);
                case "inspect":
                    return inspect(rest);
                case "tag":
                    return tag(rest);
                case "save":
                    return save(rest);
                case "load":
                    return load(rest);
                case "doctor":
                    return doctor();
                default:
                    err.println("stevedore: unknown command \"" + args.get(0) + "\"");
                    err.print(USAGE);
                    return 125;
            }
        } catch (CliException | StevedoreException | IllegalArgumentException | IllegalStateException e) {
            err.println("stevedore: " + e.getMessage());
            return 125;
        } catch (IOException e) {
            err.println("stevedore: " + e);
            return 125;
        }
    }

    private int runCommand(List<String> args) throws IOException {
        if (args.contains("--help")) {
            out.print(RunOptions.USAGE);
            return 0;
        }
        RunOptions o = RunOptions.parse(args);
        if (o.detach) {
            return detach(args);
        }
        if (o.tty) {
            return runInTerminal(o);
        }
        var spec = o.spec;
        if (o.interactive) {
            spec = spec.withStdin(in.readAllBytes());
        }
        try (Container c = spec.start()) {
            return exitAfterOutput(c, end -> c.followOutput(out::println, end));
        }
    }

    /**
     * Waits for a container and for its output to be relayed to the end.
     *
     * @param follow starts relaying the output, running its argument at the end
     * @return the exit code, or 130 when interrupted (as a shell reports Ctrl-C)
     */
    private static int exitAfterOutput(Container c, java.util.function.Consumer<Runnable> follow) {
        java.util.concurrent.CountDownLatch followed = new java.util.concurrent.CountDownLatch(1);
        follow.accept(followed::countDown);
        try {
            ExecResult r = c.waitFor();
            followed.await();
            return r.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /**
     * {@code run -t}: the container's terminal is relayed byte for byte. When this command's own
     * standard input is a terminal, the container's gets its size (and follows its resizing), and
     * with {@code -i} it is put in raw mode meanwhile, so that keys (Ctrl-C included) reach the
     * container's terminal as typed and only that one echoes and edits.
     */
    private int runInTerminal(RunOptions o) {
        LocalTerminal local = LocalTerminal.ofStdin();
        var spec = local == null ? o.spec : o.spec.withTty(local.columns(), local.rows());
        String saved = local != null && o.interactive ? local.makeRaw() : null;
        try (Container c = spec.start()) {
            if (local != null) {
                local.onResize(c::resizeTerminal);
            }
            if (o.interactive) {
                Thread input = new Thread(() -> {
                    try {
                        in.transferTo(c.terminalInput());
                    } catch (IOException e) {
                        // The container's processes have ended: nothing reads the terminal any more.
                    }
                }, "stevedore-terminal-input");
                input.setDaemon(true);
                input.start();
            }
            return exitAfterOutput(c, end -> c.followOutput(out, end));
        } finally {
            if (saved != null) {
                LocalTerminal.restore(saved);
            }
        }
    }

    private int detach(List<String> runArgs) throws IOException {
        Path root = Engine.defaultRoot();
        Files.createDirectories(Control.socketDir(root));
        Path ready = Files.createTempFile(Control.socketDir(root), "start-", ".ready");
        Files.delete(ready);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-D" + Engine.ROOT_PROPERTY + "=" + root, "-cp", System.getProperty("java.class.path"),
                StevedoreCli.class.getName(), "__supervise", ready.toString()));
        List<String> withoutDetach = new ArrayList<>(runArgs);
        withoutDetach.removeIf(a -> a.equals("-d") || a.equals("--detach"));
        cmd.addAll(withoutDetach);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(ready) || Files.size(ready) == 0) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                err.println("stevedore: the background process holding the container exited (status "
                        + (p.isAlive() ? "still running" : p.exitValue()) + ") before it started");
                return 125;
            }
            sleep(5);
        }
        String text = Files.readString(ready);
        Files.delete(ready);
        if (text.startsWith("error ")) {
            err.println("stevedore: " + text.substring(6));
            return 125;
        }
        out.println(text.substring(3));
        return 0;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path socket(String id) throws IOException {
        Path dir = Control.socketDir(Engine.defaultRoot());
        Path exact = dir.resolve(id + ".sock");
        if (Files.exists(exact)) {
            return exact;
        }
        List<Path> matches = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, id + "*.sock")) {
                s.forEach(matches::add);
            }
        }
        if (matches.size() != 1) {
            throw new CliException(matches.isEmpty() ? "no detached container \"" + id + "\"; see stevedore ps"
                    : "\"" + id + "\" matches several containers; give more of the id");
        }
        return matches.get(0);
    }

    private int ps() throws IOException {
        out.printf("%-14s %-20s %-28s %-26s %s%n", "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS");
        Path dir = Control.socketDir(Engine.defaultRoot());
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, "*.sock")) {
            for (Path socket : s) {
                try {
                    String[] f = Control.call(socket, "info", List.of()).out().split("\t");
                    if (f.length < 5) {
                        continue;
                    }
                    out.printf("%-14s %-20s %-28s %-26s %s%n", f[0], f[1], abbreviate("\"" + f[2] + "\"", 28), f[3],
                            f[4]);
                } catch (IOException e) {
                    // Its holder is gone (killed): the socket is stale.
                    Files.deleteIfExists(socket);
                }
            }
        }
        return 0;
    }

    private static String abbreviate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 4) + "...\"";
    }

    /**
     * {@code exec [-i] [-t] ID COMMAND...}: the output is relayed as it comes; {@code -i} passes this
     * command's standard input (otherwise the process reads end of file), {@code -t} gives the process a
     * terminal, of this one's size (following its resizing, and in raw mode with {@code -i}) when
     * standard input is a terminal.
     */
    private int exec(List<String> args) throws IOException {
        boolean interactive = false;
        boolean tty = false;
        int at = 0;
        for (; at < args.size() && args.get(at).startsWith("-"); at++) {
            switch (args.get(at)) {
                case "-i", "--interactive" -> interactive = true;
                case "-t", "--tty" -> tty = true;
                case "-it", "-ti" -> interactive = tty = true;
                default -> throw new CliException("exec: unknown flag " + args.get(at));
            }
        }
        if (args.size() - at < 2) {
            throw new CliException("usage: stevedore exec [-i] [-t] ID COMMAND [ARG...]");
        }
        LocalTerminal local = tty ? LocalTerminal.ofStdin() : null;
        List<String> request = new ArrayList<>(List.of(tty ? "tty" : "pipes",
                Integer.toString(local == null ? 80 : local.columns()), Integer.toString(local == null ? 24 : local.rows())));
        request.addAll(args.subList(at + 1, args.size()));
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket(args.get(at))));
            DataOutputStream toHolder = Control.output(ch);
            DataInputStream fromHolder = Control.input(ch);
            Control.writeRequest(toHolder, "exec-attach", request);
            String saved = local != null && interactive ? local.makeRaw() : null;
            try {
                if (interactive) {
                    relayInput(toHolder);
                } else {
                    Control.writeFrame(toHolder, 'e', "");
                }
                if (local != null) {
                    local.onResize((columns, rows) -> {
                        try {
                            Control.writeFrame(toHolder, 'r', columns + " " + rows);
                        } catch (IOException e) {
                            // The exec has ended.
                        }
                    });
                }
                while (true) {
                    Control.Frame f = Control.readFrame(fromHolder);
                    switch (f.type()) {
                        case 'o' -> out.write(f.body());
                        case 'x' -> err.write(f.body());
                        case 's' -> {
                            out.flush();
                            return Integer.parseInt(f.text());
                        }
                        default -> throw new CliException("exec: unexpected reply from the container's holder");
                    }
                    out.flush();
                }
            } finally {
                if (saved != null) {
                    LocalTerminal.restore(saved);
                }
            }
        } catch (java.io.EOFException e) {
            throw new CliException("exec: the container's holder went away before the command ended");
        }
    }

    /** Passes this command's standard input to an attached exec, then its end. */
    private void relayInput(DataOutputStream toHolder) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    if (n > 0) {
                        Control.writeFrame(toHolder, 'i', buf, n);
                    }
                }
                Control.writeFrame(toHolder, 'e', "");
            } catch (IOException e) {
                // The exec has ended: nothing reads any more.
            }
        }, "stevedore-exec-input");
        t.setDaemon(true);
        t.start();
    }

    private int logs(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new CliException("usage: stevedore logs ID");
        }
        Control.Reply r = Control.call(socket(args.get(0)), "logs", List.of());
        out.print(r.out());
        err.print(r.err());
        return r.status();
    }

    private int stop(List<String> args) throws IOException {
        List<String> ids = new ArrayList<>(args);
        String grace = "10";
        int t = Math.max(ids.indexOf("-t"), ids.indexOf("--time"));
        if (t >= 0 && t + 1 < ids.size()) {
            grace = ids.get(t + 1);
            ids.remove(t + 1);
            ids.remove(t);
        }
        int status = 0;
        for (String id : ids) {
            Control.Reply r = Control.call(socket(id), "stop", List.of(grace));
            out.print(r.out());
            err.print(r.err());
            status = Math.max(status, r.status());
        }
        return status;
    }

    private int rm(List<String> args) throws IOException {
        int status = 0;
        for (String id : args) {
            if (id.equals("-f") || id.equals("--force")) {
                continue;
            }
            Control.Reply r = Control.call(socket(id), "rm", List.of());
            out.print(r.out());
            status = Math.max(status, r.status());
        }
        return status;
    }

    private ImageStore store() {
        return Engine.defaultEngine().images();
    }

    private static final String BUILD_USAGE = """
            Usage: stevedore build [OPTIONS] CONTEXT
              -t, --tag NAME          name the image (repeatable)
              -f, --file FILE         the Dockerfile (default: CONTEXT/Dockerfile)
              --build-arg NAME=VALUE  set a build argument (repeatable)
              --target STAGE          build this stage
              --label KEY=VALUE       add a label (repeatable)
              --no-cache              run every step
              --network none|host     the network of RUN steps (default none)
              -q, --quiet             print only the image digest
            Usage: stevedore build --dump-ast DOCKERFILE
              print the parser's syntax tree, in the classic parser's dump format
            """;

    private int build(List<String> args) {
        if (args.contains("--help")) {
            out.print(BUILD_USAGE);
            return 0;
        }
        if (!args.isEmpty() && args.get(0).equals("--dump-ast")) {
            if (args.size() != 2) {
                throw new CliException("usage: stevedore build --dump-ast DOCKERFILE");
            }
            // A debugging aid over the parser itself, which the public API does not expose.
            return dev.stevedore.internal.build.DockerfileDump.run(Path.of(args.get(1)), out, err);
        }
        String context = null;
        boolean quiet = false;
        // The options are gathered, then set: lambdas per option would each link a call site in this fresh JVM.
        List<String> tags = new ArrayList<>();
        Path dockerfile = null;
        List<String[]> buildArgs = new ArrayList<>();
        List<String[]> labels = new ArrayList<>();
        String target = null;
        boolean noCache = false;
        NetworkMode network = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            switch (a) {
                case "-t", "--tag" -> tags.add(value(args, ++i, a));
                case "-f", "--file" -> dockerfile = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--build-arg" -> buildArgs.add(pair(value(args, ++i, a), a));
                case "--label" -> labels.add(pair(value(args, ++i, a), a));
                case "--target" -> target = value(args, ++i, a);
                case "--no-cache" -> noCache = true;
                case "--network" -> {
                    String v = value(args, ++i, a);
                    network = switch (v) {
                        case "none" -> NetworkMode.NONE;
                        case "host" -> NetworkMode.HOST;
                        default -> throw new CliException("--network " + v + ": RUN steps take none or host");
                    };
                }
                case "-q", "--quiet" -> quiet = true;
                default -> {
                    if (a.startsWith("-") || context != null) {
                        throw new CliException("build: unexpected argument \"" + a + "\"; see stevedore build --help");
                    }
                    context = a;
                }
            }
        }
        if (context == null) {
            throw new CliException("usage: stevedore build [OPTIONS] CONTEXT");
        }
        BuildSpec spec = store().fromContext(Path.of(context).toAbsolutePath());
        for (String tag : tags) {
            spec = spec.withTag(tag);
        }
        if (dockerfile != null) {
            spec = spec.withDockerfile(dockerfile);
        }
        for (String[] kv : buildArgs) {
            spec = spec.withBuildArg(kv[0], kv[1]);
        }
        for (String[] kv : labels) {
            spec = spec.withLabel(kv[0], kv[1]);
        }
        if (target != null) {
            spec = spec.withTarget(target);
        }
        if (noCache) {
            spec = spec.withNoCache();
        }
        if (network != null) {
            spec = spec.withNetworkMode(network);
        }
        if (!quiet) {
            spec = spec.withProgress(new java.util.function.Consumer<String>() {
                @Override
                public void accept(String line) {
                    err.println(line);
                }
            });
        }
        Image image = spec.build();
        out.println(quiet ? image.digest().toString() : "Built " + (image.name().isPresent() ? image.reference() + " " : "")
                + image.digest());
        return 0;
    }

    private static String value(List<String> args, int i, String flag) {
        if (i >= args.size()) {
            throw new CliException(flag + " needs a value");
        }
        return args.get(i);
    }

    private static String[] pair(String text, String flag) {
        int eq = text.indexOf('=');
        if (eq <= 0) {
            throw new CliException(flag + " " + text + ": expected NAME=VALUE");
        }
        return new String[] {text.substring(0, eq), text.substring(eq + 1)};
    }

    private int pull(List<String> args) {
        if (args.size() != 1) {
            throw new CliException("usage: stevedore pull IMAGE");
        }
        Progress bar = new Progress("pulling " + args.get(0));
        Image image = store().pull(args.get(0), bar);
        bar.done();
        out.println("Pulled " + image.reference() + " " + image.digest());
        return 0;
    }

    private int push(List<String> args) {
        if (args.isEmpty() || args.size() > 2) {
            throw new CliException("usage: stevedore push IMAGE [REFERENCE]");
        }
        String target = args.size() == 2 ? args.get(1) : args.get(0);
        Progress bar = new Progress("pushing " + target);
        store().push(args.get(0), target, bar);
        bar.done();
        out.println("Pushed " + target);
        return 0;
    }

    /** A one-line progress bar on standard error: bytes moved over bytes known, all blobs together. */
    private final class Progress implements dev.stevedore.TransferProgress {
        private final String what;
        private final java.util.Map<String, long[]> blobs = new java.util.concurrent.ConcurrentHashMap<>();
        private long lastDrawn;

        Progress(String what) {
            this.what = what;
        }

        @Override
        public void progress(String blob, long bytes, long total) {
            blobs.put(blob, new long[] {bytes, total});
            long now = System.nanoTime();
            synchronized (this) {
                if (now - lastDrawn > 100_000_000L) {
                    lastDrawn = now;
                    draw();
                }
            }
        }

        private void draw() {
            long done = 0;
            long total = 0;
            for (long[] b : blobs.values()) {
                done += b[0];
                total += b[1];
            }
            int width = 30;
            int filled = total == 0 ? 0 : (int) (width * done / total);
            err.print("\r" + what + " [" + "=".repeat(filled) + " ".repeat(width - filled) + "] "
                    + humanSize(done) + " / " + humanSize(total));
        }

        synchronized void done() {
            if (!blobs.isEmpty()) {
                draw();
                err.println();
            }
        }
    }

    private int images() {
        out.printf("%-40s %-14s %-22s %s%n", "REPOSITORY:TAG", "IMAGE ID", "CREATED", "SIZE");
        for (Image i : store().list()) {
            out.printf("%-40s %-14s %-22s %s%n", i.reference(), i.id().encoded().substring(0, 12),
                    i.created().map(Object::toString).orElse("N/A"), humanSize(i.size()));
        }
        return 0;
    }

    private static String humanSize(long bytes) {
        return bytes < 1_000_000 ? String.format(Locale.ROOT, "%.1fkB", bytes / 1000.0)
                : String.format(Locale.ROOT, "%.1fMB", bytes / 1_000_000.0);
    }

    private int rmi(List<String> args) {
        if (args.isEmpty()) {
            throw new CliException("usage: stevedore rmi IMAGE...");
        }
        for (String image : args) {
            for (String name : store().remove(image)) {
                out.println("Untagged: " + name);
            }
        }
        return 0;
    }

    private int inspect(List<String> args) throws IOException {
        if (args.size() != 1) {
            throw new CliException("usage: stevedore inspect IMAGE|CONTAINER");
        }
        if (store().exists(args.get(0))) {
            Image i = store().inspect(args.get(0));
            out.println("{\"Name\": \"" + i.name().orElse("") + "\", \"Digest\": \"" + i.digest() + "\", \"Id\": \""
                    + i.id() + "\", \"Size\": " + i.size() + ",");
            out.println("\"Manifest\": " + OciJson.writePretty(i.manifest()) + ",");
            out.println("\"Config\": " + OciJson.writePretty(i.config()) + "}");
            return 0;
        }
        String[] f = Control.call(socket(args.get(0)), "info", List.of()).out().split("\t");
        out.println("{\"Id\": \"" + f[0] + "\", \"Image\": \"" + f[1] + "\", \"Command\": \"" + f[2].replace("\"", "\\\"")
                + "\", \"Created\": \"" + f[3] + "\", \"State\": \"" + f[4] + "\"}");
        return 0;
    }

    private int tag(List<String> args) {
        if (args.size() != 2) {
            throw new CliException("usage: stevedore tag IMAGE NAME");
        }
        store().tag(args.get(0), args.get(1));
        return 0;
    }

    private int save(List<String> args) {
        Path output = null;
        ImageFormat format = ImageFormat.DOCKER_ARCHIVE;
        String image = null;
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "-o", "--output" -> output = Path.of(args.get(++i));
                case "--format" -> format = switch (args.get(++i)) {
                    case "docker-archive" -> ImageFormat.DOCKER_ARCHIVE;
                    case "oci-archive" -> ImageFormat.OCI_ARCHIVE;
                    case "oci", "oci-dir", "oci-layout" -> ImageFormat.OCI_LAYOUT;
                    default -> throw new CliException("--format " + args.get(i)
                            + ": use docker-archive, oci-archive or oci");
                };
                default -> image = args.get(i);
            }
        }
        if (image == null || output == null) {
            throw new CliException("usage: stevedore save -o FILE [--format docker-archive|oci-archive|oci] IMAGE");
        }
        store().export(image, output.toAbsolutePath(), format);
        return 0;
    }

    private int load(List<String> args) {
        int i = Math.max(args.indexOf("-i"), args.indexOf("--input"));
        if (i < 0 || i + 1 >= args.size()) {
            throw new CliException("usage: stevedore load -i FILE|DIR");
        }
        for (Image image : store().load(Path.of(args.get(i + 1)))) {
            out.println("Loaded image: " + image.reference());
        }
        return 0;
    }

    private int doctor() {
        HostReport report = Engine.defaultEngine().doctor();
        out.print(report);
        return report.canRunContainers() ? 0 : 1;
    }

    @Override
    public String toString() {
        return "StevedoreCli" + Arrays.asList(out, err);
    }
}
