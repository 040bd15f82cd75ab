package dev.stevedore.oci;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import dev.stevedore.oci.internal.JsonBinding;
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
 *
 * <p>The mapping is the Jackson annotations on the model's types. This class applies them itself
 * on a strict JSON reader and writer of its own, which start in a few milliseconds where a
 * jackson-databind mapper takes over a hundred; {@link #mapper()}, configured to read them the same
 * way, is there for free-form JSON such as a registry's answers.
 */
public final class OciJson {

    private OciJson() {
    }

    /** @return a mapper configured as strictly as the document readers; do not reconfigure it */
    public static ObjectMapper mapper() {
        return Mapper.MAPPER;
    }

    /**
     * Makes ready the mapping of some document types, so that their first read does not pay for it.
     *
     * @param types document types
     */
    public static void prepare(Class<?>... types) {
        JsonBinding.prepare(types);
    }

    /**
     * Reads and validates a document.
     *
     * @param json the document's bytes
     * @param type the document type; {@code Object.class} reads any JSON value as maps, lists,
     *     strings, numbers (Integer, Long or BigInteger when whole, else Double), booleans and nulls
     * @param root the name of the document in error messages, such as {@code manifest}
     * @param <T> the document type
     * @return the document
     * @throws OciFormatException when the JSON is malformed or violates the spec
     */
    public static <T> T read(byte[] json, Class<T> type, String root) {
        return JsonBinding.read(json, type, root);
    }

    /**
     * Reads and validates a document from a string.
     *
     * @param json the document
     * @param type the document type, as for {@link #read(byte[], Class, String)}
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
        return JsonBinding.write(value, false);
    }

    /**
     * Writes a document indented for people to read.
     *
     * @param value the document
     * @return its JSON text
     */
    public static String writePretty(Object value) {
        return new String(JsonBinding.write(value, true), StandardCharsets.UTF_8);
    }

    /** Built on first use only: most programs never need it. */
    private static final class Mapper {
        static final ObjectMapper MAPPER = JsonMapper.builder()
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

        private Mapper() {
        }
    }
}
