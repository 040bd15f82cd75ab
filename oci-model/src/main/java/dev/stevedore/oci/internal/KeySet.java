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

    /** Writes the set as {@code {"a":{},"b":{}}}. */
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

    /** Reads {@code {"a":{},"b":{}}} as the set of its keys, in document order. */
    public static final class Deserializer extends JsonDeserializer<Set<String>> {
        @Override
        public Set<String> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
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
    }
}
