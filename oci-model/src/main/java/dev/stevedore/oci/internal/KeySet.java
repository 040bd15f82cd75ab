package dev.stevedore.oci.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import dev.stevedore.oci.OciFormatException;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON mapping of a set of strings written as an object whose values are all {@code {}}: Go's
 * {@code map[string]struct{}}, which the image config uses for {@code ExposedPorts} and
 * {@code Volumes}. A value other than {@code {}} is refused rather than dropped.
 *
 * <p>{@link JsonBinding} and jackson-databind both read the object as plain maps and take its keys
 * with {@link #keys(Object)}, so that they refuse the same values with the same words; only the
 * writing is said twice, once for each writer.
 */
public final class KeySet {

    private KeySet() {
    }

    /** Writes the set as {@code {"a":{},"b":{}}}. */
    static void write(Set<String> keys, JsonWriter out) {
        out.startObject();
        for (String key : keys) {
            out.name(key);
            out.startObject();
            out.endObject();
        }
        out.endObject();
    }

    /**
     * Takes {@code {"a":{},"b":{}}}, read as maps, as the set of its keys in document order.
     *
     * @param json the JSON value read as maps, lists, strings, numbers and booleans
     * @return the keys
     * @throws OciFormatException relative to the object when it is not an object of empty objects
     */
    static Set<String> keys(Object json) {
        if (!(json instanceof Map<?, ?> map)) {
            throw OciFormatException.field("", "expected an object of keys to empty objects, got " + describe(json));
        }
        Set<String> keys = new LinkedHashSet<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            if (!(e.getValue() instanceof Map<?, ?> value && value.isEmpty())) {
                throw OciFormatException.field(key, "expected an empty object {}, got " + describe(e.getValue()));
            }
            keys.add(key);
        }
        return keys;
    }

    private static String describe(Object json) {
        if (json instanceof Map<?, ?>) {
            return "a non-empty object";
        }
        if (json instanceof List<?>) {
            return "an array";
        }
        if (json instanceof String) {
            return "a string";
        }
        if (json instanceof Number) {
            return "a number";
        }
        return json instanceof Boolean ? "a boolean" : "null";
    }

    /** The mapping above for jackson-databind, so the model's annotations mean the same to any Jackson mapper. */
    public static final class Serializer extends JsonSerializer<Set<String>> {
        @Override
        public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject();
            for (String key : value) {
                gen.writeFieldName(key);
                gen.writeStartObject();
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }

        @Override
        public boolean isEmpty(SerializerProvider provider, Set<String> value) {
            return value == null || value.isEmpty();
        }
    }

    /** The mapping above for jackson-databind. */
    public static final class Deserializer extends JsonDeserializer<Set<String>> {
        @Override
        public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return keys(ctxt.readValue(p, Object.class));
        }
    }
}
