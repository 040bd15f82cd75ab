package dev.stevedore.internal.build;

import dev.stevedore.internal.build.Instruction.ArgDefinition;
import dev.stevedore.internal.build.Instruction.Command;
import dev.stevedore.internal.build.Instruction.KeyValue;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@link SyntaxTree} to {@link Dockerfile}: checks each instruction's flags and arguments, and the stages. */
final class InstructionParser {

    private enum Kind { VALUE, BOOLEAN, REPEATED }

    private static final Map<String, Map<String, Kind>> FLAGS = Map.of(
            "from", flags("platform", Kind.VALUE),
            "run", flags("mount", Kind.REPEATED, "network", Kind.VALUE, "security", Kind.VALUE),
            "copy", flags("from", Kind.VALUE, "chown", Kind.VALUE, "chmod", Kind.VALUE, "link", Kind.BOOLEAN,
                    "parents", Kind.BOOLEAN, "exclude", Kind.REPEATED),
            "add", flags("chown", Kind.VALUE, "chmod", Kind.VALUE, "link", Kind.BOOLEAN, "checksum", Kind.VALUE,
                    "keep-git-dir", Kind.BOOLEAN, "exclude", Kind.REPEATED),
            "healthcheck", flags("interval", Kind.VALUE, "timeout", Kind.VALUE, "start-period", Kind.VALUE,
                    "start-interval", Kind.VALUE, "retries", Kind.VALUE));
    private static final Pattern STAGE_NAME = Pattern.compile("[a-z][a-z0-9_.-]*");
    private static final Pattern DURATION_PART = Pattern.compile("(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|ms|s|m|h)");

    private final String fileName;
    private final char escape;

    private InstructionParser(String fileName, char escape) {
        this.fileName = fileName;
        this.escape = escape;
    }

    static Dockerfile parse(SyntaxTree tree) {
        InstructionParser p = new InstructionParser(tree.fileName(), tree.directives().escape());
        List<Instruction.Arg> globalArgs = new ArrayList<>();
        List<Dockerfile.Stage> stages = new ArrayList<>();
        Map<String, Integer> stageLines = new HashMap<>();
        Instruction.From from = null;
        List<Instruction> body = new ArrayList<>();
        for (SyntaxNode node : tree.nodes()) {
            Instruction instruction = p.instruction(node);
            if (instruction instanceof Instruction.From f) {
                if (from != null) {
                    stages.add(new Dockerfile.Stage(stages.size(), from, body));
                    body = new ArrayList<>();
                }
                from = f;
                if (f.stageName().isPresent()) {
                    Integer earlier = stageLines.putIfAbsent(f.stageName().get(), f.line());
                    if (earlier != null) {
                        throw p.error(node, "the stage name " + f.stageName().get()
                                + " is already taken by the FROM on line " + earlier + ": give each stage its own name");
                    }
                }
            } else if (from != null) {
                body.add(instruction);
            } else if (instruction instanceof Instruction.Arg a) {
                globalArgs.add(a);
            } else {
                throw p.error(node, node.written().toUpperCase(Locale.ROOT) + " comes before the first FROM: "
                        + "only ARG may precede FROM");
            }
        }
        if (from == null) {
            int line = tree.nodes().isEmpty() ? 1 : tree.nodes().get(tree.nodes().size() - 1).startLine();
            throw new DockerfileException(tree.fileName(), line,
                    (tree.nodes().isEmpty() ? "the Dockerfile has no instructions" : "the Dockerfile has no FROM")
                            + ": a build needs at least one FROM instruction");
        }
        stages.add(new Dockerfile.Stage(stages.size(), from, body));
        return new Dockerfile(tree.fileName(), tree.directives(), globalArgs, stages, tree.warnings());
    }

