package dev.stevedore.linux;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Spec;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Configurations as Docker would write them for {@code docker run}: all namespaces, its mounts and paths. */
final class TestSpecs {
    private TestSpecs() {
    }

    static Spec docker(Path root, String... args) {
        String argv = List.of(args).stream().map(TestSpecs::quote).collect(Collectors.joining(","));
        return OciJson.read("""
                {
                  "ociVersion": "1.2.0",
                  "process": {
                    "user": {"uid": 0, "gid": 0},
                    "args": [%s],
                    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
                    "cwd": "/"
                  },
                  "root": {"path": %s},
                  "hostname": "box",
                  "mounts": [
                    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid", "noexec", "nodev"]},
                    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
                    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
                    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
                    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]}
                  ],
                  "linux": {
                    "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
                    "resources": {"devices": [{"allow": false, "access": "rwm"}], "memory": {"limit": 67108864}, "pids": {"limit": 100}},
                    "maskedPaths": ["/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
                      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
                      "/sys/firmware", "/sys/devices/virtual/powercap"],
                    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
                  }
                }
                """.formatted(argv, quote(root.toString())), Spec.class, "config");
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
