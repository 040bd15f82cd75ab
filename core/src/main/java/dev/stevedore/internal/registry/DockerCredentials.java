package dev.stevedore.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Credentials as the Docker CLI keeps them in {@code config.json}: per-registry credential
 * helpers ({@code credHelpers}), a default helper ({@code credsStore}) and inline {@code auths}
 * entries (base64 {@code auth}, or {@code username}/{@code password}, or {@code identitytoken}).
 * A helper {@code NAME} is the program {@code docker-credential-NAME}, run with {@code get} and
 * the server on its standard input.
 */
final class DockerCredentials {

    /** The key Docker Hub's credentials are stored under, for historical reasons. */
    static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    private static final String NOT_FOUND = "credentials not found";

    private final Path file;
    private final JsonNode config;
    private final Path helperDirectory;

    private DockerCredentials(Path file, JsonNode config, Path helperDirectory) {
        this.file = file;
        this.config = config;
        this.helperDirectory = helperDirectory;
    }

    /**
     * @param file a {@code config.json}, or null for the default location
     * @return the credentials it holds; none when the file does not exist
     * @throws RegistryException naming the file when it is not valid JSON
     */
    static DockerCredentials load(Path file) {
        return load(file, null);
    }

    /** As {@link #load(Path)}, looking for helper programs in a directory instead of the PATH. */
    static DockerCredentials load(Path file, Path helperDirectory) {
        Path path = file != null ? file : defaultFile();
        if (path == null || !Files.isRegularFile(path)) {
            return new DockerCredentials(path, OciJson.mapper().createObjectNode(), helperDirectory);
        }
        try {
            JsonNode node = OciJson.mapper().readTree(Files.readAllBytes(path));
            if (node == null || !node.isObject()) {
                throw new IOException("the top level is not a JSON object");
            }
            return new DockerCredentials(path, node, helperDirectory);
        } catch (IOException e) {
            throw new RegistryException("", "", 0, null, null,
                    "cannot read Docker credentials file '" + path + "': " + e.getMessage()
                            + "; fix or remove it, or choose another file in the registry options", e);
        }
    }

    private static Path defaultFile() {
        String dockerConfig = System.getenv("DOCKER_CONFIG");
        if (dockerConfig != null && !dockerConfig.isEmpty()) {
            return Path.of(dockerConfig, "config.json");
        }
        String home = System.getProperty("user.home");
        return home == null ? null : Path.of(home, ".docker", "config.json");
    }

    /**
     * @param registry the registry as in image references, such as {@code docker.io} or {@code host:5000}
     * @return its credential, when the file or a helper has one
     */
    Optional<Credential> lookup(String registry) {
        String server = serverKey(registry);
        JsonNode helpers = config.path("credHelpers");
        for (String candidate : aliases(registry)) {
            if (helpers.hasNonNull(candidate)) {
                return runHelper(helpers.get(candidate).asText(), server);
            }
        }
        if (config.hasNonNull("credsStore")) {
            Optional<Credential> stored = runHelper(config.get("credsStore").asText(), server);
            if (stored.isPresent()) {
                return stored;
            }
        }
        JsonNode auths = config.path("auths");
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (aliases(registry).contains(hostOf(entry.getKey()))) {
                Optional<Credential> c = inline(entry.getKey(), entry.getValue());
                if (c.isPresent()) {
                    return c;
                }
            }
        }
        return Optional.empty();
    }

    /** The server name helpers and {@code auths} know a registry by. */
    static String serverKey(String registry) {
        return isDockerHub(registry) ? DOCKER_HUB_KEY : registry;
    }

    private static boolean isDockerHub(String registry) {
        return registry.equals("docker.io") || registry.equals("index.docker.io")
                || registry.equals("registry-1.docker.io");
    }

    private static java.util.List<String> aliases(String registry) {
        return isDockerHub(registry)
                ? java.util.List.of("index.docker.io", "docker.io", "registry-1.docker.io", DOCKER_HUB_KEY)
                : java.util.List.of(registry);
    }

    /** {@code https://host:5000/v1/} and {@code host:5000} both name {@code host:5000}. */
    private static String hostOf(String key) {
        String s = key;
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        }
        int slash = s.indexOf('/');
        return slash >= 0 ? s.substring(0, slash) : s;
    }

    private Optional<Credential> inline(String key, JsonNode entry) {
        if (entry.hasNonNull("identitytoken") && !entry.get("identitytoken").asText().isEmpty()) {
            return Optional.of(Credential.identityToken(entry.get("identitytoken").asText()));
        }
        if (entry.hasNonNull("auth") && !entry.get("auth").asText().isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(entry.get("auth").asText().strip()),
                        StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw badEntry(key, "its \"auth\" is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw badEntry(key, "its \"auth\" does not decode to user:password");
            }
            return Optional.of(Credential.basic(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
        if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
            return Optional.of(Credential.basic(entry.get("username").asText(), entry.get("password").asText()));
        }
        return Optional.empty();
    }

    private RegistryException badEntry(String key, String problem) {
        return new RegistryException(key, "", 0, null, null,
                "the credentials for '" + key + "' in '" + file + "' are unusable: " + problem
                        + "; log in again or fix the file", null);
    }

    private Optional<Credential> runHelper(String name, String server) {
        String program = "docker-credential-" + name;
        String command = helperDirectory != null ? helperDirectory.resolve(program).toString() : program;
        Process process;
        try {
            process = new ProcessBuilder(command, "get").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new RegistryException(server, "", 0, null, null, "cannot run credential helper '" + program
                    + "' named in '" + file + "' for " + server + ": " + e.getMessage()
                    + "; install it or remove it from the file", e);
        }
        try {
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(server.getBytes(StandardCharsets.UTF_8));
            }
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("it did not finish within 30 s");
            }
            String text = new String(output, StandardCharsets.UTF_8).strip();
            if (process.exitValue() != 0) {
                if (text.contains(NOT_FOUND)) {
                    return Optional.empty();
                }
                throw new IOException("it exited with status " + process.exitValue() + ": " + text);
            }
            JsonNode answer = OciJson.mapper().readTree(text);
            String user = answer.path("Username").asText("");
            String secret = answer.path("Secret").asText("");
            if (secret.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(user.equals("<token>") ? Credential.identityToken(secret) : Credential.basic(user, secret));
        } catch (IOException e) {
            throw new RegistryException(server, "", 0, null, null, "credential helper '" + program + "' failed for "
                    + server + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted while running " + program));
        }
    }
}
