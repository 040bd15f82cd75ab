package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.internal.archive.Conformance;
import dev.stevedore.internal.archive.Tool;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The classic Dockerfile parser corpus (../shared/conformance/dockerfile-corpus.sh) against our
 * parser's dump, the one {@code stevedore build --dump-ast} prints.
 */
class DockerfileCorpusTest {

    @Test
    void everyCaseOfTheClassicParserCorpusPasses() {
        Path script = Conformance.script("dockerfile-corpus.sh");
        String command = "java -cp " + System.getProperty("java.class.path") + " " + DockerfileDump.class.getName();
        Tool.Result result = Tool.run(Map.of("CMD", command, "WORKDIR",
                Path.of(System.getProperty("java.io.tmpdir"), "stevedore-dockerfile-corpus").toString()),
                List.of("bash", script.toString()));
        String[] lines = result.output().trim().split("\n");
        assertThat(lines[lines.length - 1]).as("corpus summary; full output:\n%s", result.output())
                .isEqualTo("32 passed, 0 failed");
    }
}
