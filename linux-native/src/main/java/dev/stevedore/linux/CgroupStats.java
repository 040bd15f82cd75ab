package dev.stevedore.linux;

import dev.stevedore.spi.ContainerStats;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Reads a container's usage from its cgroup files, v1 or v2 per controller. On v1, I/O bytes come
 * from {@code blkio.throttle.io_service_bytes_recursive}, which kernels from 5.x on count only on
 * devices where block throttling was activated (some throttle rule was set on the device once);
 * elsewhere they stay 0.
 */
final class CgroupStats {
    private CgroupStats() {
    }

    /**
     * @param controllers the controllers the container's cgroup was created with; counters of
     *     others are -1
     */
    static ContainerStats read(Cgroups cgroups, String relative, Set<String> controllers) {
        // Minus the helper, which is in the cgroup as the container's parent; unknown without a pids cgroup (rootless).
        long inCgroup = controllers.contains("pids") ? number(cgroups.dir("pids", relative).resolve("pids.current")) : -1;
        return read(cgroups, relative, controllers, inCgroup < 0 ? -1 : Math.max(0, inCgroup - 1));
    }

    /**
     * The usage a container leaves once its helper (its processes' parent) has exited: as
     * {@link #read}, without asking the cgroup for the number of processes, which is none.
     */
    static ContainerStats readFinal(Cgroups cgroups, String relative, Set<String> controllers) {
        return read(cgroups, relative, controllers, controllers.contains("pids") ? 0 : -1);
    }

    private static ContainerStats read(Cgroups cgroups, String relative, Set<String> controllers, long pids) {
        long usage = -1;
        long peak = -1;
        long oomKills = -1;
        if (controllers.contains("memory")) {
            boolean v2 = cgroups.isV2("memory");
            Path memory = cgroups.dir("memory", relative);
            usage = number(memory.resolve(v2 ? "memory.current" : "memory.usage_in_bytes"));
            peak = number(memory.resolve(v2 ? "memory.peak" : "memory.max_usage_in_bytes"));
            oomKills = key(memory.resolve(v2 ? "memory.events" : "memory.oom_control"), "oom_kill");
        }
        long cpu = -1;
        if (controllers.contains("cpuacct")) {
            Path dir = cgroups.dir("cpuacct", relative);
            if (cgroups.isV2("cpuacct")) {
                long usec = key(dir.resolve("cpu.stat"), "usage_usec");
                cpu = usec < 0 ? -1 : usec * 1000;
            } else {
                cpu = number(dir.resolve("cpuacct.usage"));
            }
        }
        long read = -1;
        long written = -1;
        if (controllers.contains("blkio")) {
            Path dir = cgroups.dir("blkio", relative);
            boolean v2 = cgroups.isV2("blkio");
            String text = text(dir.resolve(v2 ? "io.stat" : "blkio.throttle.io_service_bytes_recursive"));
            if (text != null) {
                read = 0;
                written = 0;
                for (String line : text.split("\n")) {
                    // Fields are separated by one space (the kernel's format): no regular expression needed.
                    String[] f = line.trim().split(" ");
                    if (v2) {
                        for (String field : f) {
                            read += field.startsWith("rbytes=") ? Long.parseLong(field.substring(7)) : 0;
                            written += field.startsWith("wbytes=") ? Long.parseLong(field.substring(7)) : 0;
                        }
                    } else if (f.length == 3 && f[0].contains(":")) {
                        read += f[1].equals("Read") ? Long.parseLong(f[2]) : 0;
                        written += f[1].equals("Write") ? Long.parseLong(f[2]) : 0;
                    }
                }
            }
        }
        return new ContainerStats(usage, pids, peak, cpu, read, written, Math.max(0, oomKills));
    }

    /** @return the file's number, "max" as Long.MAX_VALUE, or -1 when the file is missing */
    private static long number(Path file) {
        String text = text(file);
        if (text == null) {
            return -1;
        }
        return text.equals("max") ? Long.MAX_VALUE : Long.parseLong(text);
    }

    /** @return the value of a "key value" line of a flat keyed file, or -1 */
    private static long key(Path file, String key) {
        String text = text(file);
        if (text != null) {
            for (String line : text.split("\n")) {
                if (line.startsWith(key + " ")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim());
                }
            }
        }
        return -1;
    }

    private static String text(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            return null;
        }
    }
}
