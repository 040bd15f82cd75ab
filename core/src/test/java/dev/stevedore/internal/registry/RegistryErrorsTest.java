package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Error answers docker-registry cannot be made to give (rate limits, denials), from a scripted server. */
class RegistryErrorsTest {

    private static final byte[] CONFIG = "{}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] LAYER = new byte[100_000];
    private static final Descriptor STALL_CONFIG = Descriptor.of(MediaTypes.IMAGE_CONFIG, CONFIG);
    private static final Descriptor STALL_LAYER = Descriptor.of(MediaTypes.LAYER_TAR, LAYER);
    private static final Manifest STALL_MANIFEST = Manifest.of(STALL_CONFIG, List.of(STALL_LAYER));

    @TempDir
    Path dir;

    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                byte[] body;
                int status;
                if (path.equals("/v2/")) {
                    status = 200;
                    body = "{}".getBytes(StandardCharsets.UTF_8);
                } else if (path.startsWith("/v2/stall/app/manifests/")) {
                    status = 200;
                    exchange.getResponseHeaders().set("Content-Type", MediaTypes.IMAGE_MANIFEST);
                    body = OciJson.write(STALL_MANIFEST);
                    exchange.sendResponseHeaders(status, body.length);
                    exchange.getResponseBody().write(body);
                    return;
                } else if (path.equals("/v2/stall/app/blobs/" + STALL_CONFIG.digest())) {
                    status = 200;
                    body = CONFIG;
                } else if (path.equals("/v2/stall/app/blobs/" + STALL_LAYER.digest())) {
                    // Half the layer, then silence: the client must give up instead of waiting forever.
                    exchange.sendResponseHeaders(200, LAYER.length);
                    exchange.getResponseBody().write(LAYER, 0, LAYER.length / 2);
                    exchange.getResponseBody().flush();
                    sleepQuietly(4000);
                    return;
                } else if (path.contains("/limited/")) {
                    status = 429;
                    exchange.getResponseHeaders().set("Retry-After", "17");
                    body = "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"You have reached your pull rate limit\"}]}"
                            .getBytes(StandardCharsets.UTF_8);
                } else if (path.contains("/private/")) {
                    status = 403;
                    body = "{\"errors\":[{\"code\":\"DENIED\",\"message\":\"requested access to the resource is denied\"}]}"
                            .getBytes(StandardCharsets.UTF_8);
                } else {
                    status = 502;
                    body = "<html>bad gateway</html>".getBytes(StandardCharsets.UTF_8);
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, body.length);
                exchange.getResponseBody().write(body);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private ImageReference ref(String path) {
        return ImageReference.parse("127.0.0.1:" + server.getAddress().getPort() + "/" + path);
    }

    // The scripted server never answers a TLS hello: a short timeout ends the client's one HTTPS probe
    // soon, and is the stall timeout too.
    private static RegistryClient client;

    @BeforeAll
    static void client() {
        client = new RegistryClient(RegistryOptions.defaults().withTimeout(Duration.ofMillis(1500)));
    }

    @Test
    void rateLimitsCarryTheCodeAndRetryAfter() {
        assertThatThrownBy(() -> client.resolve(ref("limited/app:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.code()).contains("TOOMANYREQUESTS");
                    assertThat(e.retryAfter()).contains(Duration.ofSeconds(17));
                })
                .hasMessageContaining("repository 'limited/app' answered HTTP 429 TOOMANYREQUESTS: You have reached"
                        + " your pull rate limit; retry after 17 s");
    }

    @Test
    void deniedAccessIsNamed() {
        assertThatThrownBy(() -> client.resolve(ref("private/app:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).contains("DENIED"))
                .hasMessageContaining("answered HTTP 403 DENIED: requested access to the resource is denied")
                .hasMessageContaining("lack access to this repository");
    }

    @Test
    void aNonJsonErrorStillNamesTheStatus() {
        assertThatThrownBy(() -> client.resolve(ref("broken/app:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).isEmpty())
                .hasMessageContaining("pull of manifest broken/app:1 failed: registry '127.0.0.1:"
                        + server.getAddress().getPort() + "' repository 'broken/app' answered HTTP 502");
    }

    @Test
    void aDownloadThatStallsFailsAfterTheTimeoutKeepingWhatArrived() throws IOException {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> client.pull(ref("stall/app:1"), store, TransferListener.NONE))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("pull of blob " + STALL_LAYER.digest() + " failed")
                .hasMessageContaining("the download stopped after 50000 of 100000 bytes: no data arrived for 1500 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(3900));
        assertThat(store.exists(STALL_CONFIG.digest())).isTrue();
        try (var ingest = Files.list(store.root().resolve("ingest"))) {
            assertThat(ingest.map(p -> p.getFileName().toString()))
                    .containsExactly("partial-sha256-" + STALL_LAYER.digest().encoded());
        }
    }

    @Test
    void anUnreachableRegistryIsNamed() {
        int port = LocalRegistry.freePort();
        assertThatThrownBy(() -> client.resolve(ImageReference.parse("127.0.0.1:" + port + "/x:1")))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("cannot reach registry '127.0.0.1:" + port + "' over https or http");
        assertThatThrownBy(() -> client.resolve(ImageReference.parse("registry.invalid/x:1")))
                .as("plain HTTP is tried only for localhost and insecure registries")
                .hasMessageContaining("cannot reach registry 'registry.invalid' over https:")
                .hasMessageContaining("mark it insecure");
    }
}
