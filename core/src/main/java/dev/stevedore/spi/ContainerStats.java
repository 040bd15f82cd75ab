package dev.stevedore.spi;

/**
 * A container's resource usage at one moment.
 *
 * @param memoryBytes memory charged to the container's cgroup, in bytes
 * @param pids the number of processes and threads in the container's cgroup
 */
public record ContainerStats(long memoryBytes, long pids) {
}
