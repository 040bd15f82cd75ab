package dev.stevedore.internal.registry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stevedore.oci.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The HTTP side of the distribution API: which scheme and host a registry is reached at, the
 * authentication dance (challenge, basic credentials, bearer tokens cached per scope and renewed
 * on 401) and turning error responses into {@link RegistryException}s that carry the registry's
 * own error code.
 */
final class RegistryHttp {

    private static final System.Logger LOG = System.getLogger(RegistryHttp.class.getName());
    private static final String DOCKER_HUB_API = "registry-1.docker.io";
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 64 * 1024;
    private static final Duration PROBE = Duration.ofSeconds(5);
    private static final String USER_AGENT = "stevedore (java.net.http)";

    private final RegistryOptions options;
    private final HttpClient checked;
    private final HttpClient unchecked;
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private volatile DockerCredentials dockerCredentials;

    RegistryHttp(RegistryOptions options) {
        this.options = options;
        this.checked = client(TlsContexts.checked(options.extraCa()));
        this.unchecked = client(TlsContexts.unchecked());
    }

    private HttpClient client(javax.net.ssl.SSLContext tls) {
        // HTTP/1.1: parallel blob transfers get a connection each instead of sharing one HTTP/2 stream window.
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(options.timeout())
                .sslContext(tls)
                .proxy(java.net.ProxySelector.getDefault())
                .build();
    }

    /** @return the registry itself, for a name as in image references */
    Endpoint upstream(String registry) {
        return endpoints.computeIfAbsent(registry, r -> new Endpoint(r, apiHost(r), null));
    }

    /** @return the mirrors configured for a registry, in order, then the registry itself */
    List<Endpoint> forPull(String registry) {
        List<Endpoint> result = new ArrayList<>();
        for (String mirror : options.mirrors().getOrDefault(registry, List.of())) {
            result.add(endpoints.computeIfAbsent("mirror " + mirror, k -> mirrorEndpoint(registry, mirror)));
        }
        result.add(upstream(registry));
        return result;
    }

    private Endpoint mirrorEndpoint(String registry, String mirror) {
        String spec = mirror.endsWith("/") ? mirror.substring(0, mirror.length() - 1) : mirror;
        if (spec.startsWith("http://") || spec.startsWith("https://")) {
            URI uri = URI.create(spec);
            return new Endpoint(uri.getRawAuthority(), uri.getRawAuthority(), uri.getScheme());
        }
        return new Endpoint(spec, spec, null);
    }

    static String apiHost(String registry) {
        return registry.equals("docker.io") || registry.equals("index.docker.io") ? DOCKER_HUB_API : registry;
    }

    private boolean allowsPlainHttp(String registry, String host) {
        String name = host.startsWith("[") ? host.substring(0, host.indexOf(']') + 1)
                : host.contains(":") ? host.substring(0, host.lastIndexOf(':')) : host;
        return options.insecureRegistries().contains(registry) || options.insecureRegistries().contains(host)
                || name.equals("localhost") || name.equals("127.0.0.1") || name.equals("[::1]");
    }

    private Optional<Credential> credential(String registry) {
        Credential explicit = options.credentials().get(registry);
        if (explicit != null) {
            return Optional.of(explicit);
        }
        DockerCredentials loaded = dockerCredentials;
        if (loaded == null) {
            loaded = DockerCredentials.load(options.credentialsFile());
            dockerCredentials = loaded;
        }
        return loaded.lookup(registry);
    }

    /** A request to a registry; mutable until sent. */
    static final class Call {
        final String what;
        final String repository;
        String method = "GET";
        URI uri;
        String path;
        final Map<String, String> headers = new LinkedHashMap<>();
        BodyPublisher body;
        final Set<String> scopes = new TreeSet<>();
        Set<Integer> accepted = Set.of();
        String notFoundCode = "NOT_FOUND";

        /**
         * @param what what the request does, for messages, such as {@code pull of manifest 1.36}
         * @param repository the repository it concerns, empty for none
         */
        Call(String what, String repository) {
            this.what = what;
            this.repository = repository;
        }

        Call method(String m, BodyPublisher b) {
            this.method = m;
            this.body = b;
            return this;
        }

        /** @param p a path under the registry's base, starting with {@code /v2/} */
        Call path(String p) {
            this.path = p;
            return this;
        }

