package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.linux.LinuxBackend;
import dev.stevedore.linux.OverlaySnapshotter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RUN steps in real containers (as root): their changes become layers, cached like every step. */
class RunStepTest {

    @TempDir
    static Path tmp;
    static BuildFixture f;
    static ContainerRunStepExecutor runner;

    @BeforeAll
    static void open() {
        assertThat(ImageBuilder.isRoot()).as("RUN tests need root (CI runs as root)").isTrue();
        assertThat(new LinuxBackend().unavailableReason()).as("the Linux backend must work here").isNull();
        assertThat(new OverlaySnapshotter().unavailableReason(tmp)).as("overlayfs must work here").isNull();
        runner = new ContainerRunStepExecutor(new LinuxBackend(), new OverlaySnapshotter(), tmp.resolve("run"));
        f = new BuildFixture(tmp, runner);
    }

    @AfterAll
    static void close() {
        runner.close();
    }

    static Path context(String dockerfile, String... files) {
        return f.context(dockerfile, files);
    }

    @Test
    void runChangesBecomeALayerWithEnvArgsUserAndWorkdir() {
        Path ctx = context("""
                FROM busybox
                ARG GREETING=hello
                ENV WHO=world
                WORKDIR /work
                RUN echo "$GREETING $WHO from $(pwd) as $(id -u)" > out.txt && rm /etc/group
                USER app
                RUN ["/bin/sh", "-c", "id -u > /tmp/uid; echo to-stdout; echo to-stderr >&2"]
                """);
        StringBuilder output = new StringBuilder();
        BuildResult r = f.builder.build(ctx, BuildOptions.defaults().withBuildArgs(Map.of("GREETING", "hi"))
                .withListener(new BuildListener() {
                    @Override
                    public void output(Step step, byte[] bytes, int length, boolean stderr) {
                        output.append(new String(bytes, 0, length, StandardCharsets.UTF_8));
                    }
                }));
        var layers = f.manifest(r).layers();
        var first = f.layer(layers.get(2));
        assertThat(first.get("work/out.txt").content()).isEqualTo("hi world from /work as 0\n");
        assertThat(first).as("deletion is a whiteout").containsKey("etc/.wh.group");
        assertThat(first).as("the runtime's mount points are not changes").doesNotContainKeys("proc/", "dev/", "sys/",
                "etc/hosts", "etc/resolv.conf", "etc/hostname");
        assertThat(first.values()).allSatisfy(e -> assertThat(e.mtime()).isZero());
        assertThat(f.layer(layers.get(3)).get("tmp/uid").content()).isEqualTo("1000\n");
        assertThat(output.toString()).contains("to-stdout\n", "to-stderr\n");
        assertThat(f.config(r).history().get(f.config(r).history().size() - 1).createdBy())
                .isEqualTo("RUN /bin/sh -c id -u > /tmp/uid; echo to-stdout; echo to-stderr >&2");
    }

    @Test
    void failingRunNamesTheLineAndStatus() {
        Path ctx = context("FROM busybox\n\nRUN echo about to fail; exit 3\n");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessage("Dockerfile:3: RUN echo about to fail; exit 3 failed with exit status 3");
    }

    @Test
    void runIsCachedAndReproducible() {
        Path ctx = context("FROM busybox\nCOPY a /a\nRUN cat /a > /b; mkdir -p /x/y; echo z > /x/y/z\n", "a", "A");
        BuildResult first = f.build(ctx);
        assertThat(first.stepsRun()).isEqualTo(2);
        BuildResult again = f.build(ctx);
        assertThat(again.stepsRun()).isZero();
        BuildResult rebuilt = f.build(ctx, BuildOptions.defaults().withNoCache(true));
        assertThat(rebuilt.stepsRun()).isEqualTo(2);
        assertThat(rebuilt.digest()).as("the same RUN gives the same layer").isEqualTo(first.digest());
        assertThat(f.topLayer(first).get("b").content()).isEqualTo("A");
    }

    @Test
    void networkIsNoneByDefault() {
        Path ctx = context("FROM busybox\nRUN cat /proc/net/dev > /net\n");
        String dev = f.topLayer(f.build(ctx)).get("net").content();
        assertThat(dev).contains("lo:").doesNotContain("eth0");
    }

    @Test
    void multiStageBuildCopiesWhatAnEarlierStageRan() {
        Path ctx = context("""
                FROM busybox AS build
                RUN mkdir /out && echo built > /out/artifact
                FROM busybox
                COPY --from=build /out/artifact /app/
                CMD ["cat", "/app/artifact"]
                """);
        BuildResult r = f.build(ctx);
        assertThat(f.topLayer(r).get("app/artifact").content()).isEqualTo("built\n");
        assertThat(f.manifest(r).layers()).hasSize(2);
    }

    @Test
    void aMissingExecutableNamesTheLine() {
        Path ctx = context("FROM busybox\nRUN [\"/no/such/tool\", \"x\"]\n");
        assertThatThrownBy(() -> f.build(ctx)).isInstanceOf(DockerfileException.class)
                .hasMessageStartingWith("Dockerfile:2: RUN ").hasMessageContaining("/no/such/tool");
    }

    @Test
    void aChangedBuildArgRunsTheRunAgain() {
        Path ctx = context("FROM busybox\nARG V=1\nRUN echo $V > /v\n");
        f.build(ctx);
        assertThat(f.build(ctx).stepsRun()).isZero();
        BuildResult other = f.build(ctx, BuildOptions.defaults().withBuildArgs(Map.of("V", "2")));
        assertThat(other.stepsRun()).isEqualTo(1);
        assertThat(f.topLayer(other).get("v").content()).isEqualTo("2\n");
    }
}
