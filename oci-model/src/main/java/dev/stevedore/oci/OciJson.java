package dev.stevedore.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * The one JSON mapping for every OCI and Docker document type.
 *
 * <p>Reading validates: a document that violates its spec is refused with an
 * {@link OciFormatException} naming the JSON path, rooted at a name the caller gives
 * ({@code manifest}, {@code config}, ...). Writing omits absent optional fields and keeps
 * fields this model does not know, so extensions survive a round trip.
 */
public final class OciJson {

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .withCoercionConfig(LogicalType.Textual, textual -> textual
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            // Absent fields are not written, but a null inside a kept unknown field is data: keep it.
            .defaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS))
            .build();

    private OciJson() {
    }

    /** @return the shared, configured mapper; do not reconfigure it */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Reads and validates a document.
     *
     * @param json the document's bytes
     * @param type the document type
     * @param root the name of the document in error messages, such as {@code manifest}
     * @param <T> the document type
     * @return the document
     * @throws OciFormatException when the JSON is malformed or violates the spec
     */
    public static <T> T read(byte[] json, Class<T> type, String root) {
        // The parser stays open until the error is translated: its current token is the value
        // the message quotes.
        try (JsonParser parser = MAPPER.createParser(json)) {
            T value;
            try {
                value = MAPPER.readValue(parser, type);
            } catch (JsonProcessingException e) {
                throw translate(e, root);
            }
            if (value == null) {
                throw new OciFormatException(root, "expected a document, got null");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads and validates a document from a string.
     *
     * @param json the document
     * @param type the document type
     * @param root the name of the document in error messages
     * @param <T> the document type
     * @return the document
     * @throws OciFormatException when the JSON is malformed or violates the spec
     */
    public static <T> T read(String json, Class<T> type, String root) {
        return read(json.getBytes(StandardCharsets.UTF_8), type, root);
    }

    /**
     * Reads and validates a document from a stream (not closed).
     *
     * @param in the document
     * @param type the document type
     * @param root the name of the document in error messages
     * @param <T> the document type
     * @return the document
     * @throws OciFormatException when the JSON is malformed or violates the spec
     * @throws UncheckedIOException when reading fails
     */
    public static <T> T read(InputStream in, Class<T> type, String root) {
        try {
            return read(in.readAllBytes(), type, root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a document in compact form.
     *
     * @param value the document
     * @return its JSON bytes, UTF-8
     */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /**
     * Writes a document indented for people to read.
     *
     * @param value the document
     * @return its JSON text
     */
    public static String writePretty(Object value) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    private static OciFormatException translate(JsonProcessingException e, String root) {
        StringBuilder path = new StringBuilder(root);
        if (e instanceof JsonMappingException m) {
            for (JsonMappingException.Reference ref : m.getPath()) {
                if (ref.getFieldName() != null) {
                    path.append('.').append(ref.getFieldName());
                } else if (ref.getIndex() >= 0) {
                    path.append('[').append(ref.getIndex()).append(']');
                }
            }
        }
        OciFormatException cause = findCause(e, OciFormatException.class);
        if (cause != null) {
            String field = cause.path();
            String full = field.isEmpty() || field.startsWith("[") ? path + field : path + "." + field;
            return withCause(new OciFormatException(full, cause.problem()), e);
        }
        IllegalArgumentException iae = findCause(e, IllegalArgumentException.class);
        if (iae != null) {
            return withCause(new OciFormatException(path.toString(), iae.getMessage()), e);
        }
        return withCause(new OciFormatException(path.toString(), describe(e)), e);
    }

    // Jackson's own messages speak of Java types and feature flags; a reader of a broken image
    // needs the JSON view: what was expected, what is there, and where in the text.
    private static String describe(JsonProcessingException wrapper) {
        JsonProcessingException e = wrapper;
        for (Throwable c = wrapper.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof JsonProcessingException j) {
                e = j;
            }
        }
        String message = e.getOriginalMessage();
        if (e instanceof JsonEOFException || message.startsWith("Unexpected end-of-input")
                || message.startsWith("No content to map")) {
            return "the document ends too early" + at(e) + ": the JSON is truncated";
        }
        if (e instanceof MismatchedInputException m) {
            JsonToken token = m.getProcessor() instanceof JsonParser p ? p.currentToken() : null;
            if (message.startsWith("Trailing token")) {
                return "unexpected content after the end of the document" + at(e);
            }
            if (message.startsWith("Cannot map `null` into type") && token != JsonToken.VALUE_NULL) {
                return "is required";
            }
            if (m.getTargetType() != null && token != null) {
                return "expected " + kind(m.getTargetType()) + ", got " + describe(token, (JsonParser) m.getProcessor());
            }
        }
        if (e instanceof InputCoercionException c && c.getProcessor() != null) {
            return "the number " + text(c.getProcessor()) + " is out of range for a " + bits(c.getTargetType()) + "-bit integer";
        }
        if (e instanceof StreamReadException) {
            return "invalid JSON" + at(e) + ": " + message;
        }
        return message;
    }

    private static int bits(Class<?> type) {
        return type == int.class || type == Integer.class ? 32 : type == short.class || type == Short.class ? 16 : 64;
    }

    private static String text(JsonParser p) {
        try {
            return p.getText();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String at(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        return location == null ? "" : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static String kind(Class<?> type) {
        if (type == boolean.class || type == Boolean.class) {
            return "a boolean";
        }
        if (type == int.class || type == long.class || type == short.class || type == Integer.class
                || type == Long.class || type == Short.class || type == BigInteger.class) {
            return "an integer";
        }
        if (type.isPrimitive() || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == String.class || type == Digest.class || type.isEnum()) {
            return "a string";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String describe(JsonToken token, JsonParser parser) {
        try {
            return switch (token) {
                case VALUE_STRING -> {
                    String text = parser.getText();
                    yield "the string \"" + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "\"";
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "the number " + parser.getText();
                case VALUE_TRUE -> "true";
                case VALUE_FALSE -> "false";
                case VALUE_NULL -> "null";
                case START_ARRAY, END_ARRAY -> "an array";
                default -> "an object";
            };
        } catch (IOException ex) {
            return token.asString();
        }
    }

    private static OciFormatException withCause(OciFormatException ex, Throwable cause) {
        ex.initCause(cause);
        return ex;
    }

    private static <X extends Throwable> X findCause(Throwable t, Class<X> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