    private Instruction instruction(SyntaxNode node) {
        Flags flags = new Flags(node);
        List<String> args = node.args();
        int line = node.startLine();
        String name = node.keyword().toUpperCase(Locale.ROOT);
        return switch (node.keyword()) {
            case "from" -> from(node, flags);
            case "arg" -> {
                requireArguments(node);
                List<ArgDefinition> definitions = new ArrayList<>();
                for (String word : args) {
                    int eq = word.indexOf('=');
                    String key = eq < 0 ? word : word.substring(0, eq);
                    if (key.isEmpty()) {
                        throw error(node, "ARG " + word + " has no name: write ARG name[=default]");
                    }
                    definitions.add(new ArgDefinition(key, eq < 0 ? Optional.empty() : Optional.of(word.substring(eq + 1))));
                }
                yield new Instruction.Arg(line, definitions);
            }
            case "env" -> new Instruction.Env(line, keyValues(node));
            case "label" -> new Instruction.Label(line, keyValues(node));
            case "run" -> {
                if (args.isEmpty()) {
                    throw error(node, "RUN requires a command: write RUN command or RUN [\"executable\", \"arg\"]");
                }
                Optional<String> network = flags.value("network");
                if (network.isPresent() && !List.of("default", "none", "host").contains(network.get())) {
                    throw error(node, "RUN --network=" + network.get() + " is not supported: use default, none or host");
                }
                Optional<String> security = flags.value("security");
                if (security.isPresent() && !List.of("sandbox", "insecure").contains(security.get())) {
                    throw error(node, "RUN --security=" + security.get() + " is not supported: use sandbox or insecure");
                }
                yield new Instruction.Run(line, command(node, args), node.heredocs(), flags.list("mount"), network,
                        security);
            }
            case "cmd" -> new Instruction.Cmd(line, requireCommand(node));
            case "entrypoint" -> new Instruction.Entrypoint(line, requireCommand(node));
            case "copy", "add" -> copy(node, flags);
            case "workdir", "user", "stopsignal", "maintainer" -> {
                if (args.isEmpty()) {
                    throw error(node, name + " requires exactly one argument");
                }
                String value = args.get(0);
                yield switch (node.keyword()) {
                    case "workdir" -> new Instruction.Workdir(line, value);
                    case "user" -> new Instruction.User(line, value);
                    case "stopsignal" -> new Instruction.StopSignal(line, value);
                    default -> new Instruction.Maintainer(line, value);
                };
            }
            case "expose" -> new Instruction.Expose(line, requireArguments(node));
            case "volume" -> {
                for (String path : requireArguments(node)) {
                    if (path.isBlank()) {
                        throw error(node, "VOLUME names an empty path");
                    }
                }
                yield new Instruction.Volume(line, args);
            }
            case "shell" -> {
                if (!node.json()) {
                    throw error(node, "SHELL requires the arguments in JSON form, such as SHELL [\"/bin/sh\", \"-c\"]");
                }
                yield new Instruction.Shell(line, requireArguments(node));
            }
            case "healthcheck" -> healthcheck(node, flags);
            case "onbuild" -> onbuild(node);
            default -> throw error(node, "unknown instruction: " + node.written());
        };
    }

    private Instruction.From from(SyntaxNode node, Flags flags) {
        List<String> args = node.args();
        if (args.size() == 1) {
            return new Instruction.From(node.startLine(), args.get(0), Optional.empty(), flags.value("platform"));
        }
        if (args.size() == 3 && args.get(1).equalsIgnoreCase("as")) {
            String stage = args.get(2).toLowerCase(Locale.ROOT);
            if (!STAGE_NAME.matcher(stage).matches()) {
                throw error(node, "invalid stage name " + args.get(2)
                        + ": a stage name starts with a letter and holds letters, digits, -, _ and .");
            }
            return new Instruction.From(node.startLine(), args.get(0), Optional.of(stage), flags.value("platform"));
        }
        throw error(node, (args.isEmpty() ? "FROM requires an image" : "FROM " + String.join(" ", args)
                + " is not an image with an optional stage name") + ": write FROM image [AS name]");
    }

    private List<KeyValue> keyValues(SyntaxNode node) {
        String name = node.keyword().toUpperCase(Locale.ROOT);
        List<String> args = node.args();
        if (args.isEmpty()) {
            throw error(node, name + " requires at least one argument: write " + name + " name=value");
        }
        List<KeyValue> pairs = new ArrayList<>();
        for (int i = 0; i < args.size(); i += 2) {
            if (args.get(i).isEmpty()) {
                throw error(node, name + " =" + args.get(i + 1) + " has no name: write " + name + " name=value");
            }
            pairs.add(new KeyValue(args.get(i), args.get(i + 1)));
        }
        return pairs;
    }

