package dev.stevedore.linux;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.oci.runtime.State;
import dev.stevedore.spi.ContainerBackendException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runc-compatible command line ({@code linux-native/target/stevedore-runc}): the OCI runtime
 * command-line interface over the Linux backend, so tools that drive runc can drive Stevedore.
 * Containers outlive the command that created them: see {@link RuncContainers}.
 */
final class Runc {
    static final String VERSION = "0.1.0";
    static final Path DEFAULT_ROOT = Path.of("/run/stevedore-runc");

    private final RuncArgs args;
    private final PrintStream out;
    private final RuncLog log;

    private Runc(RuncArgs args, PrintStream out, RuncLog log) {
        this.args = args;
        this.out = out;
        this.log = log;
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** @return the exit status: 0, 1 for an error, or a run/exec process's status */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        RuncLog log = new RuncLog(err, null, "text", false);
        try {
            RuncArgs args = RuncArgs.parse(argv);
            log = new RuncLog(err, args.globalOption("log") == null ? null : Path.of(args.globalOption("log")),
                    args.globalOption("log-format") == null ? "text" : args.globalOption("log-format"),
                    "true".equals(args.globalOption("debug")));
            log.debug("command line: " + String.join(" ", argv));
            return new Runc(args, out, log).dispatch();
        } catch (IllegalArgumentException | IllegalStateException | ContainerBackendException
                | UncheckedIOException e) {
            log.error(e.getMessage());
            return 1;
        } catch (RuntimeException e) {
            log.error(e.toString());
            return 1;
        }
    }

    private int dispatch() {
        Path root = args.globalOption("root") == null ? DEFAULT_ROOT : Path.of(args.globalOption("root"));
        RuncContainers containers = new RuncContainers(root.toAbsolutePath(), log);
        switch (args.command) {
            case "help":
                out.print(usage());
                return 0;
            case "--version":
                out.println("stevedore-runc version " + VERSION + "\nspec: " + Spec.VERSION);
                return 0;
            case "create":
                containers.create(args.required(0, "container id"), bundle(), pidFile(), consoleSocket(), false);
                return 0;
            case "run":
                return containers.run(args.required(0, "container id"), bundle(), pidFile(), consoleSocket(),
                        args.flag("detach"));
            case "start":
                containers.start(args.required(0, "container id"));
                return 0;
            case "state":
                out.println(OciJson.writePretty(containers.state(args.required(0, "container id"))));
                return 0;
            case "kill":
                containers.kill(args.required(0, "container id"),
                        RuncSignals.parse(args.positional.size() > 1 ? args.positional.get(1) : "SIGTERM"),
                        args.flag("all"));
                return 0;
            case "delete":
                containers.delete(args.required(0, "container id"), args.flag("force"));
                return 0;
            case "exec":
                return containers.exec(args.required(0, "container id"), execProcess(), pidFile(), consoleSocket(),
                        args.flag("detach"));
            case "list":
                list(containers);
                return 0;
            case "ps":
                ps(containers);
                return 0;
            case "pause":
            case "resume":
                containers.freeze(args.required(0, "container id"), args.command.equals("pause"));
                return 0;
            case "spec":
                RuncSpecs.writeDefault(bundleOrCurrent(), args.flag("rootless"));
                return 0;
            case "features":
                out.println(RuncSpecs.features());
                return 0;
            default:
                throw new AssertionError(args.command);
        }
    }

    private Path bundle() {
        return bundleOrCurrent().toAbsolutePath().normalize();
    }

    private Path bundleOrCurrent() {
        String bundle = args.option("bundle");
        return Path.of(bundle == null ? "." : bundle);
    }

    private Path pidFile() {
        String pidFile = args.option("pid-file");
        return pidFile == null ? null : Path.of(pidFile).toAbsolutePath();
    }

    private Path consoleSocket() {
        String socket = args.option("console-socket");
        return socket == null ? null : Path.of(socket).toAbsolutePath();
    }

    /** The process of {@code exec}: a {@code --process} file, or the container's process with another command. */
    private Process execProcess() {
        String file = args.option("process");
        if (file != null) {
            try {
                Process p = OciJson.read(Files.readAllBytes(Path.of(file)), Process.class, "process");
                return args.flag("tty") ? p.withTerminal(true) : p;
            } catch (IOException e) {
                throw new UncheckedIOException("exec: cannot read the process file '" + file + "': " + e, e);
            }
        }
        if (args.positional.size() < 2) {
            throw new IllegalArgumentException("exec: a command (or --process FILE) is required");
        }
        return RuncContainers.execOverrides(args.positional.subList(1, args.positional.size()), args.all("env"),
                args.option("cwd"), args.option("user"), args.all("cap"), args.flag("tty"),
                args.flag("no-new-privs"));
    }