        /** @param u an absolute URI, such as an upload location */
        Call uri(URI u) {
            this.uri = u;
            return this;
        }

        Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Call scope(String repositoryName, String actions) {
            scopes.add("repository:" + repositoryName + ":" + actions);
            return this;
        }

        /** @param statuses error statuses the caller handles itself, such as 404 of an existence check */
        Call accept(Integer... statuses) {
            this.accepted = Set.of(statuses);
            return this;
        }

        Call notFound(String code) {
            this.notFoundCode = code;
            return this;
        }
    }

    /** A registry (or mirror) reached at one host. */
    final class Endpoint {
        final String registry;
        final String host;
        private final String forcedScheme;
        private volatile URI base;
        private volatile boolean insecureTls;
        private volatile Challenge challenge;
        private final Map<String, Token> tokens = new ConcurrentHashMap<>();

        Endpoint(String registry, String host, String forcedScheme) {
            this.registry = registry;
            this.host = host;
            this.forcedScheme = forcedScheme;
        }

        @Override
        public String toString() {
            return registry.equals(host) ? registry : registry + " (" + host + ")";
        }

        private HttpClient client(URI target) {
            boolean sameHost = target.getRawAuthority() != null && target.getRawAuthority().equals(host);
            return sameHost && insecureTls ? unchecked : checked;
        }

        /**
         * Learns the scheme and the authentication challenge with {@code GET /v2/}, once.
         * HTTPS first; plain HTTP only for localhost and insecure registries.
         */
        private synchronized void connect(String repository) {
            if (base != null) {
                return;
            }
            boolean insecure = options.insecureRegistries().contains(registry)
                    || options.insecureRegistries().contains(host);
            List<String> schemes = forcedScheme != null ? List.of(forcedScheme)
                    : allowsPlainHttp(registry, host) ? List.of("https", "http") : List.of("https");
            IOException last = null;
            for (String scheme : schemes) {
                URI candidate = URI.create(scheme + "://" + host + "/");
                HttpClient c = scheme.equals("https") && insecure ? unchecked : checked;
                try {
                    // A plain HTTP server may never answer a TLS hello: give up on HTTPS soon when HTTP may follow.
                    Duration wait = scheme.equals("https") && schemes.size() > 1 && options.timeout().compareTo(PROBE) > 0
                            ? PROBE : options.timeout();
                    HttpResponse<InputStream> r = c.send(HttpRequest.newBuilder(candidate.resolve("/v2/"))
                            .timeout(wait).header("User-Agent", USER_AGENT).GET().build(), BodyHandlers.ofInputStream());
                    byte[] body = readLimited(r.body(), MAX_ERROR_BODY);
                    if (r.statusCode() == 401) {
                        challenge = Challenge.choose(r.headers().allValues("WWW-Authenticate"));
                    } else if (r.statusCode() >= 400) {
                        if (last != null) {
                            // A TLS server answering plain HTTP with 400: its TLS failure is the news.
                            throw new RegistryException(registry, repository, 0, null, null, "cannot reach registry '"
                                    + this + "' over https: " + describe(last) + " (over http it answered HTTP "
                                    + r.statusCode() + ")" + tlsRemedy(last), last);
                        }
                        throw error(new Call("connection to the registry API (/v2/)", repository), r, body);
                    }
                    insecureTls = scheme.equals("https") && insecure;
                    base = candidate;
                    LOG.log(System.Logger.Level.DEBUG, () -> "registry " + this + " at " + candidate
                            + (challenge == null ? "" : ", auth " + challenge.scheme()));
                    return;
                } catch (IOException e) {
                    last = e;
                } catch (InterruptedException e) {
                    throw interrupted(e);
                }
            }
            throw new RegistryException(registry, repository, 0, null, null, "cannot reach registry '" + this
                    + "' over " + String.join(" or ", schemes) + ": " + describe(last)
                    + (schemes.contains("http") ? "" : "; if it serves plain HTTP, mark it insecure in the registry options")
                    + tlsRemedy(last), last);
        }

        URI base(String repository) {
            connect(repository);
            return base;
        }

