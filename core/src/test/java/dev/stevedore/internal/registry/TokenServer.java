package dev.stevedore.internal.registry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker token service: checks a user's basic credentials and issues RS256 JWTs, with the
 * signing certificate in the {@code x5c} header, granting the scopes asked for. The registry
 * trusts them through its {@code rootcertbundle}.
 */
final class TokenServer implements AutoCloseable {

    static final String SERVICE = "stevedore-test-registry";
    static final String ISSUER = "stevedore-test-issuer";

    private final HttpServer server;
    private final PrivateKey key;
    private final X509Certificate certificate;
    private final PrivateKey untrustedKey;
    private final X509Certificate untrustedCertificate;
    private final String user;
    private final String password;
    final List<String> requestedScopes = new CopyOnWriteArrayList<>();
    final AtomicInteger badTokensToIssue = new AtomicInteger();
    final AtomicInteger refreshGrants = new AtomicInteger();
    static final String REFRESH_TOKEN = "refresh-abc";

    /** Makes the signing keys (openssl) in {@code dir} and listens on a free port. */
    TokenServer(Path dir, String user, String password) {
        this.user = user;
        this.password = password;
        try {
            Files.createDirectories(dir);
            this.key = makeKey(dir, "signer");
            this.certificate = certificate(dir.resolve("signer.pem"));
            this.untrustedKey = makeKey(dir, "untrusted");
            this.untrustedCertificate = certificate(dir.resolve("untrusted.pem"));
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/token", this::handle);
        server.start();
    }

    /** @return the certificate bundle the registry must trust */
    Path rootCertBundle(Path dir) {
        return dir.resolve("signer.pem");
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    private static PrivateKey makeKey(Path dir, String name) throws IOException {
        Path keyFile = dir.resolve(name + ".key");
        LocalRegistry.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                keyFile.toString(), "-out", dir.resolve(name + ".pem").toString(), "-days", "2", "-subj", "/CN=" + name));
        String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate certificate(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String expected = "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                    .getBytes(StandardCharsets.UTF_8));
            String query = exchange.getRequestURI().getRawQuery();
            boolean authorized = expected.equals(exchange.getRequestHeaders().getFirst("Authorization"));
            if (exchange.getRequestMethod().equals("POST")) {
                // OAuth2 refresh-token grant, how identity tokens are exchanged.
                query = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                authorized = query.contains("grant_type=refresh_token")
                        && query.contains("refresh_token=" + REFRESH_TOKEN);
                refreshGrants.incrementAndGet();
            }
            if (!authorized) {
                byte[] body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(401, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            List<String> scopes = new ArrayList<>();
            for (String pair : query == null ? new String[0] : query.split("&")) {
                if (pair.startsWith("scope=")) {
                    scopes.add(URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8));
                }
            }
            requestedScopes.add(String.join(" ", scopes));
            boolean bad = badTokensToIssue.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            String token = jwt(scopes, bad ? untrustedKey : key, bad ? untrustedCertificate : certificate);
            ObjectNode answer = OciJson.mapper().createObjectNode();
            answer.put(exchange.getRequestMethod().equals("POST") ? "access_token" : "token", token);
            answer.put("expires_in", 300);
            byte[] body = OciJson.mapper().writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private String jwt(List<String> scopes, PrivateKey signer, X509Certificate chain) throws IOException {
        try {
            ObjectNode header = OciJson.mapper().createObjectNode();
            header.put("typ", "JWT");
            header.put("alg", "RS256");
            header.putArray("x5c").add(Base64.getEncoder().encodeToString(chain.getEncoded()));
            long now = Instant.now().getEpochSecond();
            ObjectNode claims = OciJson.mapper().createObjectNode();
            claims.put("iss", ISSUER);
            claims.put("sub", user);
            claims.put("aud", SERVICE);
            claims.put("exp", now + 300);
            claims.put("nbf", now - 10);
            claims.put("iat", now);
            claims.put("jti", UUID.randomUUID().toString());
            ArrayNode access = claims.putArray("access");
            for (String scope : scopes) {
                String[] parts = scope.split(":");
                ObjectNode entry = access.addObject();
                entry.put("type", parts[0]);
                entry.put("name", String.join(":", java.util.Arrays.copyOfRange(parts, 1, parts.length - 1)));
                ArrayNode actions = entry.putArray("actions");
                for (String a : parts[parts.length - 1].split(",")) {
                    actions.add(a);
                }
            }
            Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
            String signingInput = url.encodeToString(OciJson.mapper().writeValueAsBytes(header)) + "."
                    + url.encodeToString(OciJson.mapper().writeValueAsBytes(claims));
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initSign(signer);
            rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + url.encodeToString(rsa.sign());
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
