package dev.stevedore.internal.build;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * An expanded instruction written back as Dockerfile text: what progress shows, what the image's
 * history records as {@code created_by}, and what a step's cache key covers.
 */
final class StepText {

    private StepText() {}

    static String of(Instruction i) {
        if (i instanceof Instruction.From f) {
            return "FROM " + f.platform().map(p -> "--platform=" + p + " ").orElse("") + f.image()
                    + f.stageName().map(n -> " AS " + n).orElse("");
        } else if (i instanceof Instruction.Arg a) {
            return "ARG " + a.definitions().stream().map(d -> d.name() + d.defaultValue().map(v -> "=" + v).orElse(""))
                    .collect(Collectors.joining(" "));
        } else if (i instanceof Instruction.Env e) {
            return "ENV " + pairs(e.variables());
        } else if (i instanceof Instruction.Label l) {
            return "LABEL " + pairs(l.labels());
        } else if (i instanceof Instruction.Run r) {
            List<String> flags = new ArrayList<>();
            r.mounts().forEach(m -> flags.add("--mount=" + m));
            r.network().ifPresent(n -> flags.add("--network=" + n));
            r.security().ifPresent(s -> flags.add("--security=" + s));
            String cmd = r.command().execForm() ? json(r.command().arguments())
                    : r.heredocs().isEmpty() ? r.command().shellText() : r.shellScript();
            return "RUN " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + cmd;
        } else if (i instanceof Instruction.Cmd c) {
            return "CMD " + command(c.command());
        } else if (i instanceof Instruction.Entrypoint e) {
            return "ENTRYPOINT " + command(e.command());
        } else if (i instanceof Instruction.Copy c) {
            List<String> flags = new ArrayList<>();
            c.from().ifPresent(v -> flags.add("--from=" + v));
            c.chown().ifPresent(v -> flags.add("--chown=" + v));
            c.chmod().ifPresent(v -> flags.add("--chmod=" + v));
            if (c.link()) {
                flags.add("--link");
            }
            if (c.parents()) {
                flags.add("--parents");
            }
            c.excludes().forEach(x -> flags.add("--exclude=" + x));
            return copy("COPY", flags, c.sources(), c.inlineSources(), c.destination());
        } else if (i instanceof Instruction.Add a) {
            List<String> flags = new ArrayList<>();
            a.chown().ifPresent(v -> flags.add("--chown=" + v));
            a.chmod().ifPresent(v -> flags.add("--chmod=" + v));
            a.checksum().ifPresent(v -> flags.add("--checksum=" + v));
            if (a.link()) {
                flags.add("--link");
            }
            a.excludes().forEach(x -> flags.add("--exclude=" + x));
            return copy("ADD", flags, a.sources(), a.inlineSources(), a.destination());
        } else if (i instanceof Instruction.Workdir w) {
            return "WORKDIR " + w.path();
        } else if (i instanceof Instruction.User u) {
            return "USER " + u.user();
        } else if (i instanceof Instruction.Expose e) {
            return "EXPOSE " + String.join(" ", e.ports());
        } else if (i instanceof Instruction.Volume v) {
            return "VOLUME " + json(v.paths());
        } else if (i instanceof Instruction.Shell s) {
            return "SHELL " + json(s.shell());
        } else if (i instanceof Instruction.StopSignal s) {
            return "STOPSIGNAL " + s.signal();
        } else if (i instanceof Instruction.Healthcheck h) {
            if (h.test().isEmpty()) {
                return "HEALTHCHECK NONE";
            }
            List<String> flags = new ArrayList<>();
            h.interval().ifPresent(d -> flags.add("--interval=" + duration(d)));
            h.timeout().ifPresent(d -> flags.add("--timeout=" + duration(d)));
            h.startPeriod().ifPresent(d -> flags.add("--start-period=" + duration(d)));
            h.startInterval().ifPresent(d -> flags.add("--start-interval=" + duration(d)));
            h.retries().ifPresent(n -> flags.add("--retries=" + n));
            return "HEALTHCHECK " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + "CMD "
                    + command(h.test().get());
        } else if (i instanceof Instruction.Onbuild o) {
            return "ONBUILD " + o.trigger();
        } else if (i instanceof Instruction.Maintainer m) {
            return "MAINTAINER " + m.name();
        }
        throw new IllegalArgumentException("unknown instruction " + i);
    }

    /** A duration as Docker writes one: {@code 1h2m3s}, {@code 1.5s}, {@code 300ms}. */
    static String duration(java.time.Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        if (d.compareTo(java.time.Duration.ofSeconds(1)) < 0) {
            return d.toNanos() % 1_000_000 == 0 ? d.toMillis() + "ms" : d.toNanos() + "ns";
        }
        StringBuilder s = new StringBuilder();
        if (d.toHours() > 0) {
            s.append(d.toHours()).append('h');
        }
        if (d.toMinutesPart() > 0 || s.length() > 0) {
            s.append(d.toMinutesPart()).append('m');
        }
        s.append(d.toSecondsPart());
        if (d.toNanosPart() > 0) {
            s.append('.').append(String.format("%09d", d.toNanosPart()).replaceAll("0+$", ""));
        }
        return s.append('s').toString();
    }

    private static String copy(String keyword, List<String> flags, List<String> sources, List<Heredoc> inline,
            String dest) {
        List<String> words = new ArrayList<>(flags);
        words.addAll(sources);
        inline.forEach(h -> words.add("<<" + h.name()));
        words.add(dest);
        StringBuilder s = new StringBuilder(keyword + " " + String.join(" ", words));
        inline.forEach(h -> s.append('\n').append(h.content()).append(h.name()));
        return s.toString();
    }

    private static String pairs(List<Instruction.KeyValue> kvs) {
        return kvs.stream().map(kv -> kv.key() + "=" + quoteIfNeeded(kv.value())).collect(Collectors.joining(" "));
    }

    private static String quoteIfNeeded(String v) {
        return v.isEmpty() || v.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\\')
                ? "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : v;
    }

    static String command(Instruction.Command c) {
        return c.execForm() ? json(c.arguments()) : c.shellText();
    }

    static String json(List<String> values) {
        return values.stream().map(v -> "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"")
                .collect(Collectors.joining(",", "[", "]"));
    }
}
