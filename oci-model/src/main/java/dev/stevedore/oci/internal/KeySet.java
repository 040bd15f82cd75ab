package dev.stevedore.oci.internal;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import dev.stevedore.oci.OciFormatException;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * JSON mapping of a set of strings written as an object whose values are all {@code {}}: Go's
 * {@code map[string]struct{}}, which the image config uses for {@code ExposedPorts} and
 * {@code Volumes}. A value other than {@code {}} is refused rather than dropped.
 */
public final class KeySet {

    private KeySet() {
    }

    /**
     * Writes the set as {@code {"a":{},"b":{}}}.
     *
     * @param keys the set
     * @param out where to write it
     * @throws IOException when writing fails
     */
    public static void write(Set<String> keys, JsonGenerator out) throws IOException {
        out.writeStartObject();
        for (String key : keys) {
            out.writeFieldName(key);
            out.writeStartObject();
            out.writeEndObject();
        }
        out.writeEndObject();
    }

    /**
     * Reads {@code {"a":{},"b":{}}} as the set of its keys, in document order.
     *
     * @param p a parser on the object's first token
     * @return the keys
     * @throws OciFormatException relative to the object when it is not an object of empty objects
     * @throws IOException when the JSON is malformed
     */
    public static Set<String> read(JsonParser p) throws IOException {
        if (!p.isExpectedStartObjectToken()) {
            throw OciFormatException.field("", "expected an object of keys to empty objects, got " + describe(p.currentToken()));
        }
        Set<String> keys = new LinkedHashSet<>();
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
            JsonToken value = p.nextToken();
            if (value != JsonToken.START_OBJECT || p.nextToken() != JsonToken.END_OBJECT) {
                throw OciFormatException.field(key, "expected an empty object {}, got " + describe(value));
            }
            keys.add(key);
        }
        return keys;
    }

    private static String describe(JsonToken token) {
        return switch (token) {
            case START_OBJECT -> "a non-empty object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> token.toString();
        };
    }

    /** The mapping above for jackson-databind, so the model's annotations mean the same to any Jackson mapper. */
    public static final class Serializer extends JsonSerializer<Set<String>> {
        @Override
        public void serialize(Set<String> value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            write(value, gen);
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
            return read(p);
        }
    }
}
