package dev.stevedore.internal.registry;

import java.time.Duration;
import java.util.Optional;

/**
 * A registry refused a request or could not be reached. The message names the registry, the
 * repository and, when the registry sent one, its own error code and message.
 */
public final class RegistryException extends RuntimeException {

    private final String registry;
    private final String repository;
    private final int status;
    private final String code;
    private final Duration retryAfter;

    RegistryException(String registry, String repository, int status, String code, Duration retryAfter,
            String message, Throwable cause) {
        super(message, cause);
        this.registry = registry;
        this.repository = repository;
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    /** @return the registry, as in image references, such as {@code docker.io} */
    public String registry() {
        return registry;
    }

    /** @return the repository, such as {@code library/busybox}; empty for registry-wide requests */
    public String repository() {
        return repository;
    }

    /** @return the HTTP status, or 0 when no response arrived */
    public int status() {
        return status;
    }

    /**
     * @return the registry's error code, such as {@code MANIFEST_UNKNOWN}, {@code UNAUTHORIZED},
     *         {@code DENIED} or {@code TOOMANYREQUESTS}; empty when there was none
     */
    public Optional<String> code() {
        return Optional.ofNullable(code);
    }

    /** @return how long the registry asked to wait before retrying (HTTP 429 or 503) */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
