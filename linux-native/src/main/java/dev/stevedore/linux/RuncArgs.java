package dev.stevedore.linux;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A runc-style command line split into global options, the command, its options and its
 * positional arguments. Options are accepted before and after positional arguments, as
 * {@code --name value}, {@code --name=value} or a one-letter alias; {@code --} ends them.
 */
final class RuncArgs {

    /** Options that take a value, by command ({@code ""}: global). Aliases map to the long name. */
    private static final Map<String, Set<String>> VALUED = Map.ofEntries(
            Map.entry("", Set.of("root", "log", "log-format", "criu", "rootless")),
            Map.entry("create", Set.of("bundle", "pid-file", "console-socket", "preserve-fds")),
            Map.entry("run", Set.of("bundle", "pid-file", "console-socket", "preserve-fds")),
            Map.entry("exec", Set.of("process", "pid-file", "console-socket", "env", "cwd", "user", "cap",
                    "preserve-fds", "additional-gids", "apparmor", "process-label", "cgroup")),
            Map.entry("list", Set.of("format")),
            Map.entry("ps", Set.of("format")),
            Map.entry("spec", Set.of("bundle")),
            Map.entry("state", Set.of()), Map.entry("start", Set.of()), Map.entry("kill", Set.of()),
            Map.entry("delete", Set.of()), Map.entry("pause", Set.of()), Map.entry("resume", Set.of()),
            Map.entry("features", Set.of()));

    /** Flags without a value, by command. */
    private static final Map<String, Set<String>> FLAGS = Map.ofEntries(
            Map.entry("", Set.of("debug", "systemd-cgroup", "help", "version")),
            Map.entry("create", Set.of("no-pivot", "no-new-keyring")),
            Map.entry("run", Set.of("detach", "no-pivot", "no-new-keyring", "no-subreaper", "keep")),
            Map.entry("exec", Set.of("detach", "tty", "no-new-privs", "ignore-paused")),
            Map.entry("list", Set.of("quiet")),
            Map.entry("kill", Set.of("all")),
            Map.entry("delete", Set.of("force")),
            Map.entry("spec", Set.of("rootless")));

    private static final Map<String, Map<Character, String>> ALIASES = Map.of(
            "run", Map.of('b', "bundle", 'd', "detach"),
            "create", Map.of('b', "bundle"),
            "exec", Map.of('p', "process", 'e', "env", 'u', "user", 'c', "cap", 'd', "detach", 't', "tty"),
            "list", Map.of('f', "format", 'q', "quiet"),
            "ps", Map.of('f', "format"),
            "kill", Map.of('a', "all"),
            "delete", Map.of('f', "force"),
            "spec", Map.of('b', "bundle"));

    final Map<String, List<String>> global = new HashMap<>();
    final String command;
    final Map<String, List<String>> options = new HashMap<>();
    final List<String> positional = new ArrayList<>();

    private RuncArgs(String command) {
        this.command = command;
    }

    /**
     * @throws IllegalArgumentException naming an unknown command or option, or a missing value
     */
    static RuncArgs parse(String[] argv) {
        Map<String, List<String>> global = new HashMap<>();
        int i = 0;
        while (i < argv.length && argv[i].startsWith("-")) {
            i = option(argv, i, "", global, global);
        }
        if (i == argv.length) {
            RuncArgs args = new RuncArgs(global.containsKey("version") ? "--version" : "help");
            args.global.putAll(global);
            return args;
        }
        String command = argv[i++];
        if (!VALUED.containsKey(command) || command.isEmpty()) {
            throw new IllegalArgumentException("no such command '" + command + "'; commands: " + String.join(", ",
                    VALUED.keySet().stream().filter(c -> !c.isEmpty()).sorted().toList()));
        }
        RuncArgs args = new RuncArgs(command);
        args.global.putAll(global);
        boolean onlyPositional = false;
        while (i < argv.length) {
            String a = argv[i];
            if (onlyPositional || !a.startsWith("-") || a.equals("-")) {
                args.positional.add(a);
                i++;
                // exec's command line is the container command: its options are not ours.
                onlyPositional |= command.equals("exec") && args.positional.size() > 1;
            } else if (a.equals("--")) {
                onlyPositional = true;
                i++;
            } else {
                i = option(argv, i, command, args.options, args.global);
            }
        }
        return args;
    }

    private static int option(String[] argv, int i, String command, Map<String, List<String>> into,
            Map<String, List<String>> global) {
        String a = argv[i];
        String name;
        String value = null;
        if (a.startsWith("--") || a.length() > 2 && !ALIASES.getOrDefault(command, Map.of()).containsKey(a.charAt(1))) {
            name = a.replaceFirst("^--?", "");
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
        } else {
            name = ALIASES.getOrDefault(command, Map.of()).get(a.charAt(1));
            if (name == null) {
                throw new IllegalArgumentException("flag provided but not defined: " + a);
            }
            if (a.length() > 2) {
                value = a.substring(2);
            }
        }
        if (command.isEmpty() || !VALUED.getOrDefault(command, Set.of()).contains(name)
                && !FLAGS.getOrDefault(command, Set.of()).contains(name)) {
            if (isGlobal(name)) {
                command = "";
                into = global;
            } else {
                throw new IllegalArgumentException("flag provided but not defined: -" + name
                        + (command.isEmpty() ? "" : " (command " + command + ")"));
            }
        }
        if (VALUED.get(command).contains(name)) {
            if (value == null) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("flag needs an argument: --" + name);
                }
                value = argv[++i];
            }
        } else if (value == null) {
            value = "true";
        }
        into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        return i + 1;
    }

    private static boolean isGlobal(String name) {
        return VALUED.get("").contains(name) || FLAGS.get("").contains(name);
    }

    String option(String name) {
        List<String> values = options.get(name);
        return values == null ? null : values.get(values.size() - 1);
    }

    List<String> all(String name) {
        return options.getOrDefault(name, List.of());
    }

    boolean flag(String name) {
        String value = option(name);
        return value != null && !value.equals("false");
    }

    String globalOption(String name) {
        List<String> values = global.get(name);
        return values == null ? null : values.get(values.size() - 1);
    }

    /**
     * @return the {@code index}th positional argument
     * @throws IllegalArgumentException when it is missing, naming what it is
     */
    String required(int index, String what) {
        if (positional.size() <= index) {
            throw new IllegalArgumentException(command + ": " + what + " is required");
        }
        return positional.get(index);
    }
}