        /**
         * Sends a request with authentication, following redirects (without credentials to other
         * hosts) and renewing the token once on 401.
         *
         * @return the response, its body unread, when its status is below 400 or accepted by the call
         * @throws RegistryException for other statuses, with the registry's error code and message
         */
        HttpResponse<InputStream> send(Call call) {
            URI target = call.uri != null ? call.uri : base(call.repository).resolve(call.path);
            connect(call.repository);
            boolean renewed = false;
            int redirects = 0;
            while (true) {
                String authorization = sameHost(target) ? authorization(call, null) : null;
                HttpResponse<InputStream> r = execute(call, target, authorization);
                int status = r.statusCode();
                if (status == 401 && sameHost(target) && !renewed) {
                    byte[] body = readQuietly(r.body());
                    Challenge fresh = Challenge.choose(r.headers().allValues("WWW-Authenticate"));
                    if (fresh != null) {
                        challenge = fresh;
                        String extra = fresh.parameter("scope");
                        if (extra != null) {
                            for (String scope : extra.split(" ")) {
                                if (!covered(scope, call.scopes)) {
                                    call.scopes.add(scope);
                                }
                            }
                        }
                    }
                    renewed = true;
                    // A bearer token may have expired or lack a scope; basic credentials are worth
                    // sending only when they were not sent yet.
                    if (challenge != null && (challenge.isBearer() || authorization == null)
                            && authorization(call, authorization == null ? "" : authorization) != null) {
                        continue;
                    }
                    throw error(call, r, body);
                }
                if ((status == 301 || status == 302 || status == 303 || status == 307 || status == 308)
                        && (call.method.equals("GET") || call.method.equals("HEAD"))) {
                    drain(r);
                    Optional<String> location = r.headers().firstValue("Location");
                    if (location.isEmpty() || ++redirects > MAX_REDIRECTS) {
                        throw error(call, r, new byte[0]);
                    }
                    target = target.resolve(location.get());
                    continue;
                }
                if (status >= 400 && !call.accepted.contains(status)) {
                    byte[] body = call.method.equals("HEAD") ? new byte[0] : readQuietly(r.body());
                    throw error(call, r, body);
                }
                return r;
            }
        }

        private boolean sameHost(URI target) {
            return host.equals(target.getRawAuthority());
        }

        private HttpResponse<InputStream> execute(Call call, URI target, String authorization) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target)
                    .method(call.method, call.body != null ? call.body : BodyPublishers.noBody());
            if (call.body == null || call.body.contentLength() == 0) {
                // The timeout runs until the response headers, which for an upload follow its whole body.
                b.timeout(options.timeout());
            }
            b.header("User-Agent", USER_AGENT);
            call.headers.forEach(b::header);
            if (authorization != null) {
                b.header("Authorization", authorization);
            }
            try {
                return client(target).send(b.build(), BodyHandlers.ofInputStream());
            } catch (IOException e) {
                throw new RegistryException(registry, call.repository, 0, null, null, call.what + " failed: cannot reach registry '"
                        + this + "' at " + target + ": " + describe(e), e);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }

        /**
         * @param refused the Authorization header the registry just refused, or null: a token is
         *        fetched when none is cached or the cached one was refused
         * @return the Authorization header for a call, or null when there is nothing to send
         */
        private String authorization(Call call, String refused) {
            Challenge c = challenge;
            if (c == null) {
                return null;
            }
            Optional<Credential> credential = credential(registry);
            if (c.isBasic()) {
                return credential.filter(cr -> cr.identityToken() == null)
                        .map(cr -> "Basic " + base64(cr.username() + ":" + cr.password()))
                        .orElse(null);
            }
            String key = String.join(" ", call.scopes);
            // One fetch at a time, so parallel transfers that need the same token share one.
            synchronized (tokens) {
                Token cached = tokens.get(key);
                if (cached != null && cached.valid() && !("Bearer " + cached.value).equals(refused)) {
                    return "Bearer " + cached.value;
                }
                Token fresh = fetchToken(c, call, credential);
                tokens.put(key, fresh);
                return "Bearer " + fresh.value;
            }
        }

        /** Whether {@code repository:NAME:pull} is already asked for, by itself or as part of {@code pull,push}. */
        private boolean covered(String scope, Set<String> scopes) {
            int last = scope.lastIndexOf(':');
            if (last < 0) {
                return scopes.contains(scope);
            }
            String resource = scope.substring(0, last + 1);
            List<String> wanted = List.of(scope.substring(last + 1).split(","));
            return scopes.stream().filter(s -> s.startsWith(resource) && s.lastIndexOf(':') == resource.length() - 1)
                    .anyMatch(s -> List.of(s.substring(resource.length()).split(",")).containsAll(wanted));
        }

