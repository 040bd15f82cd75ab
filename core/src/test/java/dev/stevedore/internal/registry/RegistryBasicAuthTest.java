package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Platform;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry behind TLS with a test CA and htpasswd basic auth. */
class RegistryBasicAuthTest {

    @TempDir
    static Path shared;

    static TestCertificates certificates;
    static LocalRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRegistry() {
        certificates = TestCertificates.create(shared.resolve("tls"));
        registry = LocalRegistry.builder(shared.resolve("registry"))
                .htpasswd("alice", "s3cret")
                .tls(certificates.serverCertificate(), certificates.serverKey())
                .start();
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private RegistryOptions trusting() {
        return RegistryOptions.defaults().withExtraCa(certificates.caCertificate());
    }

    private ImageReference ref(String path) {
        return ImageReference.parse(registry.host() + "/" + path);
    }

    private Descriptor busybox(ContentStore store) {
        return TestImages.image(store, Platform.of("linux", "amd64", null), List.of(TestImages.busyboxLayer()));
    }

    @Test
    void pushesAndPullsWithCredentialsOverTlsTrustingTheExtraCa() {
        RegistryClient client = new RegistryClient(trusting().withCredential(registry.host(),
                Credential.basic("alice", "s3cret")));
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = busybox(source);
        client.push(source, image, ref("secure/busybox:1"), TransferListener.NONE);
        ContentStore target = ContentStore.open(dir.resolve("target"));
        PullResult pulled = client.pull(ref("secure/busybox:1"), target, TransferListener.NONE);
        assertThat(pulled.image().digest()).isEqualTo(image.digest());
        assertThat(target.blobs()).hasSize(3);
    }

    @Test
    void readsCredentialsFromADockerConfigFile() throws IOException {
        Path config = dir.resolve("config.json");
        String auth = Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        Files.writeString(config, "{\"auths\":{\"https://" + registry.host() + "\":{\"auth\":\"" + auth + "\"}}}");
        RegistryClient client = new RegistryClient(trusting().withCredentialsFile(config));
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = busybox(source);
        PushResult pushed = client.push(source, image, ref("secure/from-config:1"), TransferListener.NONE);
        assertThat(pushed.image()).isEqualTo(image);
    }

    @Test
    void badCredentialsAreUnauthorized() {
        RegistryClient client = new RegistryClient(trusting()
                .withCredentialsFile(dir.resolve("missing.json"))
                .withCredential(registry.host(), Credential.basic("alice", "wrong")));
        assertThatThrownBy(() -> client.pull(ref("secure/busybox:1"), ContentStore.open(dir.resolve("s")),
                TransferListener.NONE))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).contains("UNAUTHORIZED"))
                .hasMessageContaining("registry '" + registry.host() + "' repository 'secure/busybox' answered HTTP 401 UNAUTHORIZED")
                .hasMessageContaining("check the credentials for " + registry.host());
    }

    @Test
    void noCredentialsAreUnauthorizedToo() {
        RegistryClient client = new RegistryClient(trusting().withCredentialsFile(dir.resolve("missing.json")));
        assertThatThrownBy(() -> client.resolve(ref("secure/busybox:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).contains("UNAUTHORIZED"));
    }

    @Test
    void anUnknownCertificateAuthorityIsRefusedNamingTheRegistry() {
        RegistryClient client = new RegistryClient(RegistryOptions.defaults()
                .withCredential(registry.host(), Credential.basic("alice", "s3cret")));
        assertThatThrownBy(() -> client.resolve(ref("secure/busybox:1")))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("cannot reach registry '" + registry.host() + "'")
                .hasMessageContaining("the TLS handshake failed");
    }

    @Test
    void anInsecureRegistryIsReachedWithoutCheckingItsCertificate() {
        RegistryClient client = new RegistryClient(RegistryOptions.defaults()
                .withInsecureRegistries(java.util.Set.of(registry.host()))
                .withCredential(registry.host(), Credential.basic("alice", "s3cret")));
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = busybox(source);
        client.push(source, image, ref("secure/insecure:1"), TransferListener.NONE);
        assertThat(client.resolve(ref("secure/insecure:1"))).isEqualTo(image);
    }
}
