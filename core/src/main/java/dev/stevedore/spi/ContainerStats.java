package dev.stevedore.spi;

/**
 * A container's resource usage at one moment, or its last usage once it was deleted. Counters a
 * host does not keep are -1.
 *
 * @param memoryBytes memory charged to the container's cgroup, in bytes
 * @param pids the number of processes and threads in the container's cgroup
 * @param memoryPeakBytes the most memory charged at once since the container was created, or -1
 * @param cpuNanos CPU time its processes used, user and system, in nanoseconds, or -1
 * @param ioReadBytes bytes its processes read from block devices, or -1
 * @param ioWriteBytes bytes its processes wrote to block devices, or -1
 * @param oomKills how many of its processes the kernel's out-of-memory killer killed
 */
public record ContainerStats(long memoryBytes, long pids, long memoryPeakBytes, long cpuNanos, long ioReadBytes,
        long ioWriteBytes, long oomKills) {
}