    private void list(RuncContainers containers) {
        List<State> states = containers.list();
        String format = args.option("format") == null ? "table" : args.option("format");
        if (args.flag("quiet")) {
            states.forEach(s -> out.println(s.id()));
        } else if (format.equals("json")) {
            List<Map<String, Object>> entries = new ArrayList<>();
            for (State s : states) {
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("ociVersion", s.ociVersion());
                e.put("id", s.id());
                e.put("pid", s.pid() == null ? 0 : s.pid());
                e.put("status", s.status().value());
                e.put("bundle", s.bundle());
                e.putAll(s.extensions());
                e.put("annotations", s.annotations());
                entries.add(e);
            }
            out.println(new String(OciJson.write(entries), StandardCharsets.UTF_8));
        } else if (format.equals("table")) {
            out.printf("%-36s %-8s %-9s %-40s %-30s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER");
            for (State s : states) {
                out.printf("%-36s %-8d %-9s %-40s %-30s %s%n", s.id(), s.pid() == null ? 0 : s.pid(),
                        s.status().value(), s.bundle(), s.extensions().getOrDefault("created", ""),
                        s.extensions().getOrDefault("owner", ""));
            }
        } else {
            throw new IllegalArgumentException("list: invalid format '" + format + "': use table or json");
        }
    }

    private void ps(RuncContainers containers) {
        String id = args.required(0, "container id");
        List<Long> pids = containers.pids(id);
        String format = args.option("format") == null ? "table" : args.option("format");
        if (format.equals("json")) {
            out.println(pids);
            return;
        }
        if (!format.equals("table")) {
            throw new IllegalArgumentException("ps: invalid format '" + format + "': use table or json");
        }
        List<String> psArgs = new ArrayList<>(List.of("ps"));
        psArgs.addAll(args.positional.size() > 1 ? args.positional.subList(1, args.positional.size()) : List.of("-ef"));
        String output;
        try {
            java.lang.Process ps = new ProcessBuilder(psArgs).redirectErrorStream(true).start();
            output = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (ps.waitFor() != 0) {
                throw new IllegalStateException("ps: '" + String.join(" ", psArgs) + "' failed: " + output.strip());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("ps: cannot run 'ps': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("ps: interrupted", e);
        }
        String[] lines = output.split("\n");
        int pidColumn = List.of(lines[0].trim().split("\\s+")).indexOf("PID");
        if (pidColumn < 0) {
            throw new IllegalStateException("ps: no PID column in the output of '" + String.join(" ", psArgs) + "'");
        }
        out.println(lines[0]);
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].trim().split("\\s+");
            if (fields.length > pidColumn && pids.contains(Long.parseLong(fields[pidColumn]))) {
                out.println(lines[i]);
            }
        }
    }

    private static String usage() {
        return """
                stevedore-runc: an OCI runtime (runc-compatible command line) over Stevedore's Linux backend

                usage: stevedore-runc [--root DIR] [--log FILE] [--log-format text|json] [--debug] COMMAND [OPTIONS] ARGS

                commands:
                  create [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID
                  start ID            state ID            kill [--all] ID [SIGNAL]
                  delete [--force] ID run [--detach] [--bundle DIR] [--pid-file FILE] [--console-socket SOCK] ID
                  exec [--process FILE | [--env K=V] [--cwd DIR] [--user UID[:GID]] ID COMMAND...] [--detach] [--tty]
                       [--console-socket SOCK]
                  list [--format table|json] [--quiet]      ps [--format table|json] ID [PS-ARGS]
                  spec [--bundle DIR]  features  pause ID  resume ID
                """;
    }

    /** Errors on standard error, and with {@code --log} also to that file, as text or JSON lines like runc's. */
    static final class RuncLog {
        private final PrintStream err;
        private final Path file;
        private final boolean json;
        private final boolean debug;

        RuncLog(PrintStream err, Path file, String format, boolean debug) {
            if (!format.equals("text") && !format.equals("json")) {
                throw new IllegalArgumentException("--log-format: '" + format + "' is not text or json");
            }
            this.err = err;
            this.file = file;
            this.json = format.equals("json");
            this.debug = debug;
        }

        void error(String message) {
            err.println("stevedore-runc: " + message);
            write("error", message);
        }

        void warn(String message) {
            write("warning", message);
        }

        void debug(String message) {
            if (debug) {
                write("debug", message);
                if (file == null) {
                    err.println("stevedore-runc: debug: " + message);
                }
            }
        }

        private void write(String level, String message) {
            if (file == null) {
                return;
            }
            String time = Instant.now().toString();
            String line = json
                    ? new String(OciJson.write(Map.of("level", level, "msg", message, "time", time)), StandardCharsets.UTF_8)
                    : "time=\"" + time + "\" level=" + level + " msg=" + quote(message);
            try {
                Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (NoSuchFileException e) {
                err.println("stevedore-runc: cannot write the log '" + file + "': its directory is missing");
            } catch (IOException e) {
                err.println("stevedore-runc: cannot write the log '" + file + "': " + e);
            }
        }

        private static String quote(String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
        }
    }
}
