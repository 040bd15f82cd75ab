package dev.stevedore.internal.build;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One checked Dockerfile instruction. Values are as written (quotes kept) until {@link #expand} (or
 * {@link Dockerfile#expand}) substitutes the build variables where Docker does, which also removes
 * the quotes; a builder expands every instruction before using it.
 */
public sealed interface Instruction {

    /** The 1-based line the instruction starts on. */
    int line();

    /**
     * This instruction with build variables substituted in the arguments Docker expands for it;
     * itself for RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK, ONBUILD and MAINTAINER.
     *
     * @throws VariableExpander.SubstitutionException for {@code ${a:?msg}} with {@code a} unset or a
     *     malformed substitution
     */
    default Instruction expand(VariableExpander x) {
        return this;
    }

    /**
     * A command in exec form (an argument vector) or shell form (one string for the shell).
     *
     * @param arguments the argument vector, or for the shell form one element: the command text
     * @param execForm whether the instruction used a JSON array
     */
    record Command(List<String> arguments, boolean execForm) {
        public Command {
            arguments = List.copyOf(arguments);
        }

        static Command shell(String text) {
            return new Command(List.of(text), false);
        }

        /** The shell-form command text. */
        public String shellText() {
            if (execForm) {
                throw new IllegalStateException("an exec-form command has no shell text");
            }
            return arguments.get(0);
        }
    }

    /**
     * @param key the name
     * @param value the value
     */
    record KeyValue(String key, String value) {
        KeyValue expand(VariableExpander x) {
            return new KeyValue(x.word(key), x.word(value));
        }
    }

    /**
     * @param name the variable's name
     * @param defaultValue its default, used when no build argument gives a value
     */
    record ArgDefinition(String name, Optional<String> defaultValue) {}

    /**
     * {@code FROM [--platform=P] image [AS name]}.
     *
     * @param image an image reference, {@code scratch}, or an earlier stage's name
     * @param stageName the stage's name, lower-cased
     */
    record From(int line, String image, Optional<String> stageName, Optional<String> platform) implements Instruction {
        @Override
        public From expand(VariableExpander x) {
            return new From(line, x.word(image), stageName, word(x, platform));
        }
    }

    /** {@code ARG name[=default] ...}; before the first FROM, a global build argument. */
    record Arg(int line, List<ArgDefinition> definitions) implements Instruction {
        public Arg {
            definitions = List.copyOf(definitions);
        }

        @Override
        public Arg expand(VariableExpander x) {
            List<ArgDefinition> expanded = new ArrayList<>(definitions.size());
            for (ArgDefinition d : definitions) {
                expanded.add(new ArgDefinition(d.name(), word(x, d.defaultValue())));
            }
            return new Arg(line, expanded);
        }
    }

    /** {@code ENV k=v ...} or {@code ENV k v}; all values are substituted with the variables before it. */
    record Env(int line, List<KeyValue> variables) implements Instruction {
        public Env {
            variables = List.copyOf(variables);
        }

        @Override
        public Env expand(VariableExpander x) {
            return new Env(line, expandPairs(x, variables));
        }
    }

    /** {@code LABEL k=v ...} or {@code LABEL k v}. */
    record Label(int line, List<KeyValue> labels) implements Instruction {
        public Label {
            labels = List.copyOf(labels);
        }

        @Override
        public Label expand(VariableExpander x) {
            return new Label(line, expandPairs(x, labels));
        }
    }

    /**
     * {@code RUN [--mount=...] [--network=default|none|host] [--security=sandbox|insecure] command}.
     * Its here-documents belong to the shell command: see {@link #shellScript()}.
     *
     * @param mounts the {@code --mount} specifications as written
     */
    record Run(int line, Command command, List<Heredoc> heredocs, List<String> mounts, Optional<String> network,
            Optional<String> security) implements Instruction {
        public Run {
            heredocs = List.copyOf(heredocs);
            mounts = List.copyOf(mounts);
        }

        @Override
        public Run expand(VariableExpander x) {
            return new Run(line, command, heredocs, words(x, mounts), network, security);
        }

        /**
         * For {@code RUN <<EOF} alone, the here-document is the script and the shell runs its body;
         * otherwise the command line, each here-document's body and its delimiter line together form
         * the script the shell runs (so {@code RUN cat <<EOF > /f} works as in a shell). Docker runs a
         * sole here-document whose body starts with {@code #!} as an executable file instead of through
         * the shell; that choice is the builder's.
         */
        public String shellScript() {
            String text = command.shellText();
            if (heredocs.size() == 1 && SyntaxParser.heredocMarker(text.strip(), '\0') != null) {
                return heredocs.get(0).content();
            }
            StringBuilder script = new StringBuilder(text);
            for (Heredoc h : heredocs) {
                script.append('\n').append(h.content()).append(h.name());
            }
            return script.toString();
        }
    }

    /** {@code CMD ["exec", "form"]} or {@code CMD shell form}. */
    record Cmd(int line, Command command) implements Instruction {}

    /** {@code ENTRYPOINT ["exec", "form"]} or {@code ENTRYPOINT shell form}. */
    record Entrypoint(int line, Command command) implements Instruction {}

    /**
     * {@code COPY [--from=stage|image] [--chown=u:g] [--chmod=mode] [--link] [--parents] [--exclude=pattern]
     * sources... destination}.
     *
     * @param sources the source paths or patterns, here-document markers left out
     * @param inlineSources the here-documents given as sources ({@code COPY <<EOF /file}), in order
     */
    record Copy(int line, List<String> sources, List<Heredoc> inlineSources, String destination,
            Optional<String> from, Optional<String> chown, Optional<String> chmod, boolean link, boolean parents,
            List<String> excludes) implements Instruction {
        public Copy {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }

        @Override
        public Copy expand(VariableExpander x) {
            return new Copy(line, words(x, sources), expandHeredocs(x, inlineSources), x.word(destination),
                    word(x, from), word(x, chown), word(x, chmod), link, parents, words(x, excludes));
        }
    }

    /**
     * {@code ADD [--chown=u:g] [--chmod=mode] [--link] [--checksum=sha256:...] [--keep-git-dir]
     * [--exclude=pattern] sources... destination}; a source may be a URL.
     */
    record Add(int line, List<String> sources, List<Heredoc> inlineSources, String destination,
            Optional<String> chown, Optional<String> chmod, boolean link, Optional<String> checksum,
            boolean keepGitDir, List<String> excludes) implements Instruction {
        public Add {
            sources = List.copyOf(sources);
            inlineSources = List.copyOf(inlineSources);
            excludes = List.copyOf(excludes);
        }

        @Override
        public Add expand(VariableExpander x) {
            return new Add(line, words(x, sources), expandHeredocs(x, inlineSources), x.word(destination),
                    word(x, chown), word(x, chmod), link, word(x, checksum), keepGitDir,
                    words(x, excludes));
        }
    }

    /** {@code WORKDIR path}, relative to the previous one when not absolute. */
    record Workdir(int line, String path) implements Instruction {
        @Override
        public Workdir expand(VariableExpander x) {
            return new Workdir(line, x.word(path));
        }
    }

    /** {@code USER name|uid[:group|gid]}. */
    record User(int line, String user) implements Instruction {
        @Override
        public User expand(VariableExpander x) {
            return new User(line, x.word(user));
        }
    }

    /** {@code EXPOSE port[/proto] ...}. */
    record Expose(int line, List<String> ports) implements Instruction {
        public Expose {
            ports = List.copyOf(ports);
        }

        /** Also splits a variable's value at whitespace, so {@code EXPOSE $PORTS} can name several. */
        @Override
        public Expose expand(VariableExpander x) {
            List<String> expanded = new ArrayList<>();
            for (String port : ports) {
                for (String p : x.word(port).strip().split("\\s+")) {
                    if (!p.isEmpty()) {
                        expanded.add(p);
                    }
                }
            }
            return new Expose(line, expanded);
        }
    }

    /** {@code VOLUME ["/a", "/b"]} or {@code VOLUME /a /b}. */
    record Volume(int line, List<String> paths) implements Instruction {
        public Volume {
            paths = List.copyOf(paths);
        }

        @Override
        public Volume expand(VariableExpander x) {
            return new Volume(line, words(x, paths));
        }
    }

    /** {@code SHELL ["executable", "parameters"]}. */
    record Shell(int line, List<String> shell) implements Instruction {
        public Shell {
            shell = List.copyOf(shell);
        }
    }

    /** {@code STOPSIGNAL signal}. */
    record StopSignal(int line, String signal) implements Instruction {
        @Override
        public StopSignal expand(VariableExpander x) {
            return new StopSignal(line, x.word(signal));
        }
    }

    /**
     * {@code HEALTHCHECK NONE} (test empty) or {@code HEALTHCHECK [--interval=D] [--timeout=D]
     * [--start-period=D] [--start-interval=D] [--retries=N] CMD command}.
     */
    record Healthcheck(int line, Optional<Command> test, Optional<Duration> interval, Optional<Duration> timeout,
            Optional<Duration> startPeriod, Optional<Duration> startInterval, Optional<Integer> retries)
            implements Instruction {

        /** The image config's Healthcheck.Test: {@code ["NONE"]}, {@code ["CMD", argv...]} or {@code ["CMD-SHELL", text]}. */
        public List<String> configTest() {
            if (test.isEmpty()) {
                return List.of("NONE");
            }
            List<String> out = new ArrayList<>();
            out.add(test.get().execForm() ? "CMD" : "CMD-SHELL");
            out.addAll(test.get().arguments());
            return out;
        }
    }

    /**
     * {@code ONBUILD instruction}: stored in the image, run when a later build starts FROM it; its
     * variables are expanded then, not now.
     *
     * @param trigger the instruction's text as the image config stores it, such as {@code RUN echo hi}
     * @param instruction the checked trigger instruction
     */
    record Onbuild(int line, String trigger, Instruction instruction) implements Instruction {}

    /** {@code MAINTAINER name} (deprecated: a label is the modern way). */
    record Maintainer(int line, String name) implements Instruction {}

    // Loops rather than streams and method references: every build expands its instructions on its main
    // thread, where in a fresh JVM each lambda's first use links a call site.

    private static Optional<String> word(VariableExpander x, Optional<String> value) {
        return value.isPresent() ? Optional.ofNullable(x.word(value.get())) : value;
    }

    private static List<String> words(VariableExpander x, List<String> words) {
        List<String> out = new ArrayList<>(words.size());
        for (String w : words) {
            out.add(x.word(w));
        }
        return out;
    }

    private static List<KeyValue> expandPairs(VariableExpander x, List<KeyValue> pairs) {
        List<KeyValue> out = new ArrayList<>(pairs.size());
        for (KeyValue kv : pairs) {
            out.add(kv.expand(x));
        }
        return out;
    }

    private static List<Heredoc> expandHeredocs(VariableExpander x, List<Heredoc> heredocs) {
        List<Heredoc> out = new ArrayList<>(heredocs.size());
        for (Heredoc h : heredocs) {
            out.add(h.expand() ? new Heredoc(h.name(), x.heredoc(h.content()), true) : h);
        }
        return out;
    }
}
