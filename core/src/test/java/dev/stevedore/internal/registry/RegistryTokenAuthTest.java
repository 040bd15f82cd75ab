package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.image.ImageReference;
import dev.stevedore.internal.store.ContentStore;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Platform;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry with token auth: bearer tokens from a token service named in the 401 challenge. */
class RegistryTokenAuthTest {

    @TempDir
    static Path shared;

    static TokenServer tokens;
    static LocalRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        tokens = new TokenServer(shared.resolve("keys"), "bob", "hunter2");
        registry = LocalRegistry.builder(shared.resolve("registry"))
                .tokenAuth(tokens.realm(), TokenServer.SERVICE, TokenServer.ISSUER,
                        tokens.rootCertBundle(shared.resolve("keys")))
                .start();
    }

    @AfterAll
    static void stop() {
        if (registry != null) {
            registry.close();
        }
        if (tokens != null) {
            tokens.close();
        }
    }

    private RegistryClient client(String password) {
        return new RegistryClient(RegistryOptions.defaults().withCredentialsFile(dir.resolve("none.json"))
                .withCredential(registry.host(), Credential.basic("bob", password)));
    }

    private ImageReference ref(String path) {
        return ImageReference.parse(registry.host() + "/" + path);
    }

    @Test
    void pushesAndPullsWithBearerTokensCachedPerRepositoryAndAction() {
        RegistryClient client = client("hunter2");
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = TestImages.image(source, Platform.of("linux", "amd64", null),
                List.of(TestImages.randomLayer("t", 5000, 1)));
        tokens.requestedScopes.clear();
        client.push(source, image, ref("tokens/app:1"), TransferListener.NONE);
        assertThat(tokens.requestedScopes).as("one token for the push scope, reused for every request")
                .containsExactly("repository:tokens/app:pull,push");

        PullResult pulled = client.pull(ref("tokens/app:1"), ContentStore.open(dir.resolve("t1")), TransferListener.NONE);
        client.pull(ref("tokens/app:1"), ContentStore.open(dir.resolve("t2")), TransferListener.NONE);
        assertThat(pulled.image().digest()).isEqualTo(image.digest());
        assertThat(tokens.requestedScopes).as("a second token, for pulling, fetched once")
                .containsExactly("repository:tokens/app:pull,push", "repository:tokens/app:pull");
    }

    @Test
    void aRefusedTokenIsRenewedOnce() {
        RegistryClient client = client("hunter2");
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = TestImages.image(source, Platform.of("linux", "amd64", null),
                List.of(TestImages.randomLayer("r", 100, 2)));
        tokens.requestedScopes.clear();
        tokens.badTokensToIssue.set(1);
        client.push(source, image, ref("tokens/renew:1"), TransferListener.NONE);
        assertThat(tokens.requestedScopes).as("the registry refused the first token; a fresh one was fetched")
                .containsExactly("repository:tokens/renew:pull,push", "repository:tokens/renew:pull,push");
    }

    @Test
    void aMountAsksForPullAccessToTheSourceRepository() {
        RegistryClient client = client("hunter2");
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = TestImages.image(source, Platform.of("linux", "amd64", null),
                List.of(TestImages.randomLayer("m", 100, 3)));
        client.push(source, image, ref("tokens/mount-from:1"), TransferListener.NONE);
        tokens.requestedScopes.clear();
        PushResult mounted = client.push(source, image, ref("tokens/mount-to:1"), TransferListener.NONE);
        assertThat(mounted.mounted()).hasSize(2);
        assertThat(tokens.requestedScopes).contains("repository:tokens/mount-from:pull repository:tokens/mount-to:pull,push");
    }

    @Test
    void anIdentityTokenFromDockerConfigIsExchangedForBearerTokens() throws java.io.IOException {
        Path config = java.nio.file.Files.writeString(dir.resolve("config.json"), "{\"auths\":{\"" + registry.host()
                + "\":{\"identitytoken\":\"" + TokenServer.REFRESH_TOKEN + "\"}}}");
        RegistryClient client = new RegistryClient(RegistryOptions.defaults().withCredentialsFile(config));
        ContentStore source = ContentStore.open(dir.resolve("source"));
        Descriptor image = TestImages.image(source, Platform.of("linux", "amd64", null),
                List.of(TestImages.randomLayer("i", 100, 4)));
        int before = tokens.refreshGrants.get();
        client.push(source, image, ref("tokens/identity:1"), TransferListener.NONE);
        assertThat(client.resolve(ref("tokens/identity:1"))).isEqualTo(image);
        assertThat(tokens.refreshGrants.get() - before).as("one grant for push, one for pull").isEqualTo(2);
    }

    @Test
    void badCredentialsAreRefusedByTheTokenService() {
        assertThatThrownBy(() -> client("wrong").resolve(ref("tokens/app:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.code()).contains("UNAUTHORIZED"))
                .hasMessageContaining("the token service " + tokens.realm())
                .hasMessageContaining("refused the credentials for repository:tokens/app:pull (HTTP 401): UNAUTHORIZED: bad credentials")
                .hasMessageContaining("check the credentials for " + registry.host());
    }
}
