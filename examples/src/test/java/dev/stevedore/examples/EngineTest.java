package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.Container;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.HostReport;
import dev.stevedore.testing.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engines: their own root, the container list, prune, the host report and leftover cleanup. */
class EngineTest {

    @Test
    void builderRootHoldsAnOciLayoutAndItsContainers(@TempDir Path root) {
        try (Engine engine = Engine.builder().root(root).build()) {
            BusyboxImage.ensure(engine);
            assertThat(root.resolve("oci-layout")).exists();
            assertThat(root.resolve("index.json")).content().contains("docker.io/library/busybox:1.36");
            Container c = engine.container(BusyboxImage.NAME).withCommand("sleep", "600").start();
            assertThat(engine.containers()).extracting(Container::id).containsExactly(c.id());
            assertThat(root.resolve("containers").resolve(c.id())).isDirectory();
        }
        assertThat(root.resolve("containers")).isEmptyDirectory();
    }

    @Test
    void pruneRemovesExitedContainersAndUnreachableBlobs(@TempDir Path root) {
        try (Engine engine = Engine.builder().root(root).build()) {
            BusyboxImage.ensure(engine);
            Container exited = engine.container(BusyboxImage.NAME).withCommand("true").start();
            exited.waitFor(Duration.ofSeconds(5));
            Container running = engine.container(BusyboxImage.NAME).withCommand("sleep", "600").start();
            engine.images().tag(BusyboxImage.NAME, "doomed:1");
            engine.images().remove(BusyboxImage.NAME);
            engine.images().remove("doomed:1");
            String pruned = engine.prune();
            assertThat(pruned).startsWith("1 stopped containers, 3 blobs");
            assertThat(engine.containers()).extracting(Container::id).containsExactly(running.id());
        }
    }

    @Test
    void doctorReportsEachFeature() {
        HostReport report = Engine.defaultEngine().doctor();
        assertThat(report.checks()).extracting(HostReport.Check::feature).contains("backend", "snapshotter",
                "namespaces", "cgroups", "overlayfs", "user namespaces", "seccomp");
        assertThat(report.canRunContainers()).as(report.toString()).isTrue();
        assertThat(report.toString()).contains("cgroups").contains("v1");
    }

    @Test
    void leftoversOfDeadProcessesAreRemovedAtStart(@TempDir Path root) throws Exception {
        Path stale = root.resolve("containers/deadbeef0000");
        Files.createDirectories(stale.resolve("snapshot/upper"));
        Files.writeString(stale.resolve("owner"), "999999999 2000-01-01T00:00:00Z");
        try (Engine engine = Engine.builder().root(root).build()) {
            assertThat(stale).doesNotExist();
        }
    }

    @Test
    void specsAreReusableTemplates() {
        BusyboxImage.ensure(Engine.defaultEngine());
        var base = Containers.image(BusyboxImage.NAME).withEnv("A", "1");
        var echo = base.withCommand("sh", "-c", "echo $A$B");
        assertThat(echo.withEnv("B", "2").run().stdout()).isEqualTo("12\n");
        assertThat(echo.run().stdout()).as("the template did not change").isEqualTo("1\n");
        assertThat(echo.toString()).isEqualTo("ContainerSpec{image=busybox:1.36, command=[sh, -c, echo $A$B], env=[A]}");
    }
}
