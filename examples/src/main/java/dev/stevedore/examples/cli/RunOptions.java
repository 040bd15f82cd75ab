package dev.stevedore.examples.cli;

import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.NetworkMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The flags of {@code stevedore run}, parsed as Docker spells them, turned into a spec. */
final class RunOptions {
    boolean detach;
    boolean remove;
    boolean interactive;
    boolean tty;
    String image;
    List<String> command = new ArrayList<>();
    ContainerSpec spec;

    static final String USAGE = """
            Usage: stevedore run [OPTIONS] IMAGE [COMMAND] [ARG...]
              -v, --volume HOST:CONTAINER[:ro]   bind-mount a host path (NAME:CONTAINER for a named volume)
              -e, --env NAME=VALUE                set an environment variable
              -w, --workdir DIR                   working directory in the container
              -u, --user USER[:GROUP]             user to run as (name or id)
              -m, --memory SIZE                   memory limit (bytes, or with k, m, g)
                  --cpus N                        CPU limit in CPUs, such as 0.5
                  --pids-limit N                  most processes at once
                  --name NAME                     container name
                  --hostname NAME                 hostname
                  --entrypoint CMD                replace the image's entrypoint
                  --tmpfs PATH                    mount an empty in-memory filesystem
                  --read-only                     read-only root filesystem
                  --cap-add CAP / --cap-drop CAP  change capabilities
                  --privileged                    every capability
                  --network none|host             network mode (default none)
                  --rm                            remove the container when it exits (-d)
              -d, --detach                        run in the background, print the id
              -i, --interactive                   pass standard input to the container
              -t, --tty                           give the container a terminal (its output and error are one
                                                  stream); with -i on a terminal, an interactive session
            """;

    static RunOptions parse(List<String> args) {
        RunOptions o = new RunOptions();
        List<java.util.function.UnaryOperator<ContainerSpec>> edits = new ArrayList<>();
        int i = 0;
        while (i < args.size() && args.get(i).startsWith("-")) {
            String flag = args.get(i);
            String value = null;
            int eq = flag.indexOf('=');
            if (flag.startsWith("--") && eq > 0) {
                value = flag.substring(eq + 1);
                flag = flag.substring(0, eq);
            }
            i++;
            switch (flag) {
                case "-d", "--detach" -> o.detach = true;
                case "--rm" -> o.remove = true;
                case "-i", "--interactive" -> o.interactive = true;
                case "-t", "--tty" -> o.tty = true;
                case "-it", "-ti" -> {
                    o.interactive = true;
                    o.tty = true;
                }
                case "--read-only" -> edits.add(ContainerSpec::withReadOnlyRootfs);
                case "--privileged" -> edits.add(ContainerSpec::withPrivileged);
                default -> {
                    if (value == null) {
                        if (i >= args.size()) {
                            throw new CliException(flag + " needs a value\n" + USAGE);
                        }
                        value = args.get(i++);
                    }
                    edits.add(valued(flag, value));
                }
            }
        }
        if (i >= args.size()) {
            throw new CliException("run needs an image\n" + USAGE);
        }
        o.image = args.get(i++);
        o.command = List.copyOf(args.subList(i, args.size()));
        ContainerSpec spec = Containers.image(o.image);
        for (var edit : edits) {
            spec = edit.apply(spec);
        }
        if (!o.command.isEmpty()) {
            spec = spec.withCommand(o.command.toArray(String[]::new));
        }
        if (o.tty) {
            spec = spec.withTty();
        }
        o.spec = spec;
        return o;
    }

    private static java.util.function.UnaryOperator<ContainerSpec> valued(String flag, String v) {
        switch (flag) {
            case "-v", "--volume": {
                String[] p = v.split(":");
                if (p.length < 2 || p.length > 3 || (p.length == 3 && !p[2].equals("ro") && !p[2].equals("rw"))) {
                    throw new CliException("-v " + v + ": expected HOST:CONTAINER[:ro]");
                }
                boolean ro = p.length == 3 && p[2].equals("ro");
                if (!p[0].startsWith("/") && !p[0].startsWith(".")) {
                    return s -> s.withNamedVolume(p[0], p[1]);
                }
                Path host = Path.of(p[0]).toAbsolutePath();
                return s -> ro ? s.withReadOnlyVolume(host, p[1]) : s.withVolume(host, p[1]);
            }
            case "-e", "--env": {
                int eq = v.indexOf('=');
                if (eq < 0) {
                    String fromHost = System.getenv(v);
                    return fromHost == null ? s -> s : s -> s.withEnv(v, fromHost);
                }
                return s -> s.withEnv(v.substring(0, eq), v.substring(eq + 1));
            }
            case "-w", "--workdir":
                return s -> s.withWorkingDir(v);
            case "-u", "--user":
                return s -> s.withUser(v);
            case "-m", "--memory":
                return s -> s.withMemoryLimit(size(v));
            case "--cpus":
                return s -> s.withCpuLimit(Double.parseDouble(v));
            case "--pids-limit":
                return s -> s.withPidsLimit(Long.parseLong(v));
            case "--name":
                return s -> s.withName(v);
            case "--hostname", "-h":
                return s -> s.withHostname(v);
            case "--entrypoint":
                return s -> s.withEntrypoint(v);
            case "--tmpfs":
                return s -> s.withTmpfs(v);
            case "--cap-add":
                return s -> s.withCapAdd(v);
            case "--cap-drop":
                return s -> s.withCapDrop(v);
            case "--network", "--net":
                return s -> s.withNetworkMode(NetworkMode.valueOf(v.toUpperCase(Locale.ROOT)));
            default:
                throw new CliException("unknown flag " + flag + "\n" + USAGE);
        }
    }

    static long size(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        if (last == 'b') {
            t = t.substring(0, t.length() - 1);
            last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
        }
        switch (last) {
            case 'k' -> unit = 1L << 10;
            case 'm' -> unit = 1L << 20;
            case 'g' -> unit = 1L << 30;
            default -> unit = 1;
        }
        try {
            return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
        } catch (NumberFormatException e) {
            throw new CliException("\"" + text + "\" is not a size; use bytes or a number with k, m or g");
        }
    }
}
