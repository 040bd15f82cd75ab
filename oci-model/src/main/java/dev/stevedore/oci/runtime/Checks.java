package dev.stevedore.oci.runtime;

import dev.stevedore.oci.OciFormatException;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

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
        // A loop, not forEach with a lambda: records are made on the first container's path, where the
        // first lambda of a fresh JVM costs several ms.
        for (Map.Entry<K, V> e : map.entrySet()) {
            if (e.getValue() == null) {
                throw OciFormatException.field(field + "." + e.getKey(), "must not be null");
            }
        }
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

    /** A constant of a closed set, named in JSON by {@link #value}. */
    interface Named {
        /** @return the constant's name in JSON */
        String value();
    }

    /**
     * Looks up the constant of a closed set by its JSON name; the message lists the allowed names so the
     * author of the document can fix it without opening the spec. The constants name themselves through
     * {@link Named} rather than a function passed in: that would be a method reference, a class spun at
     * run time in the first document read.
     */
    static <E extends Enum<E> & Named> E oneOf(E[] constants, String value, String what) {
        for (E constant : constants) {
            if (constant.value().equals(value)) {
                return constant;
            }
        }
        StringJoiner allowed = new StringJoiner(", ");
        for (E constant : constants) {
            allowed.add(constant.value());
        }
        throw new IllegalArgumentException(quote(value) + " is not " + what + "; expected one of " + allowed);
    }

    // The grammars below were regular expressions; matched by hand, they spare every runtime spec made in a
    // fresh JVM the regex engine's start (and one of them a compilation per call). ChecksGrammarTest holds
    // the expressions and checks these matchers against them.

    /**
     * SemVer 2.0: {@code (0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)} then an optional {@code -} and
     * an optional {@code +}, each followed by dot-separated identifiers {@code [0-9A-Za-z-]+}.
     */
    static boolean isSemVer(String s) {
        int n = s.length();
        int i = 0;
        for (int part = 0; part < 3; part++) {
            if (part > 0) {
                if (i == n || s.charAt(i) != '.') {
                    return false;
                }
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start || s.charAt(start) == '0' && i - start > 1) {
                return false;
            }
        }
        if (i < n && s.charAt(i) == '-') {
            i = identifiers(s, i + 1);
        }
        if (i >= 0 && i < n && s.charAt(i) == '+') {
            i = identifiers(s, i + 1);
        }
        return i == n;
    }

    /** @return where dot-separated identifiers {@code [0-9A-Za-z-]+} from {@code i} end, or -1 if one is empty */
    private static int identifiers(String s, int i) {
        int n = s.length();
        while (true) {
            int start = i;
            while (i < n && (isAsciiAlnum(s.charAt(i)) || s.charAt(i) == '-')) {
                i++;
            }
            if (i == start) {
                return -1;
            }
            if (i == n || s.charAt(i) != '.') {
                return i;
            }
            i++;
        }
    }

    /** {@code CAP_[A-Z0-9_]+}. */
    static boolean isCapabilityName(String s) {
        if (s.length() <= 4 || !s.startsWith("CAP_")) {
            return false;
        }
        for (int i = 4; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    /** {@code [rwm]{1,3}}. */
    static boolean isDeviceAccess(String s) {
        if (s.isEmpty() || s.length() > 3) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != 'r' && c != 'w' && c != 'm') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAsciiAlnum(char c) {
        return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    static String quote(String value) {
        return value == null ? "null" : "\"" + value + "\"";
    }
}
