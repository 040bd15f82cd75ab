package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ImageNotFoundException;
import dev.stevedore.ImageStore;
import dev.stevedore.image.Image;
import dev.stevedore.image.ImageFormat;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.testing.BusyboxImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images in an engine of the test's own: from a directory, list, tag, remove, inspect, export, load. */
class ImagesTest {

    @TempDir
    static Path root;
    static Engine engine;
    static ImageStore images;

    @BeforeAll
    static void engine() {
        engine = Engine.builder().root(root.resolve("store")).build();
        images = engine.images();
        BusyboxImage.ensure(engine);
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    @Test
    void fromDirectoryIsReproducibleAndRuns(@TempDir Path dir) throws Exception {
        BusyboxImage.writeRootfs(dir);
        Files.writeString(dir.resolve("hello.txt"), "from a directory\n");
        ImageConfig.Config config = ImageConfig.Config.EMPTY.withCmd(List.of("cat", "/hello.txt"));
        Image first = images.fromDirectory(dir, "fromdir:1", config);
        Image again = images.fromDirectory(dir, "fromdir:2", config);
        assertThat(again.digest()).as("same files, same digest").isEqualTo(first.digest());
        assertThat(first.layers()).hasSize(1);
        assertThat(first.reference()).isEqualTo("fromdir:1");
        assertThat(Containers.image(first).withEngine(engine).run().stdout()).isEqualTo("from a directory\n");
    }

    @Test
    void inspectGivesConfigLayersSizeAndHistory() {
        Image busybox = images.inspect(BusyboxImage.NAME);
        assertThat(busybox.name()).contains("docker.io/library/busybox:1.36");
        assertThat(busybox.runConfig().cmd()).containsExactly("sh");
        assertThat(busybox.layers()).hasSize(1);
        assertThat(busybox.size()).isGreaterThan(500_000);
        assertThat(busybox.history()).hasSize(1);
        assertThat(busybox.toString()).startsWith("Image{busybox:1.36, sha256:");
        assertThat(images.inspect(busybox.digest().toString()).digest()).isEqualTo(busybox.digest());
        assertThat(images.inspect(busybox.digest().encoded().substring(0, 10)).digest()).isEqualTo(busybox.digest());
    }

    @Test
    void tagListAndRemove() {
        Image tagged = images.tag(BusyboxImage.NAME, "mybox:tagged");
        assertThat(tagged.reference()).isEqualTo("mybox:tagged");
        assertThat(images.list()).extracting(Image::reference).contains("mybox:tagged", BusyboxImage.NAME);
        assertThat(images.remove("mybox:tagged")).containsExactly("docker.io/library/mybox:tagged");
        assertThat(images.exists("mybox:tagged")).isFalse();
        assertThat(images.exists(BusyboxImage.NAME)).as("other names stay").isTrue();
        assertThatThrownBy(() -> images.remove("mybox:tagged")).isInstanceOf(ImageNotFoundException.class)
                .hasMessageContaining("\"mybox:tagged\"");
    }

    @Test
    void exportAndLoadEveryFormat(@TempDir Path dir) {
        Engine other = Engine.builder().root(dir.resolve("other")).build();
        try (other) {
            for (ImageFormat format : ImageFormat.values()) {
                Path target = dir.resolve(format.name().toLowerCase());
                images.export(BusyboxImage.NAME, target, format);
                List<Image> loaded = other.images().load(target);
                assertThat(loaded).as(format.name()).singleElement()
                        .satisfies(i -> assertThat(i.reference()).isEqualTo(BusyboxImage.NAME));
                assertThat(loaded.get(0).runConfig().cmd()).containsExactly("sh");
                other.images().remove(BusyboxImage.NAME);
            }
            other.images().load(dir.resolve("docker_archive"));
            assertThat(Containers.image(BusyboxImage.NAME).withEngine(other).withCommand("echo", "loaded").run()
                    .stdout()).isEqualTo("loaded\n");
        }
    }

    @Test
    void exportedArchiveIsReadBySkopeo(@TempDir Path dir) throws Exception {
        Path archive = dir.resolve("busybox.tar");
        images.export(BusyboxImage.NAME, archive, ImageFormat.OCI_ARCHIVE);
        Process skopeo = new ProcessBuilder("skopeo", "inspect", "--config", "oci-archive:" + archive)
                .redirectErrorStream(true).start();
        String out = new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(skopeo.waitFor()).as(out).isZero();
        assertThat(out).contains("\"Cmd\"").contains("\"sh\"");
    }

    @Test
    void loadRefusesWhatIsNoImageSayingWhy(@TempDir Path dir) throws Exception {
        Path notTar = Files.writeString(dir.resolve("notes.txt"), "hello");
        assertThatThrownBy(() -> images.load(notTar)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(notTar.toString());
        assertThatThrownBy(() -> images.load(dir.resolve("missing"))).hasMessageContaining("does not exist");
    }
}
