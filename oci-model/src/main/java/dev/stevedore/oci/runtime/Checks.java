package dev.stevedore.oci.runtime;

import dev.stevedore.oci.OciFormatException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Validation and copying shared by the runtime-spec records. */
final class Checks {

    static final long UINT32_MAX = 0xFFFF_FFFFL;

    private Checks() {
    }

    static <T> List<T> list(List<T> list, String field) {
        return list == null ? List.of() : listOrNull(list, field);
    }

    /** A copy that keeps null, for fields where an empty list means something else than an absent one. */
    static <T> List<T> listOrNull(List<T> list, String field) {
        if (list == null) {
            return null;
        }
        noNullElements(list, field);
        return List.copyOf(list);
    }

    /**
     * Copies keep the document's order: Map.copyOf iterates in an order that changes from one JVM
     * to the next, which would make the written bytes (and any digest of them) unstable.
     */
    static <K, V> Map<K, V> map(Map<K, V> map, String field) {
        if (map == null) {
            return Map.of();
        }
        map.forEach((key, value) -> {
            if (value == null) {
                throw OciFormatException.field(field + "." + key, "must not be null");
            }
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** Extensions may hold JSON nulls, so unlike {@link #map} they are copied as they are. */
    static Map<String, Object> extensions(Map<String, Object> extensions) {
        return extensions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /** An environment as {@code environ} holds it: every entry NAME=value with a non-empty name. */
    static List<String> env(List<String> env, String field) {
        List<String> copy = list(env, field);
        for (int i = 0; i < copy.size(); i++) {
            if (copy.get(i).indexOf('=') <= 0) {
                throw OciFormatException.field(field + "[" + i + "]", quote(copy.get(i)) + " is not NAME=value");
            }
        }
        return copy;
    }

    static <T> T required(T value, String field) {
        if (value == null) {
            throw OciFormatException.field(field, "is required");
        }
        return value;
    }

    static String requiredText(String value, String field) {
        if (value == null || value.isEmpty()) {
            throw OciFormatException.field(field, "is required");
        }
        return value;
    }

    static void absolute(String path, String field) {
        if (path != null && !path.startsWith("/")) {
            throw OciFormatException.field(field, quote(path) + " is not an absolute path");
        }
    }

    static void absoluteEach(List<String> paths, String field) {
        for (int i = 0; i < paths.size(); i++) {
            absolute(paths.get(i), field + "[" + i + "]");
        }
    }

    static void notNegative(Number value, String field) {
        if (value != null && value.longValue() < 0) {
            throw OciFormatException.field(field, "must not be negative, got " + value);
        }
    }

    static void range(Number value, long min, long max, String field) {
        if (value != null && (value.longValue() < min || value.longValue() > max)) {
            throw OciFormatException.field(field, "must be between " + min + " and " + max + ", got " + value);
        }
    }

    static void noNullElements(Collection<?> values, String field) {
        int i = 0;
        for (Object value : values) {
            if (value == null) {
                throw OciFormatException.field(field + "[" + i + "]", "must not be null");
            }
            i++;
        }
    }

    /**
     * Looks up the constant of a closed set by its JSON name; the message lists the allowed names so the
     * author of the document can fix it without opening the spec.
     */
    static <E extends Enum<E>> E oneOf(E[] constants, String value, Function<E, String> name, String what) {
        for (E constant : constants) {
            if (name.apply(constant).equals(value)) {
                return constant;
            }
        }
        String allowed = Arrays.stream(constants).map(name).collect(Collectors.joining(", "));
        throw new IllegalArgumentException(quote(value) + " is not " + what + "; expected one of " + allowed);
    }

    static String quote(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }
}