        private Token fetchToken(Challenge c, Call call, Optional<Credential> credential) {
            String realm = c.parameter("realm");
            if (realm == null || realm.isEmpty()) {
                throw new RegistryException(registry, call.repository, 401, "UNAUTHORIZED", null, call.what
                        + " failed: registry '" + this + "' asks for a bearer token but names no token service (realm)", null);
            }
            String service = c.parameter("service");
            HttpRequest.Builder b;
            if (credential.isPresent() && credential.get().identityToken() != null) {
                StringBuilder form = new StringBuilder("grant_type=refresh_token&client_id=stevedore&refresh_token=")
                        .append(encode(credential.get().identityToken()));
                if (service != null) {
                    form.append("&service=").append(encode(service));
                }
                call.scopes.forEach(s -> form.append("&scope=").append(encode(s)));
                b = HttpRequest.newBuilder(URI.create(realm))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(BodyPublishers.ofString(form.toString()));
            } else {
                StringBuilder query = new StringBuilder(realm.contains("?") ? "&" : "?");
                if (service != null) {
                    query.append("service=").append(encode(service));
                }
                call.scopes.forEach(s -> query.append("&scope=").append(encode(s)));
                b = HttpRequest.newBuilder(URI.create(realm + query)).GET();
                credential.ifPresent(cr -> b.header("Authorization", "Basic " + base64(cr.username() + ":" + cr.password())));
            }
            URI realmUri = URI.create(realm);
            HttpClient c2 = realmUri.getRawAuthority() != null && realmUri.getRawAuthority().equals(host) && insecureTls
                    ? unchecked : checked;
            try {
                HttpResponse<byte[]> r = c2.send(b.timeout(options.timeout()).header("User-Agent", USER_AGENT).build(), BodyHandlers.ofByteArray());
                if (r.statusCode() != 200) {
                    String detail = errorDetail(r.body());
                    String code = r.statusCode() == 401 ? "UNAUTHORIZED" : r.statusCode() == 403 ? "DENIED" : null;
                    throw new RegistryException(registry, call.repository, r.statusCode(), code, null, call.what
                            + " failed: the token service " + realm + " of registry '" + this + "' refused "
                            + (credential.isPresent() ? "the credentials" : "anonymous access") + " for "
                            + String.join(" ", call.scopes) + " (HTTP " + r.statusCode() + ")"
                            + (detail.isEmpty() ? "" : ": " + detail) + remedy(code), null);
                }
                JsonNode json = OciJson.mapper().readTree(r.body());
                String token = json.path("token").asText("");
                if (token.isEmpty()) {
                    token = json.path("access_token").asText("");
                }
                if (token.isEmpty()) {
                    throw new IOException("its answer holds no token");
                }
                long lifetime = json.path("expires_in").asLong(60);
                return new Token(token, Instant.now().plusSeconds(Math.max(lifetime - 10, 1)));
            } catch (IOException e) {
                throw new RegistryException(registry, call.repository, 0, null, null, call.what
                        + " failed: no token from the token service " + realm + " of registry '" + this + "': "
                        + describe(e), e);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }

        RegistryException error(Call call, HttpResponse<?> r, byte[] body) {
            int status = r.statusCode();
            String code = null;
            String message = null;
            List<String> all = new ArrayList<>();
            try {
                JsonNode json = body.length == 0 ? null : OciJson.mapper().readTree(body);
                if (json != null && json.path("errors").isArray()) {
                    for (JsonNode e : json.path("errors")) {
                        String c = e.path("code").asText("");
                        String m = e.path("message").asText("");
                        JsonNode detail = e.get("detail");
                        if (code == null && !c.isEmpty()) {
                            code = c;
                            message = m;
                        }
                        all.add(c + (m.isEmpty() ? "" : ": " + m)
                                + (detail == null || detail.isNull() || detail.isEmpty() && !detail.isTextual() ? ""
                                        : " (" + (detail.isTextual() ? detail.asText() : detail.toString()) + ")"));
                    }
                }
            } catch (IOException e) {
                // Not the JSON error body of the spec (a proxy's HTML page, say): the status says it all.
            }
            if (code == null) {
                code = switch (status) {
                    case 401 -> "UNAUTHORIZED";
                    case 403 -> "DENIED";
                    case 404 -> call.notFoundCode;
                    case 429 -> "TOOMANYREQUESTS";
                    default -> null;
                };
            }
            Duration retryAfter = status == 429 || status == 503 ? retryAfter(r) : null;
            String detail = all.isEmpty() ? (code == null ? "" : code) : String.join("; ", all);
            String text = call.what + " failed: registry '" + this + "'"
                    + (call.repository.isEmpty() ? "" : " repository '" + call.repository + "'")
                    + " answered HTTP " + status + (detail.isEmpty() ? "" : " " + detail)
                    + (retryAfter == null ? "" : "; retry after " + retryAfter.toSeconds() + " s")
                    + remedy(code);
            return new RegistryException(registry, call.repository, status, code, retryAfter, text, null);
        }

        private String remedy(String code) {
            if (code == null) {
                return "";
            }
            return switch (code) {
                case "UNAUTHORIZED" -> "; check the credentials for " + registry
                        + " (registry options or Docker's config.json)";
                case "DENIED" -> "; the credentials for " + registry + " lack access to this repository";
                case "MANIFEST_UNKNOWN" -> "; check the tag or digest";
                case "NAME_UNKNOWN" -> "; check the repository name";
                case "TOOMANYREQUESTS" -> "; the registry rate-limits this client: wait, or log in for a higher limit";
                default -> "";
            };
        }
    }

