package dev.stevedore.internal.build;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An expanded instruction written back as Dockerfile text: what progress shows, what the image's
 * history records as {@code created_by}, and what a step's cache key covers.
 */
final class StepText {

    private StepText() {}

    static String of(Instruction i) {
        // Loops rather than lambdas and streams: every build writes its steps' text on its main thread, where
        // in a fresh JVM each lambda's first use spins a class and streams load their framework.
        if (i instanceof Instruction.From f) {
            StringBuilder s = new StringBuilder("FROM ");
            if (f.platform().isPresent()) {
                s.append("--platform=").append(f.platform().get()).append(' ');
            }
            s.append(f.image());
            if (f.stageName().isPresent()) {
                s.append(" AS ").append(f.stageName().get());
            }
            return s.toString();
        } else if (i instanceof Instruction.Arg a) {
            StringBuilder s = new StringBuilder("ARG ");
            for (Instruction.ArgDefinition d : a.definitions()) {
                if (s.length() > 4) {
                    s.append(' ');
                }
                s.append(d.name());
                if (d.defaultValue().isPresent()) {
                    s.append('=').append(d.defaultValue().get());
                }
            }
            return s.toString();
        } else if (i instanceof Instruction.Env e) {
            return "ENV " + pairs(e.variables());
        } else if (i instanceof Instruction.Label l) {
            return "LABEL " + pairs(l.labels());
        } else if (i instanceof Instruction.Run r) {
            List<String> flags = new ArrayList<>();
            for (String m : r.mounts()) {
                flags.add("--mount=" + m);
            }
            flag(flags, "--network=", r.network());
            flag(flags, "--security=", r.security());
            String cmd = r.command().execForm() ? json(r.command().arguments())
                    : r.heredocs().isEmpty() ? r.command().shellText() : r.shellScript();
            return "RUN " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + cmd;
        } else if (i instanceof Instruction.Cmd c) {
            return "CMD " + command(c.command());
        } else if (i instanceof Instruction.Entrypoint e) {
            return "ENTRYPOINT " + command(e.command());
        } else if (i instanceof Instruction.Copy c) {
            List<String> flags = new ArrayList<>();
            flag(flags, "--from=", c.from());
            flag(flags, "--chown=", c.chown());
            flag(flags, "--chmod=", c.chmod());
            if (c.link()) {
                flags.add("--link");
            }
            if (c.parents()) {
                flags.add("--parents");
            }
            excludes(flags, c.excludes());
            return copy("COPY", flags, c.sources(), c.inlineSources(), c.destination());
        } else if (i instanceof Instruction.Add a) {
            List<String> flags = new ArrayList<>();
            flag(flags, "--chown=", a.chown());
            flag(flags, "--chmod=", a.chmod());
            flag(flags, "--checksum=", a.checksum());
            if (a.link()) {
                flags.add("--link");
            }
            excludes(flags, a.excludes());
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
            durationFlag(flags, "--interval=", h.interval());
            durationFlag(flags, "--timeout=", h.timeout());
            durationFlag(flags, "--start-period=", h.startPeriod());
            durationFlag(flags, "--start-interval=", h.startInterval());
            if (h.retries().isPresent()) {
                flags.add("--retries=" + h.retries().get());
            }
            return "HEALTHCHECK " + (flags.isEmpty() ? "" : String.join(" ", flags) + " ") + "CMD "
                    + command(h.test().get());
        } else if (i instanceof Instruction.Onbuild o) {
            return "ONBUILD " + o.trigger();
        } else if (i instanceof Instruction.Maintainer m) {
            return "MAINTAINER " + m.name();
        }
        throw new IllegalArgumentException("unknown instruction " + i);
    }

    private static void flag(List<String> flags, String name, Optional<String> value) {
        if (value.isPresent()) {
            flags.add(name + value.get());
        }
    }

    private static void durationFlag(List<String> flags, String name, Optional<java.time.Duration> value) {
        if (value.isPresent()) {
            flags.add(name + duration(value.get()));
        }
    }

    private static void excludes(List<String> flags, List<String> excludes) {
        for (String x : excludes) {
            flags.add("--exclude=" + x);
        }
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
        for (Heredoc h : inline) {
            words.add("<<" + h.name());
        }
        words.add(dest);
        StringBuilder s = new StringBuilder(keyword + " " + String.join(" ", words));
        for (Heredoc h : inline) {
            s.append('\n').append(h.content()).append(h.name());
        }
        return s.toString();
    }

    private static String pairs(List<Instruction.KeyValue> kvs) {
        StringBuilder s = new StringBuilder();
        for (Instruction.KeyValue kv : kvs) {
            if (s.length() > 0) {
                s.append(' ');
            }
            s.append(kv.key()).append('=').append(quoteIfNeeded(kv.value()));
        }
        return s.toString();
    }

    private static String quoteIfNeeded(String v) {
        boolean quote = v.isEmpty();
        for (int k = 0; k < v.length() && !quote; k++) {
            char c = v.charAt(k);
            quote = Character.isWhitespace(c) || c == '"' || c == '\\';
        }
        return quote ? "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"" : v;
    }

    static String command(Instruction.Command c) {
        return c.execForm() ? json(c.arguments()) : c.shellText();
    }

    static String json(List<String> values) {
        StringBuilder s = new StringBuilder("[");
        for (String v : values) {
            if (s.length() > 1) {
                s.append(',');
            }
            s.append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return s.append(']').toString();
    }
}
