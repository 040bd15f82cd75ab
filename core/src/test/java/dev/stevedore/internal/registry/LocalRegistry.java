package dev.stevedore.internal.registry;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) on 127.0.0.1 and a free
 * port, storing under a directory, optionally behind TLS and with htpasswd or token auth;
 * started when {@code GET /v2/} answers.
 * {@link #kill()} and {@link #start()} stop it abruptly and bring it back on the same port and
 * storage. Close it to stop it for good.
 *
 * <pre>{@code
 * try (LocalRegistry registry = LocalRegistry.builder(tempDir).htpasswd("user", "pw").start()) {
 *     ImageReference.parse(registry.host() + "/app:1");
 * }
 * }</pre>
 */
public final class LocalRegistry implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Path dir;
    private final int port;
    private final Path config;
    private final Path log;
    private final boolean tls;
    private Process process;

    private LocalRegistry(Path dir, int port, Path config, boolean tls) {
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.log = dir.resolve("registry.log");
        this.tls = tls;
    }

    /** Collects the configuration; {@link Builder#start()} writes it and starts the registry. */
    public static final class Builder {
        private final Path dir;
        private final List<String> auth = new ArrayList<>();
        private Path certificate;
        private Path key;

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** Requires basic auth for one user (htpasswd -B, bcrypt, as the registry demands). */
        public Builder htpasswd(String user, String password) {
            Path file = dir.resolve("htpasswd");
            String line = run(List.of("htpasswd", "-Bbn", user, password)).strip();
            write(file, line + "\n");
            auth.addAll(List.of("auth:", "  htpasswd:", "    realm: stevedore-test", "    path: " + file));
            return this;
        }

        /** Requires bearer tokens signed by a key whose certificate is in the bundle. */
        public Builder tokenAuth(String realm, String service, String issuer, Path rootCertBundle) {
            auth.addAll(List.of("auth:", "  token:", "    realm: " + realm, "    service: " + service,
                    "    issuer: " + issuer, "    rootcertbundle: " + rootCertBundle));
            return this;
        }

        /** Serves HTTPS with this PEM certificate (chain) and key. */
        public Builder tls(Path certificatePem, Path keyPem) {
            this.certificate = certificatePem;
            this.key = keyPem;
            return this;
        }

        public LocalRegistry start() {
            if (!Files.isExecutable(BINARY)) {
                throw new IllegalStateException(BINARY + " is missing: install Debian's docker-registry package");
            }
            int port = freePort();
            List<String> lines = new ArrayList<>(List.of(
                    "version: 0.1",
                    "log:",
                    "  level: warn",
                    "  accesslog:",
                    "    disabled: true",
                    "storage:",
                    "  filesystem:",
                    "    rootdirectory: " + dir.resolve("storage"),
                    "  delete:",
                    "    enabled: true",
                    "http:",
                    "  addr: 127.0.0.1:" + port,
                    "  secret: stevedore-test-secret"));
            if (certificate != null) {
                lines.addAll(List.of("  tls:", "    certificate: " + certificate, "    key: " + key));
            }
            lines.addAll(auth);
            Path config = dir.resolve("config.yml");
            write(config, String.join("\n", lines) + "\n");
            LocalRegistry registry = new LocalRegistry(dir, port, config, certificate != null);
            registry.start();
            return registry;
        }
    }

    /** @param dir a directory of its own for config, storage and log */
    public static Builder builder(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Builder(dir);
    }

    /** (Re)starts the registry on its port and storage, waiting until it accepts connections. */
    public void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            process = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + BINARY, e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited with " + process.exitValue() + ": " + log());
            }
            if (answersApi()) {
                return;
            }
            sleep(50);
        }
        throw new IllegalStateException("docker-registry did not listen on port " + port + " within 15 s: " + log());
    }

    /** Whether {@code GET /v2/} gets the API's answer: 200, or 401 when auth is configured. */
    private boolean answersApi() {
        try {
            javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
            trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
                @Override
                public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {
                }

                @Override
                public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                    return new java.security.cert.X509Certificate[0];
                }
            }}, null);
            HttpClient client = HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofMillis(500)).build();
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create((tls ? "https" : "http") + "://"
                    + host() + "/v2/")).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200 || r.statusCode() == 401;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Kills the registry at once (SIGKILL), as a crash would, and waits for it to be gone. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return {@code 127.0.0.1:PORT}, the registry part of image references */
    public String host() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public boolean tls() {
        return tls;
    }

    /** @return the registry's filesystem storage root */
    public Path storage() {
        return dir.resolve("storage");
    }

    /** @return where the registry keeps a blob's bytes */
    public Path blobData(Digest digest) {
        return storage().resolve("docker/registry/v2/blobs/" + digest.algorithm() + "/"
                + digest.encoded().substring(0, 2) + "/" + digest.encoded() + "/data");
    }

    /** @return the registry's log so far */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a command, failing with its output unless it exits with 0; returns its standard output. */
    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