    private record Token(String value, Instant expires) {
        boolean valid() {
            return Instant.now().isBefore(expires);
        }
    }

    static Duration retryAfter(HttpResponse<?> r) {
        Optional<String> header = r.headers().firstValue("Retry-After");
        if (header.isEmpty()) {
            return null;
        }
        String value = header.get().strip();
        try {
            return Duration.ofSeconds(Long.parseLong(value));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime when = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(Instant.now(), when.toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (java.time.format.DateTimeParseException e2) {
                return null;
            }
        }
    }

    private static String errorDetail(byte[] body) {
        String text = new String(body, 0, Math.min(body.length, 500), StandardCharsets.UTF_8).strip();
        try {
            JsonNode json = OciJson.mapper().readTree(body);
            if (json != null && json.path("errors").isArray()) {
                return java.util.stream.StreamSupport.stream(json.path("errors").spliterator(), false)
                        .map(e -> e.path("code").asText("") + ": " + e.path("message").asText(""))
                        .collect(Collectors.joining("; "));
            }
        } catch (IOException e) {
            // Plain text answer.
        }
        return text;
    }

    private static String tlsRemedy(IOException e) {
        return e instanceof javax.net.ssl.SSLHandshakeException
                ? "; if its certificate comes from a private CA, give that CA's PEM file as the extra CA option"
                : "";
    }

    static String describe(Throwable e) {
        if (e == null) {
            return "unknown error";
        }
        String m = e.getMessage();
        String own = kind(e) + (m == null || m.isEmpty() ? "" : " (" + m + ")");
        return e.getCause() != null && e.getCause() != e && e.getCause().getMessage() != null
                && !e.getCause().getMessage().equals(m) ? own + ": " + e.getCause().getMessage() : own;
    }

    // People read these messages: say what happened on the network, not which Java class said so.
    private static String kind(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.nio.channels.UnresolvedAddressException || c instanceof java.net.UnknownHostException) {
                return "the host name does not resolve";
            }
        }
        if (e instanceof java.net.http.HttpConnectTimeoutException) {
            return "the connection timed out";
        }
        if (e instanceof java.net.ConnectException) {
            return "the connection was refused";
        }
        if (e instanceof javax.net.ssl.SSLException) {
            return "the TLS handshake failed";
        }
        return e.getClass().getSimpleName();
    }

    static byte[] readLimited(InputStream in, int limit) throws IOException {
        try (in) {
            byte[] bytes = in.readNBytes(limit);
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return bytes;
        }
    }

    private static byte[] readQuietly(InputStream in) {
        try {
            return readLimited(in, MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    static void drain(HttpResponse<InputStream> r) {
        readQuietly(r.body());
    }

    private static String base64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    static UncheckedIOException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new UncheckedIOException(new InterruptedIOException("interrupted while talking to a registry"));
    }
}
