package dev.stevedore.internal.registry;

import dev.stevedore.oci.image.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How a {@link RegistryClient} reaches registries. Immutable; {@code withX} returns a copy.
 *
 * @param insecureRegistries registries (host or host:port, as in image references) that may be
 *        reached over plain HTTP or over TLS without certificate checks; localhost and
 *        127.0.0.1 may always use plain HTTP
 * @param mirrors for a registry (such as {@code docker.io}), the mirrors a pull tries first, in
 *        order, each a host[:port] or an {@code http(s)://} URL; pushes never use them
 * @param extraCa a PEM file of CA certificates trusted in addition to the system trust store,
 *        or null
 * @param credentialsFile a Docker {@code config.json}, or null for {@code $DOCKER_CONFIG/config.json}
 *        or {@code ~/.docker/config.json}
 * @param credentials credentials per registry that take precedence over the file
 * @param platform the platform to select from image indexes, or null for this host's
 * @param allPlatforms whether a pull of an index fetches every platform's image and names the
 *        index instead of one platform's manifest
 * @param parallelTransfers how many blobs move at once
 * @param chunkSize blobs larger than this are uploaded in chunks of this size
 * @param timeout how long to wait to connect and for a response's headers
 */
public record RegistryOptions(
        Set<String> insecureRegistries,
        Map<String, List<String>> mirrors,
        Path extraCa,
        Path credentialsFile,
        Map<String, Credential> credentials,
        Platform platform,
        boolean allPlatforms,
        int parallelTransfers,
        long chunkSize,
        Duration timeout) {

    public RegistryOptions {
        insecureRegistries = Set.copyOf(insecureRegistries);
        Map<String, List<String>> mirrorCopy = new java.util.HashMap<>();
        mirrors.forEach((registry, hosts) -> mirrorCopy.put(registry, List.copyOf(hosts)));
        mirrors = Map.copyOf(mirrorCopy);
        credentials = Map.copyOf(credentials);
        if (parallelTransfers < 1) {
            throw new IllegalArgumentException("parallelTransfers must be at least 1, got " + parallelTransfers);
        }
        if (chunkSize < 1) {
            throw new IllegalArgumentException("chunkSize must be positive, got " + chunkSize);
        }
        Objects.requireNonNull(timeout, "timeout");
    }

    /** @return secure registries only, the host's platform, 4 parallel transfers, 32 MiB chunks */
    public static RegistryOptions defaults() {
        return new RegistryOptions(Set.of(), Map.of(), null, null, Map.of(), null, false, 4, 32L << 20,
                Duration.ofSeconds(60));
    }

    /**
     * @param registries the registries that may use plain HTTP or unchecked TLS
     * @return a copy with these insecure registries
     */
    public RegistryOptions withInsecureRegistries(Set<String> registries) {
        return new RegistryOptions(registries, mirrors, extraCa, credentialsFile, credentials, platform,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param registry the mirrored registry, such as {@code docker.io}
     * @param mirrorHosts its mirrors, tried in order before it
     * @return a copy with these mirrors for that registry
     */
    public RegistryOptions withMirrors(String registry, List<String> mirrorHosts) {
        Map<String, List<String>> copy = new java.util.HashMap<>(mirrors);
        copy.put(registry, List.copyOf(mirrorHosts));
        return new RegistryOptions(insecureRegistries, copy, extraCa, credentialsFile, credentials, platform,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param pemFile CA certificates to trust besides the system's
     * @return a copy trusting them
     */
    public RegistryOptions withExtraCa(Path pemFile) {
        return new RegistryOptions(insecureRegistries, mirrors, pemFile, credentialsFile, credentials, platform,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param configJson a Docker {@code config.json}
     * @return a copy reading credentials from it
     */
    public RegistryOptions withCredentialsFile(Path configJson) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, configJson, credentials, platform,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param registry the registry, as in image references ({@code docker.io}, {@code host:5000})
     * @param credential what to log in with
     * @return a copy using this credential for that registry
     */
    public RegistryOptions withCredential(String registry, Credential credential) {
        Map<String, Credential> copy = new java.util.HashMap<>(credentials);
        copy.put(registry, credential);
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, copy, platform,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param wanted the platform to select from indexes
     * @return a copy selecting it
     */
    public RegistryOptions withPlatform(Platform wanted) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, credentials, wanted,
                allPlatforms, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param all whether pulls of an index fetch every platform
     * @return a copy with that choice
     */
    public RegistryOptions withAllPlatforms(boolean all) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, credentials, platform,
                all, parallelTransfers, chunkSize, timeout);
    }

    /**
     * @param transfers how many blobs move at once
     * @return a copy with that bound
     */
    public RegistryOptions withParallelTransfers(int transfers) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, credentials, platform,
                allPlatforms, transfers, chunkSize, timeout);
    }

    /**
     * @param bytes the chunk size of uploads; larger blobs are uploaded in chunks
     * @return a copy with that chunk size
     */
    public RegistryOptions withChunkSize(long bytes) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, credentials, platform,
                allPlatforms, parallelTransfers, bytes, timeout);
    }

    /**
     * @param connectAndHeaders the connect and response-header timeout
     * @return a copy with that timeout
     */
    public RegistryOptions withTimeout(Duration connectAndHeaders) {
        return new RegistryOptions(insecureRegistries, mirrors, extraCa, credentialsFile, credentials, platform,
                allPlatforms, parallelTransfers, chunkSize, connectAndHeaders);
    }
}
