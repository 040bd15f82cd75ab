package dev.stevedore.internal.seccomp;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Seccomp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Docker's default seccomp profile. The rules are data ({@code docker-default.json}, in Moby's
 * format, where a rule may depend on the architecture, the container's capabilities and the kernel
 * version); this class only resolves them into a runtime-spec {@code linux.seccomp} for this
 * machine, as Docker does before it hands a configuration to runc.
 *
 * <p>A configuration without {@code linux.seccomp} is unconfined, per the runtime spec; the engine
 * adds this profile to the containers it creates unless the user asks otherwise.
 */
public final class DefaultSeccomp {

    /** Docker's default capabilities, which the profile is resolved against by {@link #profile()}. */
    public static final List<String> DOCKER_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL",
            "CAP_AUDIT_WRITE");

    /**
     * The parsed profile, in a class of its own: reading it starts Jackson and takes tens of milliseconds
     * in a fresh JVM, which code that only needs {@link #DOCKER_CAPABILITIES} should not pay.
     */
    private static final class Loaded {
        static final Profile PROFILE = load();
    }

    /**
     * Resolved profiles by capability set: the same for every container with those capabilities,
     * and one shared object lets the backend compile it once.
     */
    private static final Map<Set<String>, Seccomp> RESOLVED = new ConcurrentHashMap<>();

    private DefaultSeccomp() {
    }

    /** @return the profile for a container with Docker's default capabilities */
    public static Seccomp profile() {
        return profile(DOCKER_CAPABILITIES);
    }

    /**
     * @param capabilities the container's bounding capabilities, such as {@code CAP_SYS_ADMIN}; as
     *     in Docker, more capabilities allow more system calls (CAP_SYS_ADMIN allows {@code mount})
     * @return the profile for a container with these capabilities on this machine
     */
    public static Seccomp profile(Collection<String> capabilities) {
        Set<String> key = Set.copyOf(capabilities);
        Seccomp known = RESOLVED.get(key);
        if (known != null) {
            return known;
        }
        // Not computeIfAbsent: its function would be a lambda, a class spun at run time while the first
        // container is made. The lock keeps one resolution per set, as computeIfAbsent would.
        synchronized (RESOLVED) {
            known = RESOLVED.get(key);
            if (known == null) {
                known = resolve(SyscallTable.host(), key, kernelVersion());
                RESOLVED.put(key, known);
            }
            return known;
        }
    }

    /**
     * @param table the architecture's calls; names it lacks are dropped
     * @param capabilities the container's bounding capabilities
     * @param kernel major and minor version of the kernel, for rules with {@code minKernel}
     * @return the profile resolved for them
     */
    public static Seccomp resolve(SyscallTable table, Set<String> capabilities, int[] kernel) {
        List<Seccomp.Syscall> calls = new ArrayList<>();
        for (Rule rule : Loaded.PROFILE.syscalls()) {
            if (!rule.applies(table.arch(), capabilities, kernel)) {
                continue;
            }
            // Names of other architectures are skipped, as libseccomp does for Docker.
            List<String> names = new ArrayList<>(rule.names().size());
            for (String name : rule.names()) {
                if (table.numbers().containsKey(name)) {
                    names.add(name);
                }
            }
            if (!names.isEmpty()) {
                calls.add(new Seccomp.Syscall(names, rule.action(), rule.errnoRet(), rule.args(), null));
            }
        }
        List<String> architectures = new ArrayList<>();
        for (ArchMap map : Loaded.PROFILE.archMap()) {
            if (map.architecture().equals(table.seccompArch())) {
                architectures.add(map.architecture());
                architectures.addAll(map.subArchitectures());
            }
        }
        return new Seccomp(Loaded.PROFILE.defaultAction(), Loaded.PROFILE.defaultErrnoRet(), architectures, null, null, null,
                calls, null);
    }

    /** @return major and minor of the running kernel */
    private static int[] kernelVersion() {
        return kernelVersion(System.getProperty("os.version", "0.0"));
    }

    /**
     * Read by hand rather than split on a regular expression, whose compilation was most of this on a fresh
     * JVM's first container.
     *
     * @param release a kernel release such as {@code 6.18.44-x}
     * @return its major and minor numbers, 0 for a minor it lacks, or both 0 when it does not start with numbers
     */
    static int[] kernelVersion(String release) {
        int major = separator(release, 0);
        int minor = major < release.length() ? separator(release, major + 1) : major;
        try {
            return new int[] {Integer.parseInt(release, 0, major, 10),
                    minor > major ? Integer.parseInt(release, major + 1, minor, 10) : 0};
        } catch (NumberFormatException e) {
            return new int[] {0, 0};
        }
    }

    /** @return the index of the first '.' or '-' from {@code from} on, or the length */
    private static int separator(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            if (s.charAt(i) == '.' || s.charAt(i) == '-') {
                return i;
            }
        }
        return s.length();
    }

    private static Profile load() {
        try (InputStream in = SyscallTable.resource("docker-default.json")) {
            if (in == null) {
                throw new IllegalStateException("resource docker-default.json is missing from the stevedore jar");
            }
            return OciJson.read(in, Profile.class, "docker-default");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource docker-default.json", e);
        }
    }

    private record Profile(
            @JsonProperty("comment") String comment,
            @JsonProperty("defaultAction") Seccomp.Action defaultAction,
            @JsonProperty("defaultErrnoRet") Long defaultErrnoRet,
            @JsonProperty("archMap") List<ArchMap> archMap,
            @JsonProperty("syscalls") List<Rule> syscalls) {
    }

    private record ArchMap(
            @JsonProperty("architecture") String architecture,
            @JsonProperty("subArchitectures") List<String> subArchitectures) {
    }

    private record Filter(
            @JsonProperty("arches") List<String> arches,
            @JsonProperty("caps") List<String> caps,
            @JsonProperty("minKernel") String minKernel) {

        List<String> archesOrEmpty() {
            return arches == null ? List.of() : arches;
        }

        List<String> capsOrEmpty() {
            return caps == null ? List.of() : caps;
        }
    }

    private record Rule(
            @JsonProperty("names") List<String> names,
            @JsonProperty("action") Seccomp.Action action,
            @JsonProperty("errnoRet") Long errnoRet,
            @JsonProperty("args") List<Seccomp.Arg> args,
            @JsonProperty("comment") String comment,
            @JsonProperty("includes") Filter includes,
            @JsonProperty("excludes") Filter excludes) {

        /** Moby's reading: every included capability present, no excluded one, the arch listed or not excluded. */
        boolean applies(String arch, Set<String> capabilities, int[] kernel) {
            if (includes != null) {
                if (!includes.archesOrEmpty().isEmpty() && !includes.archesOrEmpty().contains(arch)) {
                    return false;
                }
                if (!capabilities.containsAll(includes.capsOrEmpty())) {
                    return false;
                }
                if (includes.minKernel() != null && older(kernel, includes.minKernel())) {
                    return false;
                }
            }
            if (excludes != null) {
                if (excludes.archesOrEmpty().contains(arch)) {
                    return false;
                }
                for (String cap : excludes.capsOrEmpty()) {
                    if (capabilities.contains(cap)) {
                        return false;
                    }
                }
            }
            return true;
        }

        private static boolean older(int[] kernel, String min) {
            String[] parts = min.split("\\.");
            int major = Integer.parseInt(parts[0]);
            int minor = Integer.parseInt(parts[1]);
            return kernel[0] < major || kernel[0] == major && kernel[1] < minor;
        }
    }
}
