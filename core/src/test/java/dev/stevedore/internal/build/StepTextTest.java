package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text of each kind of instruction: a step's cache key covers it, so it may not change between versions. */
class StepTextTest {

    private static List<String> texts(String dockerfile) {
        Dockerfile parsed = DockerfileParser.parse(dockerfile, "Dockerfile");
        List<String> out = new ArrayList<>();
        for (Instruction.Arg arg : parsed.globalArgs()) {
            out.add(StepText.of(arg));
        }
        for (Dockerfile.Stage stage : parsed.stages()) {
            out.add(StepText.of(stage.from()));
            for (Instruction i : stage.instructions()) {
                out.add(StepText.of(i));
            }
        }
        return out;
    }

    @Test
    void writesEachInstructionBackAsDockerfileText() {
        assertThat(texts("""
                ARG BASE=busybox VERSION
                FROM --platform=linux/amd64 $BASE AS build
                ARG A=1 B
                ENV APP_HOME=/app EMPTY="" SPACED="a b" QUOTE="say \\"hi\\"" BACK=a\\\\b TAB="a\tb"
                LABEL org.example="x y" plain=z
                RUN --mount=type=cache,target=/c --network=none --security=sandbox echo built > /built
                RUN ["sh", "-c", "echo \\"q\\" \\\\ done"]
                COPY --from=build --chown=1:2 --chmod=644 --link --parents --exclude=*.tmp a b /dest/
                COPY . /app
                ADD --chown=3 --chmod=755 --checksum=sha256:abc --link --exclude=x https://example.com/f /f
                WORKDIR /app
                USER 1000:1000
                EXPOSE 80/tcp 443
                VOLUME /data /logs
                SHELL ["/bin/sh", "-c"]
                STOPSIGNAL SIGTERM
                HEALTHCHECK --interval=1m30s --timeout=1500ms --start-period=2s --start-interval=250ms --retries=3 CMD curl -f http://localhost/
                ONBUILD RUN make
                MAINTAINER someone
                ENTRYPOINT ["/bin/app", "--flag"]
                CMD echo hello
                FROM scratch
                HEALTHCHECK NONE
                CMD ["a\\nb"]
                """)).containsExactly(
                "ARG BASE=busybox VERSION",
                "FROM --platform=linux/amd64 $BASE AS build",
                "ARG A=1 B",
                "ENV APP_HOME=/app EMPTY=\"\\\"\\\"\" SPACED=\"\\\"a b\\\"\" QUOTE=\"\\\"say \\\\\\\"hi\\\\\\\"\\\"\" BACK=\"a\\\\\\\\b\" TAB=\"\\\"a\tb\\\"\"",
                "LABEL org.example=\"\\\"x y\\\"\" plain=z",
                "RUN --mount=type=cache,target=/c --network=none --security=sandbox echo built > /built",
                "RUN [\"sh\",\"-c\",\"echo \\\"q\\\" \\\\ done\"]",
                "COPY --from=build --chown=1:2 --chmod=644 --link --parents --exclude=*.tmp a b /dest/",
                "COPY . /app",
                "ADD --chown=3 --chmod=755 --checksum=sha256:abc --link --exclude=x https://example.com/f /f",
                "WORKDIR /app",
                "USER 1000:1000",
                "EXPOSE 80/tcp 443",
                "VOLUME [\"/data\",\"/logs\"]",
                "SHELL [\"/bin/sh\",\"-c\"]",
                "STOPSIGNAL SIGTERM",
                "HEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=2s --start-interval=250ms --retries=3"
                        + " CMD curl -f http://localhost/",
                "ONBUILD RUN make",
                "MAINTAINER someone",
                "ENTRYPOINT [\"/bin/app\",\"--flag\"]",
                "CMD echo hello",
                "FROM scratch",
                "HEALTHCHECK NONE",
                "CMD [\"a\\nb\"]");
    }

    @Test
    void keepsHeredocsOfRunAndCopy() {
        assertThat(texts("""
                FROM scratch
                RUN <<EOF
                echo one
                EOF
                COPY <<A <<B /dest/
                first
                A
                second
                B
                """)).containsExactly(
                "FROM scratch",
                "RUN echo one\n",
                "COPY <<A <<B /dest/\nfirst\nA\nsecond\nB");
    }

    @Test
    void writesDurationsAsDockerDoes() {
        assertThat(StepText.duration(Duration.ZERO)).isEqualTo("0s");
        assertThat(StepText.duration(Duration.ofMillis(300))).isEqualTo("300ms");
        assertThat(StepText.duration(Duration.ofNanos(1500))).isEqualTo("1500ns");
        assertThat(StepText.duration(Duration.ofSeconds(3723))).isEqualTo("1h2m3s");
        assertThat(StepText.duration(Duration.ofMillis(1500))).isEqualTo("1.5s");
        assertThat(StepText.duration(Duration.ofMinutes(2))).isEqualTo("2m0s");
    }
}
