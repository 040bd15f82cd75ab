package dev.stevedore.linux;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Spec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The documents {@code spec} and {@code features} print: a starting config.json, and what this runtime supports. */
final class RuncSpecs {
    private RuncSpecs() {
    }

    /**
     * Writes runc's default configuration (a shell in a busybox-like {@code rootfs}) as
     * {@code config.json} in {@code bundle}, with a terminal as runc's (so {@code run} gives an interactive shell).
     *
     * @throws IllegalStateException when {@code config.json} exists already
     */
    static void writeDefault(Path bundle, boolean rootless) {
        if (rootless) {
            throw new IllegalArgumentException("spec: --rootless is not supported yet (no rootless mode)");
        }
        Path file = bundle.resolve("config.json");
        // Checked by reading it back, so a change to the template that breaks the model fails here.
        OciJson.read(DEFAULT, Spec.class, "config");
        try {
            Files.writeString(file, DEFAULT, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("spec: '" + file + "' exists already; remove it first");
        } catch (IOException e) {
            throw new UncheckedIOException("spec: cannot write '" + file + "': " + e, e);
        }
    }

    static String features() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("ociVersionMin", "1.0.0");
        f.put("ociVersionMax", Spec.VERSION);
        f.put("hooks", List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart",
                "poststop"));
        List<String> options = new ArrayList<>(Kernel.MOUNT_FLAGS.keySet());
        options.addAll(Kernel.PROPAGATIONS.keySet());
        options.sort(null);
        f.put("mountOptions", options);
        Map<String, Object> linux = new LinkedHashMap<>();
        List<String> namespaces = new ArrayList<>();
        for (NamespaceType t : List.of(NamespaceType.CGROUP, NamespaceType.IPC, NamespaceType.MOUNT,
                NamespaceType.NETWORK, NamespaceType.PID, NamespaceType.USER, NamespaceType.UTS)) {
            namespaces.add(t.value());
        }
        linux.put("namespaces", namespaces);
        linux.put("capabilities", Kernel.CAPABILITIES);
        linux.put("cgroup", Map.of("v1", true, "v2", true, "systemd", false, "systemdUser", false, "rdma", false));
        // What dev.stevedore.linux.seccomp compiles: every action but notify, every operator, the native ABI.
        Map<String, Object> seccomp = new LinkedHashMap<>();
        seccomp.put("enabled", true);
        seccomp.put("actions", List.of("SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
                "SCMP_ACT_KILL_THREAD", "SCMP_ACT_LOG", "SCMP_ACT_TRACE", "SCMP_ACT_TRAP"));
        seccomp.put("operators", List.of("SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_LE", "SCMP_CMP_LT",
                "SCMP_CMP_MASKED_EQ", "SCMP_CMP_NE"));
        seccomp.put("archs", List.of(System.getProperty("os.arch").equals("aarch64") ? "SCMP_ARCH_AARCH64"
                : "SCMP_ARCH_X86_64"));
        seccomp.put("knownFlags", List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
        seccomp.put("supportedFlags", List.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
                "SECCOMP_FILTER_FLAG_SPEC_ALLOW"));
        linux.put("seccomp", seccomp);
        linux.put("apparmor", Map.of("enabled", false));
        linux.put("selinux", Map.of("enabled", false));
        linux.put("intelRdt", Map.of("enabled", false));
        linux.put("mountExtensions", Map.of("idmap", Map.of("enabled", false)));
        f.put("linux", linux);
        f.put("annotations", Map.of("dev.stevedore.runc.version", Runc.VERSION));
        return OciJson.writePretty(f);
    }

    private static final String DEFAULT = """
            {
              "ociVersion": "%s",
              "process": {
                "terminal": true,
                "user": {"uid": 0, "gid": 0},
                "args": ["sh"],
                "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                "cwd": "/",
                "capabilities": {
                  "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                  "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                  "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                },
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                "noNewPrivileges": true
              },
              "root": {"path": "rootfs", "readonly": true},
              "hostname": "stevedore",
              "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
                {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
                {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
                {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
                {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
              ],
              "linux": {
                "resources": {"devices": [{"allow": false, "access": "rwm"}]},
                "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
                "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                  "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
              }
            }
            """.formatted(Spec.VERSION);
}
