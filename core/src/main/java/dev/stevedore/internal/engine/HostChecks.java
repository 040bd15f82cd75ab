package dev.stevedore.internal.engine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * What this host offers containers, read from {@code /proc} and {@code /sys} under a root that
 * tests can replace. Each check gives a detail that says why when something is missing.
 */
public final class HostChecks {

    /**
     * One finding.
     *
     * @param feature what was checked
     * @param available whether it is there
     * @param detail what was found, or why it is missing
     */
    public record Check(String feature, boolean available, String detail) {
    }

    private static final List<String> NAMESPACES = List.of("mnt", "pid", "net", "ipc", "uts", "cgroup", "user",
            "time");

    private HostChecks() {
    }

    /**
     * @param host the host's root, {@code /} except in tests
     * @return the kernel checks: namespaces, cgroups, overlayfs, user namespaces, seccomp
     */
    public static List<Check> kernel(Path host) {
        List<Check> checks = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String ns : NAMESPACES) {
            if (!Files.exists(host.resolve("proc/self/ns").resolve(ns))) {
                missing.add(ns);
            }
        }
        checks.add(new Check("namespaces", missing.isEmpty(), missing.isEmpty()
                ? String.join(", ", NAMESPACES)
                : "missing " + String.join(", ", missing) + ": the kernel was built without them (CONFIG_*_NS)"));
        checks.add(cgroups(host.resolve("sys/fs/cgroup")));
        String filesystems = read(host.resolve("proc/filesystems"));
        boolean overlay = filesystems.contains("\toverlay\n") || filesystems.endsWith("\toverlay");
        checks.add(new Check("overlayfs", overlay, overlay ? "listed in /proc/filesystems"
                : "not in /proc/filesystems: load it with 'modprobe overlay'; the copying snapshotter is used instead"));
        String maxUserNs = read(host.resolve("proc/sys/user/max_user_namespaces")).strip();
        boolean userNs = Files.exists(host.resolve("proc/self/ns/user")) && !maxUserNs.equals("0");
        checks.add(new Check("user namespaces", userNs, userNs
                ? "max_user_namespaces=" + (maxUserNs.isEmpty() ? "unknown" : maxUserNs)
                : "disabled: /proc/sys/user/max_user_namespaces is 0 (raise it with sysctl user.max_user_namespaces)"));
        String status = read(host.resolve("proc/self/status"));
        boolean seccomp = status.contains("Seccomp:");
        String actions = read(host.resolve("proc/sys/kernel/seccomp/actions_avail")).strip();
        checks.add(new Check("seccomp", seccomp, seccomp
                ? (actions.isEmpty() ? "supported" : "actions: " + actions)
                : "the kernel has no seccomp (CONFIG_SECCOMP): no Seccomp line in /proc/self/status"));
        return checks;
    }

    static Check cgroups(Path cgroupRoot) {
        if (Files.isRegularFile(cgroupRoot.resolve("cgroup.controllers"))) {
            String controllers = read(cgroupRoot.resolve("cgroup.controllers")).strip();
            return new Check("cgroups", true, "v2 (unified), controllers: " + controllers);
        }
        TreeSet<String> v1 = new TreeSet<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(cgroupRoot)) {
            for (Path d : dirs) {
                if (Files.isDirectory(d) && !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs"))
                        && !d.getFileName().toString().equals("unified")) {
                    v1.add(d.getFileName().toString());
                }
            }
        } catch (IOException e) {
            return new Check("cgroups", false, cgroupRoot + " is not readable (" + e.getMessage()
                    + "): mount cgroupfs there");
        }
        if (v1.isEmpty()) {
            return new Check("cgroups", false, "no cgroup hierarchy is mounted at " + cgroupRoot
                    + ": mount cgroup2 there");
        }
        boolean hybrid = Files.isRegularFile(cgroupRoot.resolve("unified/cgroup.controllers"));
        List<String> missing = new ArrayList<>();
        for (String needed : List.of("memory", "cpu", "pids")) {
            if (!v1.contains(needed)) {
                missing.add(needed);
            }
        }
        return new Check("cgroups", missing.isEmpty(), "v1" + (hybrid ? " (hybrid, v2 at unified/)" : "")
                + ", controllers: " + String.join(", ", v1)
                + (missing.isEmpty() ? "" : "; missing " + String.join(", ", missing) + ": limits on them fail"));
    }

    /** Reads a small file, empty when it is missing or unreadable. */
    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /** @return the effective uid of this process, from {@code /proc/self/status}; -1 when unknown */
    public static long effectiveUid() {
        return EffectiveUid.VALUE;
    }

    /** Read once: a JVM does not change its uid, and an engine's start asked for it several times. */
    private static final class EffectiveUid {
        static final long VALUE = effectiveUid(read(Path.of("/proc/self/status")));
    }

    /** @return this process's id */
    public static long pid() {
        return Pid.VALUE;
    }

    /**
     * Read from {@code /proc/self}'s link where there is one: {@link ProcessHandle#current()} initializes
     * {@code ProcessHandleImpl} (its reaper pool, lambdas), which a backend that starts processes initializes
     * at the same time on another thread, so the first container's thread waited for it.
     */
    private static final class Pid {
        static final long VALUE = pid(Path.of("/proc/self"));
    }

    /** @return the process id a {@code /proc/self} link names, or {@link ProcessHandle}'s when it names none */
    static long pid(Path procSelf) {
        try {
            return Long.parseLong(Files.readSymbolicLink(procSelf).toString());
        } catch (IOException | NumberFormatException e) {
            return ProcessHandle.current().pid();
        }
    }

    /**
     * The effective uid in the text of {@code /proc/PID/status}: the second number of its {@code Uid:} line.
     * Read without regular expressions, whose engine a fresh JVM would otherwise load for this alone.
     *
     * @return the uid, or -1 when the text has no such line
     */
    static long effectiveUid(String status) {
        int line = status.startsWith("Uid:") ? 0 : status.indexOf("\nUid:");
        if (line < 0) {
            return -1;
        }
        int at = status.indexOf(':', line) + 1;
        for (int field = 0; field < 2; field++) {
            while (at < status.length() && Character.isWhitespace(status.charAt(at))) {
                at++;
            }
            int end = at;
            while (end < status.length() && !Character.isWhitespace(status.charAt(end))) {
                end++;
            }
            if (field == 1) {
                return Long.parseLong(status, at, end, 10);
            }
            at = end;
        }
        return -1;
    }

    /** @return {@code os.arch} as OCI (Go) names architectures: {@code amd64}, {@code arm64}... */
    public static String ociArchitecture() {
        String arch = System.getProperty("os.arch");
        return Map.of("x86_64", "amd64", "aarch64", "arm64", "i386", "386", "x86", "386").getOrDefault(arch, arch);
    }
}
