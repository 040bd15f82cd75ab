package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.Images;
import dev.stevedore.StevedoreException;
import dev.stevedore.image.Image;
import dev.stevedore.testing.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images.build and Images.fromContext as a user calls them: Dockerfile in, runnable image out. */
class BuildTest {

    @BeforeAll
    static void busybox() {
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    private static Path context(Path dir, String greeting) throws Exception {
        Files.createDirectories(dir.resolve("app"));
        Files.writeString(dir.resolve("app/greeting.txt"), greeting + "\n");
        Files.writeString(dir.resolve("Dockerfile"), String.join("\n",
                "FROM " + BusyboxImage.NAME,
                "ARG VERSION=1",
                "ENV APP_HOME=/app",
                "COPY app/ /app/",
                "RUN echo \"version $VERSION\" > /version && echo ran",
                "WORKDIR /app",
                "CMD [\"sh\", \"-c\", \"cat /version greeting.txt; pwd\"]") + "\n");
        return dir;
    }

    @Test
    void buildThenRunThenRebuildFromCache(@TempDir Path dir) throws Exception {
        // Unique content, so the first build cannot come from an earlier run's cache.
        String hello = "hello " + java.util.UUID.randomUUID();
        Path ctx = context(dir, hello);
        List<String> progress = new ArrayList<>();
        Image image = Images.fromContext(ctx).withBuildArg("VERSION", "2").withTag("build-test:1")
                .withProgress(progress::add).build();
        assertThat(image.reference()).isEqualTo("build-test:1");
        assertThat(progress).contains("#4 ran").anyMatch(l -> l.matches("#4 DONE \\d+\\.\\ds"));
        assertThat(Containers.image("build-test:1").run().stdout()).isEqualTo("version 2\n" + hello + "\n/app\n");

        List<String> again = new ArrayList<>();
        Image rebuilt = Images.fromContext(ctx).withBuildArg("VERSION", "2").withTag("build-test:1")
                .withProgress(again::add).build();
        assertThat(rebuilt.digest()).as("an unchanged rebuild gives the same image").isEqualTo(image.digest());
        assertThat(again).as("every step came from the cache").noneMatch(l -> l.contains("DONE"))
                .filteredOn(l -> l.endsWith("CACHED")).hasSize(6);

        Files.writeString(ctx.resolve("app/greeting.txt"), "changed\n");
        Image changed = Images.fromContext(ctx).withBuildArg("VERSION", "2").withTag("build-test:1").build();
        assertThat(changed.digest()).isNotEqualTo(image.digest());
        assertThat(Containers.image(changed).run().stdout()).isEqualTo("version 2\nchanged\n/app\n");
    }

    @Test
    void theSameContextBuildsTheSameDigestInAnotherStore(@TempDir Path dir, @TempDir Path otherRoot) throws Exception {
        Path ctx = context(dir, "same");
        Image here = Images.build(ctx);
        try (Engine other = Engine.builder().root(otherRoot).build()) {
            BusyboxImage.ensure(other);
            assertThat(other.images().fromContext(ctx).build().digest()).isEqualTo(here.digest());
        }
    }

    @Test
    void aBadDockerfileNamesItsLine(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BusyboxImage.NAME + "\nRUN exit 3\n");
        assertThatThrownBy(() -> Images.build(dir)).isInstanceOf(StevedoreException.class)
                .hasMessageStartingWith("Dockerfile:2: ").hasMessageContaining("3");
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BusyboxImage.NAME + "\nCOPY missing.txt /\n");
        assertThatThrownBy(() -> Images.build(dir)).isInstanceOf(StevedoreException.class)
                .hasMessageStartingWith("Dockerfile:2: ").hasMessageContaining("missing.txt");
        assertThatThrownBy(() -> Images.build(dir.resolve("nope"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a directory");
    }

    @Test
    void runMountsKeepACacheBetweenBuildsAndOutOfTheImage(@TempDir Path dir) throws Exception {
        // A cache id of its own, so that other runs of this test do not share the cache.
        String id = "build-test-" + java.util.UUID.randomUUID();
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BusyboxImage.NAME + "\n"
                + "RUN --mount=type=cache,id=" + id + ",target=/var/cache/app --mount=type=tmpfs,target=/scratch \\\n"
                + "    sh -c 'echo run >> /var/cache/app/log && wc -l < /var/cache/app/log > /runs"
                + " && grep -c \" /scratch tmpfs \" /proc/mounts > /tmpfs && touch /scratch/x'\n");
        Images.fromContext(dir).withTag("run-mount:1").withNoCache().build();
        Images.fromContext(dir).withTag("run-mount:2").withNoCache().build();
        String probe = "cat /runs /tmpfs; ls -A /var/cache/app /scratch 2>&1; ls -d /var/cache/app /scratch 2>&1";
        assertThat(Containers.image("run-mount:1").withCommand("sh", "-c", probe).run().stdout())
                .as("the cache and the tmpfs stay out of the layer, their mount points too")
                .isEqualTo("1\n1\nls: /var/cache/app: No such file or directory\nls: /scratch: No such file or directory\n"
                        + "ls: /var/cache/app: No such file or directory\nls: /scratch: No such file or directory\n");
        assertThat(Containers.image("run-mount:2").withCommand("cat", "/runs").run().stdout())
                .as("the second build saw the first one's cache").isEqualTo("2\n");
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + BusyboxImage.NAME + "\n"
                + "RUN --mount=type=bind,target=/src true\n");
        assertThatThrownBy(() -> Images.fromContext(dir).build()).isInstanceOf(StevedoreException.class)
                .hasMessageContaining("Dockerfile:2").hasMessageContaining("RUN --mount=type=bind is not supported");
    }
}
