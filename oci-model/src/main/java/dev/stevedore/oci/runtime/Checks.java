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

    static <K, V> Map<K, V> map(Map<K, V> map, String field) {
        if (map == null) {
            return Map.of();
        }
        map.forEach((key, value) -> {
            if (value == null) {
                throw OciFormatException.field(field + "." + key, "must not be null");
            }
        });
        return Map.copyOf(map);
    }

    /** Extensions may hold JSON nulls, which Map.copyOf refuses, so they get an unmodifiable view of a copy. */
    static Map<String, Object> extensions(Map<String, Object> extensions) {
        return extensions == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
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
