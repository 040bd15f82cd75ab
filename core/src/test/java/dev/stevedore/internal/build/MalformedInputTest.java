package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random damage to valid Dockerfiles and words: the parser and the expander must answer with a result
 * or their own exception (which carries the file and line), never anything from inside.
 */
class MalformedInputTest {

    private static final String SEED_FILE = """
            # syntax=docker/dockerfile:1
            # escape=\\
            ARG BASE=busybox
            FROM ${BASE} AS build
            ENV a=1 b="x y" c=d\\ e
            LABEL k v w
            RUN --mount=type=cache,target=/c echo "$a" \\
              && echo '${b:-z}'
            RUN <<-EOF
            \techo hi
            \tEOF
            COPY --from=build --chown=1:1 ["a b", "/c"]
            COPY <<A <<"B" /d/
            a
            A
            b
            B
            ADD --checksum=sha256:00 http://h/x /y
            HEALTHCHECK --interval=5s --retries=2 CMD ["true"]
            ONBUILD RUN echo ${x:?y}
            SHELL ["/bin/sh", "-c"]
            VOLUME /v
            EXPOSE 80/tcp
            USER 1:1
            WORKDIR /w
            STOPSIGNAL SIGTERM
            CMD ["a"]
            ENTRYPOINT b
            """;
    private static final String ALPHABET = "\\`$'\"{}[]:-+?=<#\n\t ,aZ09";

    @Test
    void damagedDockerfilesFailOnlyWithDockerfileException() {
        Random random = new Random(20261129);
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < 4000; i++) {
            String text = damage(SEED_FILE, random);
            try {
                Dockerfile d = DockerfileParser.parse(text, "Dockerfile");
                DockerfileDump.dump(DockerfileParser.parseSyntax(text, "Dockerfile"));
                for (Dockerfile.Stage stage : d.stages()) {
                    for (Instruction instruction : stage.instructions()) {
                        d.expand(instruction, Map.of("a", "1")::get);
                    }
                }
                parsed++;
            } catch (DockerfileException e) {
                assertThat(e.getMessage()).matches("Dockerfile:\\d+: .+");
                assertThat(e.line()).isBetween(1, (int) text.lines().count() + 1);
                rejected++;
            }
        }
        // Both outcomes must actually occur, or the damage is too mild or too harsh to test anything.
        assertThat(parsed).isGreaterThan(100);
        assertThat(rejected).isGreaterThan(100);
    }

    @Test
    void damagedWordsFailOnlyWithSubstitutionException() {
        Random random = new Random(7);
        VariableExpander x = new VariableExpander('\\', Map.of("a", "A", "e", "")::get);
        for (int i = 0; i < 20000; i++) {
            StringBuilder word = new StringBuilder();
            for (int n = random.nextInt(12); n > 0; n--) {
                word.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
            }
            try {
                x.word(word.toString());
                x.heredoc(word.toString());
            } catch (VariableExpander.SubstitutionException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    /** Deletes, inserts or duplicates a few characters or lines. */
    private static String damage(String text, Random random) {
        StringBuilder s = new StringBuilder(text);
        for (int n = 1 + random.nextInt(4); n > 0 && s.length() > 0; n--) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(4)) {
                case 0 -> s.deleteCharAt(at);
                case 1 -> s.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> s.delete(at, Math.min(s.length(), at + random.nextInt(20)));
                default -> {
                    List<String> lines = new ArrayList<>(s.toString().lines().toList());
                    int line = random.nextInt(lines.size());
                    lines.add(random.nextInt(lines.size() + 1), lines.get(line));
                    s = new StringBuilder(String.join("\n", lines));
                }
            }
        }
        return s.toString();
    }
}
