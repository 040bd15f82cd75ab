package dev.stevedore.internal.build;

import dev.stevedore.internal.engine.ContainerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code RUN --mount=...} as BuildKit spells it: {@code type=cache} (a directory kept by the
 * store between builds, by {@code id}, which defaults to the target) and {@code type=tmpfs}.
 * Neither's content becomes part of the step's layer. Every use of a cache shares its directory:
 * {@code sharing=locked} and {@code private} are accepted, and not enforced between builds that run
 * at once. Bind, secret and ssh mounts need inputs this builder does not take, and are refused by name.
 */
final class RunMounts {

    private static final Set<String> CACHE_KEYS = Set.of("type", "target", "dst", "destination", "id", "sharing",
            "readonly", "ro", "mode", "uid", "gid");
    private static final Set<String> TMPFS_KEYS = Set.of("type", "target", "dst", "destination", "size");

    /** A cache mount's directory, made on first use with the mount's owner and mode. */
    record CacheDir(String id, int mode, long uid, long gid) {
    }

    private RunMounts() {
    }

    /**
     * @param flag the value of one {@code --mount}, such as {@code type=cache,target=/root/.cache}
     * @param workingDir what a relative target is resolved against
     * @param cacheDir the host directory of a cache mount
     * @return the mount for the step's container
     * @throws IllegalArgumentException saying what is wrong with the flag
     */
    static ContainerConfig.Volume parse(String flag, String workingDir, Function<CacheDir, Path> cacheDir) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : flag.split(",")) {
            int eq = field.indexOf('=');
            String key = (eq < 0 ? field : field.substring(0, eq)).trim().toLowerCase(java.util.Locale.ROOT);
            if (key.isEmpty() || fields.put(key, eq < 0 ? "true" : field.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException("RUN --mount=" + flag + ": " + (key.isEmpty() ? "an empty field"
                        : "'" + key + "' is given twice"));
            }
        }
        String type = fields.getOrDefault("type", "bind");
        Set<String> known = switch (type) {
            case "cache" -> CACHE_KEYS;
            case "tmpfs" -> TMPFS_KEYS;
            case "bind", "secret", "ssh" -> throw new IllegalArgumentException("RUN --mount=type=" + type
                    + " is not supported by this builder (it takes cache and tmpfs mounts)"
                    + (type.equals("bind") ? "; COPY what the command needs" : ""));
            default -> throw new IllegalArgumentException("RUN --mount=" + flag + ": unknown type '" + type
                    + "'; expected cache or tmpfs");
        };
        for (String key : fields.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("RUN --mount=" + flag + ": '" + key + "' is not supported for a "
                        + type + " mount");
            }
        }
        String target = fields.getOrDefault("target", fields.getOrDefault("dst", fields.get("destination")));
        if (target == null || target.isEmpty()) {
            throw new IllegalArgumentException("RUN --mount=" + flag + ": target is required");
        }
        target = Path.of(workingDir).resolve(target).normalize().toString();
        if (type.equals("tmpfs")) {
            return new ContainerConfig.Volume(ContainerConfig.Volume.Kind.TMPFS, null, target, false,
                    number(flag, fields, "size", 0));
        }
        String sharing = fields.getOrDefault("sharing", "shared");
        if (!Set.of("shared", "private", "locked").contains(sharing)) {
            throw new IllegalArgumentException("RUN --mount=" + flag + ": sharing '" + sharing + "' is none of shared, "
                    + "private, locked");
        }
        boolean readOnly = bool(flag, fields, "readonly") || bool(flag, fields, "ro");
        int mode = (int) number(flag, fields, "mode", 0755, 8);
        Path dir = cacheDir.apply(new CacheDir(fields.getOrDefault("id", target), mode, number(flag, fields, "uid", 0),
                number(flag, fields, "gid", 0)));
        return new ContainerConfig.Volume(ContainerConfig.Volume.Kind.BIND, dir.toString(), target, readOnly, 0);
    }

    private static boolean bool(String flag, Map<String, String> fields, String key) {
        String v = fields.getOrDefault(key, "false");
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException("RUN --mount=" + flag + ": " + key + " is true or false, not '" + v + "'");
        }
        return v.equals("true");
    }

    private static long number(String flag, Map<String, String> fields, String key, long absent) {
        return number(flag, fields, key, absent, 10);
    }

    private static long number(String flag, Map<String, String> fields, String key, long absent, int radix) {
        String v = fields.get(key);
        if (v == null) {
            return absent;
        }
        try {
            long n = Long.parseLong(v, radix);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("RUN --mount=" + flag + ": " + key + " '" + v + "' is not a "
                    + (radix == 8 ? "mode in octal" : "number"));
        }
    }
}
