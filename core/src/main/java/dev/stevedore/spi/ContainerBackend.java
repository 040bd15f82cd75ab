package dev.stevedore.spi;

import java.nio.file.Path;

/**
 * Runs OCI runtime-spec containers on some kind of host. Implementations are found with
 * {@link java.util.ServiceLoader}; the Linux one (namespaces, cgroups, overlayfs) ships in the
 * {@code stevedore-linux-native} module.
 *
 * <pre>{@code
 * try (ContainerRuntime runtime = backend.open(stateDir)) {
 *     ContainerHandle c = runtime.create("web", spec, rootfsMounts, Stdio.pipes());
 *     c.start();
 *     int status = c.waitFor();
 *     c.delete();
 * }
 * }</pre>
 */
public interface ContainerBackend {

    /** @return a short name for logs and diagnostics, such as {@code linux} */
    String name();

    /**
     * Tells whether this backend can run containers here.
     *
     * @return null when it can, otherwise the reason it cannot (missing privilege, kernel feature...)
     */
    String unavailableReason();

    /**
     * Opens a runtime that keeps its state (sockets, generated files) under {@code stateDir}.
     * Opening removes what runtimes that died without closing left there (state directories,
     * cgroups), but never touches the containers of a runtime that is still open.
     *
     * @param stateDir a directory this backend may own; created if missing
     * @return the runtime, to close when done (closing deletes its containers)
     * @throws ContainerBackendException when the backend is unavailable or the directory unusable
     */
    ContainerRuntime open(Path stateDir);
}
