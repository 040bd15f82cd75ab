package dev.stevedore.internal.seccomp;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Seccomp;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
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
        return resolve(Loaded.PROFILE, table, capabilities, kernel);
    }

    /** {@link #resolve(SyscallTable, Set, int[])} of a profile other than the bundled one. */
    static Seccomp resolve(Profile profile, SyscallTable table, Set<String> capabilities, int[] kernel) {
        List<Seccomp.Syscall> calls = new ArrayList<>();
        for (Rule rule : profile.syscalls()) {
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
        for (ArchMap map : profile.archMap()) {
            if (map.architecture().equals(table.seccompArch())) {
                architectures.add(map.architecture());
                architectures.addAll(map.subArchitectures());
            }
        }
        return new Seccomp(profile.defaultAction(), profile.defaultErrnoRet(), architectures, null, null, null,
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
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource docker-default.json", e);
        }
    }

    /**
     * Maps the profile by hand from the JSON values rather than through its records' annotations: read
     * that way, the rules' 31 objects and their filters' 25 would each be made by a reflective constructor
     * call, and past 15 calls of one constructor the JDK generates an accessor class, about 2 ms of CPU
     * while the first container waits for this profile. The checks and messages are the mapper's.
     *
     * @param json a profile in Moby's format
     * @return it read
     * @throws OciFormatException naming the JSON path of what is wrong
     */
    static Profile parse(byte[] json) {
        // Never null: the reader refuses a document that is JSON null.
        Node root = Node.of(OciJson.read(json, Object.class, ROOT), ROOT);
        List<ArchMap> archMap = null;
        List<Node> maps = root.objects("archMap");
        if (maps != null) {
            archMap = new ArrayList<>(maps.size());
            for (Node map : maps) {
                archMap.add(map == null ? null
                        : new ArchMap(map.string("architecture"), map.strings("subArchitectures")));
            }
        }
        List<Rule> syscalls = null;
        List<Node> rules = root.objects("syscalls");
        if (rules != null) {
            syscalls = new ArrayList<>(rules.size());
            for (Node rule : rules) {
                syscalls.add(rule == null ? null : rule(rule));
            }
        }
        return new Profile(root.string("comment"), root.action("defaultAction"), root.integer("defaultErrnoRet"),
                archMap, syscalls);
    }

    private static final String ROOT = "docker-default";

    private static Rule rule(Node rule) {
        List<Seccomp.Arg> args = null;
        List<Node> argNodes = rule.objects("args");
        if (argNodes != null) {
            args = new ArrayList<>(argNodes.size());
            for (Node arg : argNodes) {
                args.add(arg == null ? null : arg.arg());
            }
        }
        return new Rule(rule.strings("names"), rule.action("action"), rule.integer("errnoRet"), args,
                rule.string("comment"), filter(rule.object("includes")), filter(rule.object("excludes")));
    }

    private static Filter filter(Node filter) {
        return filter == null ? null
                : new Filter(filter.strings("arches"), filter.strings("caps"), filter.string("minKernel"));
    }

    /**
     * A JSON object of the profile, as {@code OciJson} reads any JSON (maps, lists, strings, numbers), with
     * its path. A member that is missing or null reads as null, as the mapper reads it into a record.
     */
    private record Node(String path, Map<?, ?> fields) {

        /** The members of a {@link Seccomp.Arg}: the others are its extensions. */
        private static final Set<String> ARG_FIELDS = Set.of("index", "value", "valueTwo", "op");

        static Node of(Object value, String path) {
            if (value == null) {
                return null;
            }
            if (value instanceof Map<?, ?> fields) {
                return new Node(path, fields);
            }
            throw mismatch(path, "an object", value);
        }

        private String at(String name) {
            return path + "." + name;
        }

        String string(String name) {
            return string(fields.get(name), at(name));
        }

        private static String string(Object value, String path) {
            if (value == null || value instanceof String) {
                return (String) value;
            }
            throw mismatch(path, "a string", value);
        }

        Long integer(String name) {
            Object value = fields.get(name);
            if (value == null || value instanceof Long) {
                return (Long) value;
            }
            if (value instanceof Integer i) {
                return i.longValue();
            }
            throw outOfRange(at(name), value, 64);
        }

        private Integer smallInteger(String name) {
            Object value = fields.get(name);
            if (value == null || value instanceof Integer) {
                return (Integer) value;
            }
            throw outOfRange(at(name), value, 32);
        }

        /** A whole number too large for the field is out of its range; any other value is not an integer. */
        private static OciFormatException outOfRange(String path, Object value, int bits) {
            if (value instanceof Long || value instanceof BigInteger) {
                return new OciFormatException(path, "the number " + value + " is out of range for a " + bits
                        + "-bit integer");
            }
            return mismatch(path, "an integer", value);
        }

        Seccomp.Action action(String name) {
            String text = string(name);
            try {
                return text == null ? null : Seccomp.Action.of(text);
            } catch (IllegalArgumentException e) {
                throw refused(at(name), e);
            }
        }

        List<String> strings(String name) {
            List<?> values = list(name);
            if (values == null) {
                return null;
            }
            List<String> strings = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                strings.add(string(values.get(i), at(name) + "[" + i + "]"));
            }
            return strings;
        }

        Node object(String name) {
            return of(fields.get(name), at(name));
        }

        List<Node> objects(String name) {
            List<?> values = list(name);
            if (values == null) {
                return null;
            }
            List<Node> nodes = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                nodes.add(of(values.get(i), at(name) + "[" + i + "]"));
            }
            return nodes;
        }

        private List<?> list(String name) {
            Object value = fields.get(name);
            if (value == null || value instanceof List<?>) {
                return (List<?>) value;
            }
            throw mismatch(at(name), "an array", value);
        }

        /** This object as a rule's argument; like the mapper, keeps the members it does not know as extensions. */
        Seccomp.Arg arg() {
            Seccomp.Operator op;
            String text = string("op");
            try {
                op = text == null ? null : Seccomp.Operator.of(text);
            } catch (IllegalArgumentException e) {
                throw refused(at("op"), e);
            }
            Map<String, Object> extensions = null;
            for (Map.Entry<?, ?> e : fields.entrySet()) {
                if (!ARG_FIELDS.contains(e.getKey())) {
                    if (extensions == null) {
                        extensions = new LinkedHashMap<>();
                    }
                    extensions.put((String) e.getKey(), e.getValue());
                }
            }
            Integer index = smallInteger("index");
            Long value = integer("value");
            Long valueTwo = integer("valueTwo");
            try {
                return new Seccomp.Arg(index, value, valueTwo, op, extensions);
            } catch (OciFormatException e) {
                throw refused(path, e);
            }
        }

        /** A problem the model found in a value, at its path; a field's problem names the field under it. */
        private static OciFormatException refused(String path, IllegalArgumentException problem) {
            OciFormatException refused = problem instanceof OciFormatException e
                    ? new OciFormatException(e.path().isEmpty() ? path : path + "." + e.path(), e.problem())
                    : new OciFormatException(path, problem.getMessage());
            refused.initCause(problem);
            return refused;
        }

        private static OciFormatException mismatch(String path, String kind, Object value) {
            return new OciFormatException(path, "expected " + kind + ", got " + describe(value));
        }

        /** As the mapper describes the JSON value it did not expect. */
        private static String describe(Object value) {
            if (value instanceof String text) {
                return "the string \"" + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "\"";
            }
            if (value instanceof Number) {
                return "the number " + value;
            }
            if (value instanceof Boolean) {
                return value.toString();
            }
            return value instanceof List<?> ? "an array" : "an object";
        }
    }

    record Profile(String comment, Seccomp.Action defaultAction, Long defaultErrnoRet, List<ArchMap> archMap,
            List<Rule> syscalls) {
    }

    private record ArchMap(String architecture, List<String> subArchitectures) {
    }

    private record Filter(List<String> arches, List<String> caps, String minKernel) {

        List<String> archesOrEmpty() {
            return arches == null ? List.of() : arches;
        }

        List<String> capsOrEmpty() {
            return caps == null ? List.of() : caps;
        }
    }

    private record Rule(List<String> names, Seccomp.Action action, Long errnoRet, List<Seccomp.Arg> args,
            String comment, Filter includes, Filter excludes) {

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
