package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import java.util.List;

/**
 * Checks of a configuration that the model's own (file-system free) checks leave to the runtime:
 * values this host's kernel cannot take. Run before anything is created; each message starts
 * with the JSON path of the offending field, such as {@code linux.resources.memory.limit}.
 */
final class SpecChecks {
    /** cgroup v1 takes CFS periods from 1 ms to 1 s. */
    private static final long MIN_CPU_PERIOD = 1000;
    private static final long MAX_CPU_PERIOD = 1_000_000;
    /** cgroup v1 refuses lower quotas. */
    private static final long MIN_CPU_QUOTA = 1000;

    private SpecChecks() {
    }

    /** @throws IllegalArgumentException naming the field and why its value is refused */
    static void check(Spec spec) {
        List<Mount> mounts = spec.mounts();
        for (int i = 0; i < mounts.size(); i++) {
            String destination = mounts.get(i).destination();
            // runtime-spec 1.0's config.md: the destination MUST be an absolute path.
            if (destination == null || !destination.startsWith("/")) {
                throw new IllegalArgumentException("mounts[" + i + "].destination: '" + destination
                        + "' is not an absolute path");
            }
        }
        Resources r = spec.linux() == null ? null : spec.linux().resources();
        if (r == null) {
            return;
        }
        String path = "linux.resources.";
        if (r.memory() != null) {
            Resources.Memory m = r.memory();
            limit(m.limit(), path + "memory.limit");
            limit(m.reservation(), path + "memory.reservation");
            limit(m.swap(), path + "memory.swap");
            limit(m.kernel(), path + "memory.kernel");
            limit(m.kernelTCP(), path + "memory.kernelTCP");
            if (m.limit() != null && m.swap() != null && m.limit() > 0 && m.swap() > 0 && m.swap() < m.limit()) {
                throw new IllegalArgumentException(path + "memory.swap: " + m.swap()
                        + " is below the memory limit " + m.limit() + "; swap counts memory plus swap");
            }
        }
        if (r.cpu() != null) {
            Resources.Cpu c = r.cpu();
            if (c.period() != null && (c.period() < MIN_CPU_PERIOD || c.period() > MAX_CPU_PERIOD)) {
                throw new IllegalArgumentException(path + "cpu.period: " + c.period() + " is outside "
                        + MIN_CPU_PERIOD + ".." + MAX_CPU_PERIOD + " microseconds");
            }
            if (c.quota() != null && c.quota() != -1 && c.quota() < MIN_CPU_QUOTA) {
                throw new IllegalArgumentException(path + "cpu.quota: " + c.quota() + " is below " + MIN_CPU_QUOTA
                        + " microseconds (use -1 for no quota)");
            }
            cpuList(c.cpus(), path + "cpu.cpus");
            cpuList(c.mems(), path + "cpu.mems");
        }
        if (r.pids() != null && r.pids().limit() != null && r.pids().limit() < -1) {
            throw new IllegalArgumentException(path + "pids.limit: " + r.pids().limit()
                    + " is not a number of tasks (use -1 for no limit)");
        }
    }

    private static void limit(Long value, String field) {
        if (value != null && value < -1) {
            throw new IllegalArgumentException(field + ": " + value + " is not a size in bytes (use -1 for no limit)");
        }
    }

    private static void cpuList(String list, String field) {
        if (list != null && !list.isEmpty() && !list.matches("[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*")) {
            throw new IllegalArgumentException(field + ": '" + list + "' is not a list such as 0-3,6");
        }
    }
}
