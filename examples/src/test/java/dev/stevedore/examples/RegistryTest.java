package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.StevedoreException;
import dev.stevedore.image.Image;
import dev.stevedore.testing.BusyboxImage;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images.push and Images.pull against Debian's docker-registry on 127.0.0.1. */
class RegistryTest {

    @TempDir
    static Path dir;
    static Process registry;
    static String host;

    @BeforeAll
    static void startRegistry() throws Exception {
        Path binary = Path.of("/usr/bin/docker-registry");
        assertThat(binary).as("Debian's docker-registry package is installed").isExecutable();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        host = "127.0.0.1:" + port;
        Path config = Files.writeString(dir.resolve("config.yml"), String.join("\n", "version: 0.1", "log:",
                "  level: warn", "storage:", "  filesystem:", "    rootdirectory: " + dir.resolve("storage"), "http:",
                "  addr: " + host, "  secret: stevedore-test") + "\n");
        registry = new ProcessBuilder(binary.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        long deadline = System.nanoTime() + 15_000_000_000L;
        while (true) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                break;
            } catch (java.io.IOException e) {
                assertThat(registry.isAlive()).as(Files.readString(dir.resolve("registry.log"))).isTrue();
                assertThat(System.nanoTime()).as("registry listens within 15 s").isLessThan(deadline);
                Thread.sleep(50);
            }
        }
        BusyboxImage.ensure(Engine.defaultEngine());
    }

    @AfterAll
    static void stopRegistry() {
        registry.destroy();
    }

    @Test
    void pushThenPullIntoAnotherEngineAndRun(@TempDir Path root) {
        AtomicLong pushed = new AtomicLong();
        Engine.defaultEngine().images().push(BusyboxImage.NAME, host + "/tests/busybox:1",
                (blob, bytes, total) -> pushed.accumulateAndGet(bytes, Math::max));
        assertThat(pushed.get()).isPositive();
        try (Engine other = Engine.builder().root(root).build()) {
            Image pulled = other.images().pull(host + "/tests/busybox:1");
            assertThat(pulled.digest()).isEqualTo(Engine.defaultEngine().images().inspect(BusyboxImage.NAME).digest());
            assertThat(Containers.image(host + "/tests/busybox:1").withEngine(other).withCommand("echo", "pulled")
                    .run().stdout()).isEqualTo("pulled\n");
        }
    }

    @Test
    void aContainerOfAnImageTheStoreLacksPullsIt(@TempDir Path root) {
        Engine.defaultEngine().images().push(BusyboxImage.NAME, host + "/tests/autopull:1");
        try (Engine other = Engine.builder().root(root).build()) {
            assertThat(other.images().exists(host + "/tests/autopull:1")).isFalse();
            assertThat(Containers.image(host + "/tests/autopull:1").withEngine(other).withCommand("echo", "auto")
                    .run().stdout()).isEqualTo("auto\n");
            assertThat(other.images().exists(host + "/tests/autopull:1")).isTrue();
            assertThatThrownBy(() -> Containers.image(host + "/tests/absent:1").withEngine(other).run())
                    .isInstanceOf(dev.stevedore.ImageNotFoundException.class)
                    .hasMessageContaining("image \"" + host + "/tests/absent:1\" not found in store " + root)
                    .hasMessageContaining("pulling it failed: ")
                    .hasMessageContaining("MANIFEST_UNKNOWN");
        }
    }

    @Test
    void pullOfAMissingImageNamesItAndTheRemedy() {
        assertThatThrownBy(() -> Engine.defaultEngine().images().pull(host + "/tests/nothing:1"))
                .isInstanceOf(StevedoreException.class)
                .hasMessageContaining("cannot pull \"" + host + "/tests/nothing:1\"")
                .hasMessageContaining("check the name");
    }
}
