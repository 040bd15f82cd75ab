package dev.stevedore.oci.internal;

import dev.stevedore.oci.OciFormatException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Defensive copies for the model's records. They keep the order of the input, unlike
 * {@code List.copyOf}'s siblings {@code Map.copyOf} and {@code Set.copyOf}, so a document that is
 * read and written back keeps its keys in place; and they name a null element by its path instead
 * of failing with a bare {@link NullPointerException}.
 */
public final class Immutable {

    private Immutable() {
    }

    /**
     * @param list the list, may be null (read as empty)
     * @param field the field name, for the error
     * @param <T> the element type
     * @return an unmodifiable copy in the same order
     * @throws OciFormatException when an element is null
     */
    public static <T> List<T> list(List<T> list, String field) {
        if (list == null || list.isEmpty()) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw OciFormatException.field(field + "[" + i + "]", "must not be null");
            }
        }
        return List.copyOf(list);
    }

    /**
     * @param map the map, may be null (read as empty)
     * @param field the field name, for the error
     * @param <K> the key type
     * @param <V> the value type
     * @return an unmodifiable copy in the same order
     * @throws OciFormatException when a key or value is null
     */
    public static <K, V> Map<K, V> map(Map<K, V> map, String field) {
        if (map == null || map.isEmpty()) {
            return Map.of();
        }
        for (Map.Entry<K, V> e : map.entrySet()) {
            if (e.getKey() == null) {
                throw OciFormatException.field(field, "must not have a null key");
            }
            if (e.getValue() == null) {
                throw OciFormatException.field(field + "." + e.getKey(), "must not be null");
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /**
     * @param set the set, may be null (read as empty)
     * @param field the field name, for the error
     * @param <T> the element type
     * @return an unmodifiable copy in the same order
     * @throws OciFormatException when an element is null
     */
    public static <T> Set<T> set(Set<T> set, String field) {
        if (set == null || set.isEmpty()) {
            return Set.of();
        }
        for (T element : set) {
            if (element == null) {
                throw OciFormatException.field(field, "must not contain null");
            }
        }
        return Collections.unmodifiableSet(new LinkedHashSet<>(set));
    }

    /**
     * Docker writes {@code ""} for an unset text field where OCI omits it; both mean the same, so
     * they read the same and a document survives a round trip equal to itself.
     *
     * @param text a text field, may be null
     * @return the text, or null when it is empty
     */
    public static String emptyToNull(String text) {
        return text == null || text.isEmpty() ? null : text;
    }

    /**
     * Copies the fields a record does not know; their values may be JSON null.
     *
     * @param extensions the unknown fields, may be null
     * @return an unmodifiable copy in the same order
     */
    public static Map<String, Object> extensions(Map<String, Object> extensions) {
        if (extensions == null || extensions.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
    }

    /**
     * A copy of a list with one more element at its end.
     *
     * @param list the list
     * @param element the element to append
     * @param <T> the element type
     * @return a new list
     */
    public static <T> List<T> append(List<T> list, T element) {
        List<T> copy = new ArrayList<>(list);
        copy.add(element);
        return copy;
    }
}
