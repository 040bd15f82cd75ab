package dev.stevedore.spi;

import dev.stevedore.oci.runtime.Process;

/**
 * A container created by a {@link ContainerRuntime}. Its {@link #pid()} is the container's first
 * process; when that process exits, the others in the container are killed.
 */
public interface ContainerHandle extends ContainerProcess {

    /** @return the id given at creation */
    String id();

    /** @return where the container is in its life */
    ContainerState state();

    /**
     * Executes the configured process.
     *
     * @throws IllegalStateException when the container is not {@link ContainerState#CREATED}
     * @throws ContainerBackendException when the process cannot be executed, for example
     *     {@code exec "/bin/nope": no such file or directory}; {@link ContainerBackendException#exitStatus()}
     *     then gives the status the container ended with (127 when the executable is missing)
     */
    void start();

    /**
     * Runs another process inside the running container: in all its namespaces and its cgroup.
     *
     * @param process the process; its user, env, cwd, capabilities and rlimits apply as in {@code create}
     * @param stdio where the process's standard streams go; ignored when {@code process.terminal} is true, as in
     *     {@link ContainerRuntime#create}
     * @return the running process
     * @throws IllegalStateException when the container is not {@link ContainerState#RUNNING}
     * @throws ContainerBackendException when the process cannot be started, naming the failing step
     */
    ContainerProcess exec(Process process, Stdio stdio);

    /**
     * @return current resource usage, read from the container's cgroup; after the process exited,
     *     its final usage (also after {@link #delete()})
     */
    ContainerStats stats();

    /**
     * Tells whether the kernel's out-of-memory killer killed a process of the container, as
     * Docker's {@code OOMKilled} does; typically the container then exits with status 137.
     *
     * @return whether a process of the container was OOM-killed so far
     */
    default boolean oomKilled() {
        return stats().oomKills() > 0;
    }

    /**
     * Freezes every process of the container (cgroup freezer); it stays {@link ContainerState#PAUSED}
     * until {@link #resume()}. Signals sent meanwhile take effect once it resumes.
     *
     * @throws IllegalStateException when the container is not {@link ContainerState#RUNNING}
     * @throws UnsupportedOperationException when the backend cannot pause containers
     * @throws ContainerBackendException when freezing fails
     */
    default void pause() {
        throw new UnsupportedOperationException("this backend cannot pause containers");
    }

    /**
     * Thaws a {@link ContainerState#PAUSED} container.
     *
     * @throws IllegalStateException when the container is not paused
     * @throws UnsupportedOperationException when the backend cannot pause containers
     * @throws ContainerBackendException when thawing fails
     */
    default void resume() {
        throw new UnsupportedOperationException("this backend cannot pause containers");
    }

    /** Kills the container if it still runs and removes its state and cgroup. Idempotent. */
    void delete();
}
