package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerCredentialsTest {

    @TempDir
    Path dir;

    private Path config(String json) throws IOException {
        return Files.writeString(dir.resolve("config.json"), json);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    /** A credential helper that records its standard input and answers for one server. */
    private Path helper(String name, String server, String user, String secret) throws IOException {
        Path script = dir.resolve("docker-credential-" + name);
        Files.writeString(script, "#!/bin/sh\n[ \"$1\" = get ] || exit 3\nread -r server\n"
                + "echo \"$server\" > '" + dir.resolve(name + ".asked") + "'\n"
                + "if [ \"$server\" = '" + server + "' ]; then\n"
                + "  printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + secret + "\"}' \"$server\"\n"
                + "else echo 'credentials not found in native keychain'; exit 1; fi\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    @Test
    void readsBase64AuthEntriesByHostWithOrWithoutScheme() throws IOException {
        DockerCredentials c = DockerCredentials.load(config("{\"auths\":{"
                + "\"https://registry.example:5000/v1/\":{\"auth\":\"" + b64("joe:pw:with:colons") + "\"},"
                + "\"other.example\":{\"username\":\"ann\",\"password\":\"x\"},"
                + "\"tok.example\":{\"identitytoken\":\"refresh-me\"}}}"));
        assertThat(c.lookup("registry.example:5000")).contains(Credential.basic("joe", "pw:with:colons"));
        assertThat(c.lookup("other.example")).contains(Credential.basic("ann", "x"));
        assertThat(c.lookup("tok.example")).contains(Credential.identityToken("refresh-me"));
        assertThat(c.lookup("registry.example")).as("another port is another registry").isEmpty();
    }

    @Test
    void dockerHubCredentialsLiveUnderTheIndexKey() throws IOException {
        DockerCredentials c = DockerCredentials.load(config("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\""
                + b64("hubuser:hubpw") + "\"}}}"));
        assertThat(c.lookup("docker.io")).contains(Credential.basic("hubuser", "hubpw"));
        assertThat(DockerCredentials.serverKey("docker.io")).isEqualTo("https://index.docker.io/v1/");
        assertThat(RegistryHttp.apiHost("docker.io")).isEqualTo("registry-1.docker.io");
        assertThat(RegistryHttp.apiHost("ghcr.io")).isEqualTo("ghcr.io");
    }

    @Test
    void aPerRegistryHelperIsAskedWithTheServerOnStandardInput() throws IOException {
        helper("pass", "ghcr.io", "octo", "ghp_secret");
        DockerCredentials c = DockerCredentials.load(config("{\"credHelpers\":{\"ghcr.io\":\"pass\"},"
                + "\"auths\":{\"ghcr.io\":{\"auth\":\"" + b64("ignored:ignored") + "\"}}}"), dir);
        assertThat(c.lookup("ghcr.io")).contains(Credential.basic("octo", "ghp_secret"));
        assertThat(Files.readString(dir.resolve("pass.asked")).strip()).isEqualTo("ghcr.io");
    }

    @Test
    void theDefaultStoreAnswersDockerHubWithAnIdentityTokenAndFallsBackToAuths() throws IOException {
        helper("desktop", "https://index.docker.io/v1/", "<token>", "refresh-token");
        DockerCredentials c = DockerCredentials.load(config("{\"credsStore\":\"desktop\","
                + "\"auths\":{\"quay.io\":{\"auth\":\"" + b64("q:w") + "\"}}}"), dir);
        assertThat(c.lookup("docker.io")).contains(Credential.identityToken("refresh-token"));
        assertThat(c.lookup("quay.io")).as("the store has none, auths has").contains(Credential.basic("q", "w"));
    }

    @Test
    void aMissingHelperIsNamedWithTheFile() throws IOException {
        Path file = config("{\"credHelpers\":{\"ghcr.io\":\"nonexistent\"}}");
        DockerCredentials c = DockerCredentials.load(file, dir);
        assertThatThrownBy(() -> c.lookup("ghcr.io"))
                .hasMessageContaining("cannot run credential helper 'docker-credential-nonexistent' named in '" + file + "'");
    }

    @Test
    void malformedFilesAndEntriesAreNamed() throws IOException {
        Path file = config("{\"auths\": [");
        assertThatThrownBy(() -> DockerCredentials.load(file))
                .hasMessageStartingWith("cannot read Docker credentials file '" + file + "'");
        DockerCredentials c = DockerCredentials.load(config("{\"auths\":{\"r.example\":{\"auth\":\"" + b64("nocolon") + "\"}}}"));
        assertThatThrownBy(() -> c.lookup("r.example"))
                .hasMessageContaining("the credentials for 'r.example' in '" + dir.resolve("config.json")
                        + "' are unusable: its \"auth\" does not decode to user:password");
    }

    @Test
    void aMissingFileHoldsNoCredentials() {
        assertThat(DockerCredentials.load(dir.resolve("absent.json")).lookup("docker.io")).isEmpty();
    }
}
