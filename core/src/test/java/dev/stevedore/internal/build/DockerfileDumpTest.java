package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command-line contract the conformance script relies on: stdout, stderr and exit status. */
class DockerfileDumpTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return DockerfileDump.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void dumpsTheFileNamedByTheLastArgument(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("Dockerfile");
        Files.writeString(file, "FROM a\nLABEL k v\nCOPY --from=b [\"x\", \"/y\"]\n");
        assertThat(run("--dump-ast", file.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("(from \"a\")\n(label \"k\" \"v\")\n(copy [\"--from=b\"] \"x\" \"/y\")\n");
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void reportsAMalformedDockerfileWithItsNameAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("web.Dockerfile");
        Files.writeString(file, "FROM a\n\nENV PATH\n");
        assertThat(run(file.toString())).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("web.Dockerfile:3: ENV PATH has no value: write ENV PATH=value\n");
    }

    @Test
    void reportsAMissingFile(@TempDir Path dir) {
        assertThat(run(dir.resolve("nope").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("cannot read the Dockerfile " + dir.resolve("nope"));
        assertThat(run()).isEqualTo(2);
    }
}
