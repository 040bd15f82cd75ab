package dev.stevedore.internal.engine;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Root;
import dev.stevedore.oci.runtime.Seccomp;
import dev.stevedore.oci.runtime.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The one place where a container's settings and its image's config become a runtime-spec
 * configuration, with Docker's semantics: Entrypoint and Cmd, Env merged by name, WorkingDir, User
 * resolved in the image, StopSignal, and {@code docker run}'s mounts, namespaces, masked paths,
 * capabilities and seccomp profile.
 */
public final class RuntimeSpecs {

    /** The PATH Docker sets when neither image nor caller gives one. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Docker's default capabilities. */
    static final List<String> DEFAULT_CAPABILITIES = DefaultSeccomp.DOCKER_CAPABILITIES;

    /** Every capability of Linux 5.9 and later, in bit order. */
    static final List<String> ALL_CAPABILITIES = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",
            "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private static final List<String> MASKED_PATHS = List.of("/proc/asound", "/proc/acpi", "/proc/interrupts",
            "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
            "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap");

    private static final List<String> READONLY_PATHS = List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
            "/proc/sysrq-trigger");

    private static final long CPU_PERIOD = 100_000;

    /**
     * A configuration ready for the backend, and what the engine needs besides.
     *
     * @param spec the runtime-spec configuration
     * @param stopSignal the signal that asks the process to stop
     */
    public record Assembled(Spec spec, int stopSignal) {
    }

    private RuntimeSpecs() {
    }

    /**
     * @param c the caller's settings
     * @param image the image's defaults ({@link ImageConfig.Config#EMPTY} when it has none)
     * @param imageName the image as the caller named it, for messages
     * @param imageFiles reads a file of the image (for {@code /etc/passwd} and {@code /etc/group})
     * @param rootPath where the root filesystem is assembled
     * @param namedVolume the host directory behind a named volume, created when new
     * @return the configuration
     * @throws IllegalArgumentException naming the setting that cannot be honoured
     */
    public static Assembled assemble(ContainerConfig c, ImageConfig.Config image, String imageName,
            Function<String, Optional<String>> imageFiles, Path rootPath, Function<String, Path> namedVolume) {
        List<String> args = args(c, image, imageName);
        ImageUsers.User user = ImageUsers.resolve(c.user != null ? c.user : image.user(), imageFiles);
        List<String> capabilities = capabilities(c);
        String hostname = c.hostname;
        List<String> env = env(image.env(), c.env, hostname, user.home());
        Process process = Process.of(args)
                .withEnv(env)
                .withCwd(workingDir(c.workingDir != null ? c.workingDir : image.workingDir()))
                .withUser(new Process.User(user.uid(), user.gid(), null, user.additionalGids(), null, null))
                .withCapabilities(capabilitySets(capabilities));
        if (c.terminal != null) {
            process = withTerminal(process, c.terminal);
        }
        List<Namespace> namespaces = new ArrayList<>();
        for (NamespaceType t : List.of(NamespaceType.PID, NamespaceType.IPC, NamespaceType.UTS, NamespaceType.MOUNT,
                NamespaceType.CGROUP)) {
            namespaces.add(Namespace.of(t));
        }
        if (c.network == ContainerConfig.Network.NONE) {
            namespaces.add(Namespace.of(NamespaceType.NETWORK));
        }
        // Docker's profile, resolved for the capabilities (CAP_SYS_ADMIN allows mount...); privileged: none.
        Seccomp seccomp = c.privileged ? null : DefaultSeccomp.profile(capabilities);
        Linux linux = new Linux(namespaces, null, null, null, null, null, resources(c), null, seccomp, null,
                c.privileged ? null : MASKED_PATHS, c.privileged ? null : READONLY_PATHS, null, null, null, null);
        Spec spec = Spec.of(process, Root.of(rootPath.toString()).withReadonly(c.readOnlyRootfs))
                .withHostname(hostname)
                .withMounts(mounts(c, namedVolume))
                .withLinux(linux);
        if (!c.labels.isEmpty()) {
            spec = spec.withAnnotations(c.labels);
        }
        String stop = c.stopSignal != null ? c.stopSignal : image.stopSignal();
        return new Assembled(spec, stop == null || stop.isEmpty() ? Signals.TERM : Signals.parse(stop));
    }

    /**
     * Docker's rule: the entrypoint (given or the image's) followed by the command (given, or the
     * image's Cmd unless the entrypoint was given, which resets it).
     */
    static List<String> args(ContainerConfig c, ImageConfig.Config image, String imageName) {
        List<String> entrypoint = c.entrypoint != null ? c.entrypoint : image.entrypoint();
        List<String> cmd = c.command != null ? c.command : c.entrypoint != null ? List.of() : image.cmd();
        List<String> args = new ArrayList<>(entrypoint);
        args.addAll(cmd);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("image \"" + imageName + "\" has no Entrypoint or Cmd and no command was"
                    + " given; give one with withCommand(...)");
        }
        return args;
    }

    /** The image's env, the caller's overriding by name, then PATH, HOSTNAME and HOME when absent. */
    static List<String> env(List<String> imageEnv, Map<String, String> userEnv, String hostname, String home) {
        Map<String, String> merged = new LinkedHashMap<>();
        for (String entry : imageEnv) {
            int eq = entry.indexOf('=');
            merged.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        merged.putAll(userEnv);
        merged.putIfAbsent("PATH", DEFAULT_PATH);
        if (hostname != null) {
            merged.putIfAbsent("HOSTNAME", hostname);
        }
        merged.putIfAbsent("HOME", home);
        List<String> env = new ArrayList<>();
        for (Map.Entry<String, String> e : merged.entrySet()) {
            env.add(e.getKey() + "=" + e.getValue());
        }
        return env;
    }

    private static String workingDir(String dir) {
        if (dir == null || dir.isEmpty()) {
            return "/";
        }
        // Docker resolves a relative WorkingDir against the root.
        return Path.of("/").resolve(dir).normalize().toString();
    }

    /**
     * As Docker: bounding, effective and permitted; no inheritable or ambient sets, so a non-root
     * user's process gets none of them after exec unless a file grants them.
     */
    private static Process.Capabilities capabilitySets(List<String> caps) {
        return new Process.Capabilities(caps, caps, null, caps, null, null);
    }

    static List<String> capabilities(ContainerConfig c) {
        if (c.privileged) {
            return hostCapabilities();
        }
        Set<String> caps = new LinkedHashSet<>(DEFAULT_CAPABILITIES);
        for (String add : c.capAdd) {
            String name = capability(add);
            if (name.equals("CAP_ALL")) {
                caps.addAll(hostCapabilities());
            } else {
                caps.add(name);
            }
        }
        for (String drop : c.capDrop) {
            String name = capability(drop);
            if (name.equals("CAP_ALL")) {
                caps.clear();
            } else {
                caps.remove(name);
            }
        }
        return List.copyOf(caps);
    }

    /**
     * Every capability this process may pass on: its bounding set, as Docker's "all" means. A
     * host can lack some (here CAP_SYS_RESOURCE may be missing), and asking for them would fail.
     */
    static List<String> hostCapabilities() {
        long bounding = -1L;
        for (String line : HostChecks.read(Path.of("/proc/self/status")).split("\n")) {
            if (line.startsWith("CapBnd:")) {
                bounding = Long.parseUnsignedLong(line.substring(7).strip(), 16);
            }
        }
        List<String> caps = new ArrayList<>();
        for (int bit = 0; bit < ALL_CAPABILITIES.size(); bit++) {
            if ((bounding & (1L << bit)) != 0) {
                caps.add(ALL_CAPABILITIES.get(bit));
            }
        }
        return caps;
    }

    private static String capability(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
        if (!full.equals("CAP_ALL") && !ALL_CAPABILITIES.contains(full)) {
            throw new IllegalArgumentException("\"" + name + "\" is not a capability; use a name such as NET_ADMIN"
                    + " or CAP_NET_ADMIN, or ALL");
        }
        return full;
    }

    /**
     * @return the process with a pseudo-terminal of that size as its standard streams, and
     *     {@code TERM=xterm} unless its environment names a terminal type, as {@code docker run -t}
     *     and {@code docker exec -t} give: programs look for TERM to know what the terminal understands
     */
    static Process withTerminal(Process process, ContainerConfig.Terminal terminal) {
        Process p = process.withTerminal(true).withConsoleSize(new Process.ConsoleSize((long) terminal.rows(),
                (long) terminal.columns(), null));
        if (p.env().stream().noneMatch(e -> e.startsWith("TERM="))) {
            List<String> env = new ArrayList<>(p.env());
            env.add("TERM=xterm");
            p = p.withEnv(env);
        }
        return p;
    }

    private static Resources resources(ContainerConfig c) {
        // Docker's default: CAP_MKNOD makes device nodes, but the device cgroup opens none of them beyond
        // those the runtime itself puts in /dev; a privileged container reaches every device.
        Resources r = c.privileged ? Resources.none() : Resources.none().withDevices(List.of(
                Resources.DeviceRule.all(false, "rwm")));
        if (c.memoryBytes != null) {
            r = r.withMemory(Resources.Memory.limit(c.memoryBytes));
        }
        if (c.cpus != null) {
            r = r.withCpu(Resources.Cpu.quota(Math.round(c.cpus * CPU_PERIOD), CPU_PERIOD));
        }
        if (c.pidsLimit != null) {
            r = r.withPids(Resources.Pids.of(c.pidsLimit));
        }
        return r;
    }

    private static List<Mount> mounts(ContainerConfig c, Function<String, Path> namedVolume) {
        List<Mount> mounts = new ArrayList<>();
        mounts.add(Mount.of("/proc", "proc", "proc", "nosuid", "noexec", "nodev"));
        mounts.add(Mount.of("/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k"));
        mounts.add(Mount.of("/dev/pts", "devpts", "devpts", "nosuid", "noexec", "newinstance", "ptmxmode=0666",
                "mode=0620", "gid=5"));
        mounts.add(Mount.of("/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k"));
        mounts.add(Mount.of("/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev"));
        mounts.add(c.privileged ? Mount.of("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev")
                : Mount.of("/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro"));
        for (ContainerConfig.Volume v : c.volumes) {
            switch (v.kind()) {
                case BIND -> mounts.add(Mount.bind(v.source(), v.target(), v.readOnly()));
                case NAMED -> mounts.add(Mount.bind(namedVolume.apply(v.source()).toString(), v.target(),
                        v.readOnly()));
                case TMPFS -> mounts.add(v.sizeBytes() > 0
                        ? Mount.of(v.target(), "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777", "size=" + v.sizeBytes())
                        : Mount.of(v.target(), "tmpfs", "tmpfs", "nosuid", "nodev", "mode=1777"));
                default -> throw new IllegalStateException(v.kind().toString());
            }
        }
        return mounts;
    }
}