    private Instruction copy(SyntaxNode node, Flags flags) {
        String name = node.keyword().toUpperCase(Locale.ROOT);
        List<String> args = node.args();
        if (args.size() < 2) {
            throw error(node, name + " requires at least two arguments, the sources and the destination: write "
                    + name + " source... destination");
        }
        List<String> sources = new ArrayList<>();
        List<Heredoc> inline = new ArrayList<>();
        int nextHeredoc = 0;
        for (String source : args.subList(0, args.size() - 1)) {
            if (!node.json() && SyntaxParser.heredocMarker(source, escape) != null) {
                inline.add(node.heredocs().get(nextHeredoc++));
            } else {
                sources.add(source);
            }
        }
        String destination = args.get(args.size() - 1);
        int line = node.startLine();
        if (node.keyword().equals("copy")) {
            return new Instruction.Copy(line, sources, inline, destination, flags.value("from"), flags.value("chown"),
                    flags.value("chmod"), flags.bool("link"), flags.bool("parents"), flags.list("exclude"));
        }
        return new Instruction.Add(line, sources, inline, destination, flags.value("chown"), flags.value("chmod"),
                flags.bool("link"), flags.value("checksum"), flags.bool("keep-git-dir"), flags.list("exclude"));
    }

    private Instruction.Healthcheck healthcheck(SyntaxNode node, Flags flags) {
        List<String> args = node.args();
        if (args.isEmpty()) {
            throw error(node, "HEALTHCHECK requires NONE or CMD: write HEALTHCHECK [options] CMD command");
        }
        String type = args.get(0).toUpperCase(Locale.ROOT);
        int line = node.startLine();
        if (type.equals("NONE")) {
            if (args.size() > 1) {
                throw error(node, "HEALTHCHECK NONE takes no arguments");
            }
            if (!node.flags().isEmpty()) {
                throw error(node, "HEALTHCHECK NONE takes no options");
            }
            return new Instruction.Healthcheck(line, Optional.empty(), Optional.empty(), Optional.empty(),
                    Optional.empty(), Optional.empty(), Optional.empty());
        }
        if (!type.equals("CMD")) {
            throw error(node, "unknown HEALTHCHECK type " + args.get(0) + ": use CMD or NONE");
        }
        if (args.size() == 1) {
            throw error(node, "HEALTHCHECK CMD requires a command");
        }
        Optional<Integer> retries = flags.value("retries").map(r -> {
            try {
                int n = Integer.parseInt(r);
                if (n >= 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw error(node, "HEALTHCHECK --retries=" + r + " is not a count: write a whole number, 0 or more");
        });
        return new Instruction.Healthcheck(line, Optional.of(command(node, args.subList(1, args.size()))),
                duration(node, flags, "interval"), duration(node, flags, "timeout"),
                duration(node, flags, "start-period"), duration(node, flags, "start-interval"), retries);
    }

    /** A Go-style duration such as {@code 30s}, {@code 1m30s}, {@code 1.5h} or {@code 500ms}. */
    private Optional<Duration> duration(SyntaxNode node, Flags flags, String flag) {
        Optional<String> text = flags.value(flag);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        String s = text.get();
        Matcher m = DURATION_PART.matcher(s);
        BigDecimal nanos = BigDecimal.ZERO;
        int end = 0;
        while (m.lookingAt()) {
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us", "µs" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
            end = m.end();
            m.region(end, s.length());
        }
        if (!(end == s.length() && end > 0 || s.equals("0"))) {
            throw error(node, "HEALTHCHECK --" + flag + "=" + s + " is not a duration: write such as 30s, 1m30s or 500ms");
        }
        Duration d = Duration.ofNanos(nanos.longValue());
        if (!d.isZero() && d.compareTo(Duration.ofMillis(1)) < 0) {
            throw error(node, "HEALTHCHECK --" + flag + "=" + s + " is too short: it must be at least 1ms");
        }
        return Optional.of(d);
    }

    private Instruction.Onbuild onbuild(SyntaxNode node) {
        SyntaxNode trigger = node.child();
        if (trigger == null) {
            throw error(node, "ONBUILD requires an instruction: write ONBUILD RUN command, for example");
        }
        if (List.of("onbuild", "from", "maintainer").contains(trigger.keyword())) {
            throw error(node, trigger.written().toUpperCase(Locale.ROOT) + " is not allowed as an ONBUILD trigger");
        }
        // The stored trigger is parsed again by the build that uses this image, so it carries its
        // here-documents as Dockerfile text.
        StringBuilder text = new StringBuilder(node.text());
        for (Heredoc heredoc : trigger.heredocs()) {
            text.append('\n').append(heredoc.content()).append(heredoc.name());
        }
        return new Instruction.Onbuild(node.startLine(), text.toString(), instruction(trigger));
    }

    private Command requireCommand(SyntaxNode node) {
        if (node.args().isEmpty() && !node.json()) {
            String name = node.keyword().toUpperCase(Locale.ROOT);
            throw error(node, name + " requires a command: write " + name + " [\"executable\", \"arg\"] or "
                    + name + " command");
        }
        return command(node, node.args());
    }

    private static Command command(SyntaxNode node, List<String> args) {
        return node.json() ? new Command(args, true) : Command.shell(args.get(0));
    }

    private List<String> requireArguments(SyntaxNode node) {
        if (node.args().isEmpty()) {
            throw error(node, node.keyword().toUpperCase(Locale.ROOT) + " requires at least one argument");
        }
        return node.args();
    }

    private DockerfileException error(SyntaxNode node, String problem) {
        return new DockerfileException(fileName, node.startLine(), problem);
    }

    private static Map<String, Kind> flags(Object... nameKind) {
        Map<String, Kind> m = new LinkedHashMap<>();
        for (int i = 0; i < nameKind.length; i += 2) {
            m.put((String) nameKind[i], (Kind) nameKind[i + 1]);
        }
        return m;
    }

    /** An instruction's flags, checked against what the instruction accepts. */
    private final class Flags {
        private final Map<String, List<String>> values = new HashMap<>();

        Flags(SyntaxNode node) {
            String name = node.keyword().toUpperCase(Locale.ROOT);
            Map<String, Kind> accepted = FLAGS.getOrDefault(node.keyword(), Map.of());
            for (String flag : node.flags()) {
                String body = flag.startsWith("--") ? flag.substring(2) : flag;
                int eq = body.indexOf('=');
                String key = eq < 0 ? body : body.substring(0, eq);
                Kind kind = accepted.get(key);
                if (kind == null) {
                    throw error(node, "unknown flag --" + key + " for " + name + ": " + (accepted.isEmpty()
                            ? name + " takes no flags"
                            : name + " takes " + String.join(", ", accepted.keySet().stream().map(k -> "--" + k).toList())));
                }
                String value;
                if (kind == Kind.BOOLEAN) {
                    value = eq < 0 ? "true" : body.substring(eq + 1).toLowerCase(Locale.ROOT);
                    if (!value.equals("true") && !value.equals("false")) {
                        throw error(node, name + " --" + key + " takes true or false, not " + body.substring(eq + 1));
                    }
                } else if (eq < 0) {
                    throw error(node, name + " --" + key + " needs a value: write --" + key + "=VALUE");
                } else {
                    value = body.substring(eq + 1);
                }
                List<String> list = values.computeIfAbsent(key, k -> new ArrayList<>());
                if (kind != Kind.REPEATED && !list.isEmpty()) {
                    throw error(node, name + " --" + key + " is given twice: give it once");
                }
                list.add(value);
            }
        }

        Optional<String> value(String key) {
            List<String> v = values.get(key);
            return v == null ? Optional.empty() : Optional.of(v.get(0));
        }

        boolean bool(String key) {
            Optional<String> v = value(key);
            return v.isPresent() && Boolean.parseBoolean(v.get());
        }

        List<String> list(String key) {
            return values.getOrDefault(key, List.of());
        }
    }
}
