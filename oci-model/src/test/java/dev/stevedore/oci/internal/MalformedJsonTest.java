package dev.stevedore.oci.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.stevedore.oci.Fixtures;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.image.ImageConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each rule of RFC 8259 that a document can break, refused with the JSON path, the line and column
 * (from 1, of the offending character, or of the end of a truncated document; a UTF-8 sequence is
 * one column) and the problem. Inside an array, what follows element i is reported at [i + 1].
 */
class MalformedJsonTest {

    static Stream<Arguments> documents() {
        return Stream.of(
                // Structure.
                bad("{\"a\": 1,}", "doc: invalid JSON at line 1, column 9: unexpected '}', expected a name in double quotes"),
                bad("[1,]", "doc[1]: invalid JSON at line 1, column 4: unexpected ']', expected a value"),
                bad("[1 2]", "doc[1]: invalid JSON at line 1, column 4: unexpected '2', expected ',' or ']'"),
                bad("{\"a\" 1}", "doc.a: invalid JSON at line 1, column 6: unexpected '1', expected ':' after the name"),
                bad("{\"a\": 1 \"b\": 2}", "doc: invalid JSON at line 1, column 9: unexpected '\"', expected ',' or '}'"),
                bad("{1: 2}", "doc: invalid JSON at line 1, column 2: unexpected '1', expected a name in double quotes or '}'"),
                bad("{'a': 1}", "doc: invalid JSON at line 1, column 2: unexpected \"'\", expected a name in double quotes or '}'"),
                bad("['a']", "doc[0]: invalid JSON at line 1, column 2: unexpected \"'\", expected a value"),
                bad("[1}", "doc[1]: invalid JSON at line 1, column 3: unexpected '}', expected ',' or ']'"),
                bad("{\"a\": 1]", "doc: invalid JSON at line 1, column 8: unexpected ']', expected ',' or '}'"),
                bad("[/* comment */ 1]", "doc[0]: invalid JSON at line 1, column 2: unexpected '/', expected a value"),
                bad("[1] // comment", "doc: invalid JSON at line 1, column 5: unexpected '/' after the end of the document"),
                bad("[1]]", "doc: invalid JSON at line 1, column 4: unexpected ']' with no array open"),
                bad("{}\n}", "doc: invalid JSON at line 2, column 1: unexpected '}' with no object open"),
                bad("{} {}", "doc: invalid JSON at line 1, column 4: unexpected '{' after the end of the document"),
                bad("[]x", "doc: invalid JSON at line 1, column 3: unexpected 'x' after the end of the document"),
                bad("\u00a0[]", "doc: invalid JSON at line 1, column 1: unexpected '\u00a0', expected a value"),
                bad("\f[]", "doc: invalid JSON at line 1, column 1: unexpected U+000C, expected a value"),
                bad("[\uFEFF]", "doc[0]: invalid JSON at line 1, column 2: unexpected '\uFEFF', expected a value"),
                bad("[\n  true,\n  tRue]", "doc[1]: invalid JSON at line 3, column 4: unexpected 'R' in what starts as true"),
                bad("[nul]", "doc[0]: invalid JSON at line 1, column 5: unexpected ']' in what starts as null"),
                bad("[True]", "doc[0]: invalid JSON at line 1, column 2: unexpected 'T', expected a value"),
                bad("[truex]", "doc[1]: invalid JSON at line 1, column 6: unexpected 'x', expected ',' or ']'"),
                // Numbers.
                bad("[NaN]", "doc[0]: invalid JSON at line 1, column 2: unexpected 'N', expected a value"),
                bad("[Infinity]", "doc[0]: invalid JSON at line 1, column 2: unexpected 'I', expected a value"),
                bad("[-Infinity]", "doc[0]: invalid JSON at line 1, column 3: expected a digit after '-', got 'I'"),
                bad("[01]", "doc[0]: invalid JSON at line 1, column 2: a number has a leading zero"),
                bad("[-00]", "doc[0]: invalid JSON at line 1, column 3: a number has a leading zero"),
                bad("[1.]", "doc[0]: invalid JSON at line 1, column 4: expected a digit after the decimal point, got ']'"),
                bad("[.5]", "doc[0]: invalid JSON at line 1, column 2: unexpected '.', expected a value"),
                bad("[+1]", "doc[0]: invalid JSON at line 1, column 2: unexpected '+', expected a value"),
                bad("[1e]", "doc[0]: invalid JSON at line 1, column 4: expected a digit in the exponent, got ']'"),
                bad("[1e+]", "doc[0]: invalid JSON at line 1, column 5: expected a digit in the exponent, got ']'"),
                bad("[1.e5]", "doc[0]: invalid JSON at line 1, column 4: expected a digit after the decimal point, got 'e'"),
                bad("[0x10]", "doc[1]: invalid JSON at line 1, column 3: unexpected 'x', expected ',' or ']'"),
                bad("[- 1]", "doc[0]: invalid JSON at line 1, column 3: expected a digit after '-', got ' '"),
                bad("[" + "9".repeat(1001) + "]", "doc[0]: invalid JSON at line 1, column 2: a number has more than 1000 digits"),
                bad("[1." + "5".repeat(1000) + "]", "doc[0]: invalid JSON at line 1, column 2: a number has more than 1000 digits"),
                // Strings.
                bad("[\"a\tb\"]", "doc[0]: invalid JSON at line 1, column 4: unescaped control character U+0009 in a string"),
                bad("[\"a\nb\"]", "doc[0]: invalid JSON at line 1, column 4: unescaped control character U+000A in a string"),
                bad("[\"\u0000\"]", "doc[0]: invalid JSON at line 1, column 3: unescaped control character U+0000 in a string"),
                bad("{\"\u001f\": 1}", "doc: invalid JSON at line 1, column 3: unescaped control character U+001F in a string"),
                bad("[\"\\a\"]", "doc[0]: invalid JSON at line 1, column 4: invalid escape \\a in a string:"
                        + " expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
                bad("[\"\\'\"]", "doc[0]: invalid JSON at line 1, column 4: invalid escape \\' in a string:"
                        + " expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
                bad("[\"\\\u00e9\"]", "doc[0]: invalid JSON at line 1, column 4: invalid escape: '\u00e9' after a backslash"
                        + " in a string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
                bad("[\"\\U0041\"]", "doc[0]: invalid JSON at line 1, column 4: invalid escape \\U in a string:"
                        + " expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
                bad("[\"\\u12G4\"]", "doc[0]: invalid JSON at line 1, column 7: invalid \\u escape: expected 4 hex digits, got 'G'"),
                bad("[\"\\u12\"]", "doc[0]: invalid JSON at line 1, column 7: invalid \\u escape: expected 4 hex digits, got '\"'"),
                bad("[\"\\uD83D\"]", "doc[0]: invalid JSON at line 1, column 3: unpaired surrogate \\uD83D in a string:"
                        + " a \\u escape of a surrogate must be a high one followed by a low one"),
                bad("[\"\\uD83Dx\"]", "doc[0]: invalid JSON at line 1, column 3: unpaired surrogate \\uD83D in a string:"
                        + " a \\u escape of a surrogate must be a high one followed by a low one"),
                bad("[\"\\uD83D\\u0041\"]", "doc[0]: invalid JSON at line 1, column 3: unpaired surrogate \\uD83D in a string:"
                        + " a \\u escape of a surrogate must be a high one followed by a low one"),
                bad("{\"a\\uDE00\": 1}", "doc: invalid JSON at line 1, column 4: unpaired surrogate \\uDE00 in a string:"
                        + " a \\u escape of a surrogate must be a high one followed by a low one"),
                // UTF-8: a lone continuation byte, a lead byte without its continuation, overlong forms,
                // encoded surrogates, beyond U+10FFFF, bytes that are never UTF-8; in strings and out.
                bad(bytes("[\"a", 0x80, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0x80"),
                bad(bytes("[\"", 0xC3, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0x22 after 0xC3"),
                bad(bytes("[\"", 0xC0, 0xAF, "\"]"), "doc[0]: invalid JSON at line 1, column 3: invalid UTF-8 byte 0xC0"),
                bad(bytes("[\"", 0xE0, 0x80, 0xAF, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0x80 after 0xE0"),
                bad(bytes("[\"", 0xED, 0xA0, 0x80, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0xA0 after 0xED"),
                bad(bytes("[\"", 0xF4, 0x90, 0x80, 0x80, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0x90 after 0xF4"),
                bad(bytes("[\"", 0xF0, 0x9F, 0x98, 0x41, "\"]"), "doc[0]: invalid JSON at line 1, column 4: invalid UTF-8 byte 0x41 after 0xF0"),
                bad(bytes("[\"", 0xF5, 0x80, 0x80, 0x80, "\"]"), "doc[0]: invalid JSON at line 1, column 3: invalid UTF-8 byte 0xF5"),
                bad(bytes("[\"", 0xFF, "\"]"), "doc[0]: invalid JSON at line 1, column 3: invalid UTF-8 byte 0xFF"),
                bad(bytes("{\"\u00e9\u00e9", 0xC3, "\": 1}"), "doc: invalid JSON at line 1, column 6: invalid UTF-8 byte 0x22 after 0xC3"),
                bad(bytes("[", 0xC3, "]"), "doc[0]: invalid JSON at line 1, column 3: invalid UTF-8 byte 0x5D after 0xC3"),
                bad(bytes("[1]", 0xFE), "doc: invalid JSON at line 1, column 4: invalid UTF-8 byte 0xFE"),
                bad(bytes(0xEF, 0xBB, "[]"), "doc: invalid JSON at line 1, column 2: invalid UTF-8 byte 0x5B after 0xEF"),
                // Duplicates, in a small object and in one past the short list of names.
                bad("{\"a\": 1, \"b\": {\"a\": 2, \"a\": 3}}", "doc.b: invalid JSON at line 1, column 24: duplicate key \"a\""),
                bad(manyNames(20) + ", \"k3\": 0}", "doc: invalid JSON at line 1, column 202: duplicate key \"k3\""),
                bad("{\"\u00e9\": 1,\n \"\\u00e9\": 2}", "doc: invalid JSON at line 2, column 2: duplicate key \"\u00e9\""),
                // Nothing, and documents cut short.
                bad("", "doc: the document ends too early at line 1, column 1: the JSON is truncated"),
                bad(" \n\t", "doc: the document ends too early at line 2, column 2: the JSON is truncated"),
                bad(bytes(0xEF, 0xBB, 0xBF), "doc: the document ends too early at line 1, column 1: the JSON is truncated"),
                bad("[\"\\uD83D", "doc[0]: the document ends too early at line 1, column 9: the JSON is truncated"),
                bad("{\"a\": {\"b\": ", "doc.a.b: the document ends too early at line 1, column 13: the JSON is truncated"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documents")
    void isRefusedNamingWhereAndWhy(String shown, byte[] json, String message) {
        assertThatExceptionOfType(OciFormatException.class).isThrownBy(() -> read(json)).withMessage(message);
    }

    @Test
    void aByteOrderMarkAtTheStartIsSkipped() {
        assertThat(read(bytes(0xEF, 0xBB, 0xBF, "{\"a\": [1]}"))).isEqualTo(Map.of("a", List.of(1)));
        assertThatExceptionOfType(OciFormatException.class).isThrownBy(() -> read(bytes(0xEF, 0xBB, 0xBF, "[]x")))
                .withMessage("doc: invalid JSON at line 1, column 3: unexpected 'x' after the end of the document");
    }

    /** Every cut of a real document, inside a name, a number, an escape or a UTF-8 sequence too. */
    @Test
    void aDocumentCutAtAnyByteIsTruncatedAtItsEnd() {
        byte[] config = Fixtures.bytes("config-all-fields.json");
        byte[] tricky = "{\"\u00e9t\u00e9 \ud83d\ude00\": [-12.5e+3, true, null, \"\\u00e9\\ud83d\\ude00\\n\"], \"n\": {}}"
                .getBytes(StandardCharsets.UTF_8);
        for (byte[] document : List.of(config, tricky)) {
            int end = document.length;
            while (Character.isWhitespace(document[end - 1])) {
                end--;
            }
            for (int cut = 0; cut < end; cut++) {
                byte[] prefix = java.util.Arrays.copyOf(document, cut);
                String text = new String(prefix, StandardCharsets.UTF_8);
                int line = (int) text.chars().filter(c -> c == '\n').count() + 1;
                int lineStart = text.lastIndexOf('\n') + 1;
                int column = text.codePointCount(lineStart, text.length()) + 1;
                assertThatExceptionOfType(OciFormatException.class).as("cut at %d", cut).isThrownBy(() -> read(prefix))
                        .withMessageEndingWith(": the document ends too early at line " + line + ", column " + column
                                + ": the JSON is truncated");
            }
            assertThat(read(document)).isInstanceOf(Map.class);
        }
        ImageConfig read = JsonBinding.read(config, ImageConfig.class, "config");
        assertThat(read.architecture()).isNotEmpty();
    }

    @Test
    void nestingIsLimitedToAThousandLevels() {
        Object value = read(("[".repeat(1000) + "]".repeat(1000)).getBytes(StandardCharsets.US_ASCII));
        for (int depth = 1; depth < 1000; depth++) {
            value = ((List<?>) value).get(0);
        }
        assertThat(value).isEqualTo(List.of());
        String objects = "{\"a\":".repeat(999) + "{}" + "}".repeat(999);
        assertThat(read(objects.getBytes(StandardCharsets.US_ASCII))).isInstanceOf(Map.class);

        assertThatExceptionOfType(OciFormatException.class)
                .isThrownBy(() -> read(("[".repeat(1001) + "]".repeat(1001)).getBytes(StandardCharsets.US_ASCII)))
                .withMessage("doc" + "[0]".repeat(1000)
                        + ": invalid JSON at line 1, column 1001: objects and arrays nest deeper than 1000 levels");
        // Far deeper than any stack: refused at the limit, not by a StackOverflowError.
        assertThatExceptionOfType(OciFormatException.class)
                .isThrownBy(() -> read("[{\"a\":".repeat(1_000_000).getBytes(StandardCharsets.US_ASCII)))
                .withMessageEndingWith(": invalid JSON at line 1, column 3001: objects and arrays nest deeper than 1000 levels");
    }

    /** Linear work: a quadratic reader would take hours over these. */
    @Test
    void longStringsAndManyNamesReadInLinearTime() {
        long start = System.nanoTime();
        String escaped = "a\\n\u00e9\\u00e9\ud83d\ude00".repeat(400_000);
        Object strings = read(("[\"" + escaped + "\", \"" + "x".repeat(4_000_000) + "\"]").getBytes(StandardCharsets.UTF_8));
        assertThat(((List<?>) strings).get(0)).asString().hasSize(6 * 400_000);
        Object names = read((manyNames(300_000) + "}").getBytes(StandardCharsets.US_ASCII));
        assertThat((Map<?, ?>) names).hasSize(300_000);
        assertThat(System.nanoTime() - start).as("nanoseconds").isLessThan(20_000_000_000L);
    }

    /** {@code {"k0": 0, "k1": 1, ...} without its closing brace. */
    private static String manyNames(int count) {
        StringBuilder b = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            b.append(i == 0 ? "" : ", ").append("\"k").append(i).append("\": ").append(i);
        }
        return b.toString();
    }

    private static Object read(byte[] json) {
        return JsonBinding.read(json, Object.class, "doc");
    }

    private static Arguments bad(String json, String message) {
        return bad(json.getBytes(StandardCharsets.UTF_8), message);
    }

    private static Arguments bad(byte[] json, String message) {
        String shown = new String(json, StandardCharsets.ISO_8859_1);
        String name = shown.isEmpty() ? "(empty)" : shown.isBlank() ? "(only white space)"
                : shown.length() > 60 ? shown.substring(0, 60) + "..." : shown;
        return Arguments.of(name, json, message);
    }

    /** Text as UTF-8 and integers as single bytes, in order. */
    private static byte[] bytes(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            if (part instanceof String s) {
                out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            } else {
                out.write((Integer) part);
            }
        }
        return out.toByteArray();
    }
}
