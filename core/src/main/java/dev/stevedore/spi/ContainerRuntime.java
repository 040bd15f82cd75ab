package dev.stevedore.spi;

import dev.stevedore.oci.runtime.Spec;
import java.util.List;

/**
 * An open backend: creates containers and owns them until they are deleted or it is closed.
 * Safe for use by many threads at once.
 */
public interface ContainerRuntime extends AutoCloseable {

    /**
     * Creates a container: namespaces, cgroup, root filesystem and mounts are set up and the
     * process waits, not yet executed, for {@link ContainerHandle#start()}.
     *
     * @param id a name unique in this runtime: letters, digits, {@code _ . -}, at most 64
     * @param spec the container's configuration; its {@code root.path} is where the root
     *     filesystem is assembled (an existing, empty directory when {@code rootfs} is not empty)
     * @param rootfs mounts from a {@link Snapshotter} that assemble the root filesystem, applied
     *     inside the container's mount namespace; empty when {@code root.path} is already complete
     * @param stdio where the process's standard streams go; ignored when {@code process.terminal} is true:
     *     the streams are then a pseudo-terminal read and written through the handle (see {@link ContainerProcess})
     * @return the created container
     * @throws IllegalArgumentException when the configuration asks for something this backend
     *     does not support (a terminal included), naming the field
     * @throws ContainerBackendException when setting up fails, naming the failing step and path
     */
    ContainerHandle create(String id, Spec spec, List<RootfsMount> rootfs, Stdio stdio);

    /** Kills and deletes every container this runtime created, then releases its state directory. */
    @Override
    void close();
}
