package dev.stevedore.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

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
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
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
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw translate(e, root);
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
            String full = field.isEmpty() ? path.toString() : path + "." + field;
            return withCause(new OciFormatException(full, cause.problem()), e);
        }
        IllegalArgumentException iae = findCause(e, IllegalArgumentException.class);
        if (iae != null) {
            return withCause(new OciFormatException(path.toString(), iae.getMessage()), e);
        }
        return withCause(new OciFormatException(path.toString(), e.getOriginalMessage()), e);
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
