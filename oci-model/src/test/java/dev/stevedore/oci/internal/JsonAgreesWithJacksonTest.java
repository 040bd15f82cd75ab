package dev.stevedore.oci.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.stevedore.oci.OciFormatException;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Our JSON reader and writer against jackson-core and databind, which JsonBinding used before them:
 * many generated documents must read to equal values and write to the same bytes, compact and
 * indented, and a byte changed anywhere in a document must leave both accepting equal values or
 * both refusing it.
 */
class JsonAgreesWithJacksonTest {

    /** What JsonBinding's reader was: strict duplicates, nothing after the document. */
    private static final ObjectMapper JACKSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final int DOCUMENTS = 400;

    @Test
    void generatedValuesAreWrittenToTheSameBytesCompactAndIndented() throws IOException {
        Random random = new Random(1);
        for (int n = 0; n < DOCUMENTS; n++) {
            Object value = new Generator(random, true).document();
            assertThat(visible(JsonBinding.write(value, false))).as("compact, document %d", n)
                    .isEqualTo(visible(JACKSON.writeValueAsBytes(value)));
            assertThat(visible(JsonBinding.write(value, true))).as("indented, document %d", n)
                    .isEqualTo(visible(JACKSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value)));
        }
    }

    @Test
    void generatedDocumentsReadToEqualValues() throws IOException {
        Random random = new Random(2);
        for (int n = 0; n < DOCUMENTS; n++) {
            Object value = new Generator(random, false).document();
            for (byte[] json : List.of(JACKSON.writeValueAsBytes(value),
                    JACKSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(value),
                    new Text(random).write(value))) {
                Object expected = JACKSON.readValue(json, Object.class);
                assertThat(read(json)).as(visible(json)).isEqualTo(expected);
            }
        }
    }

    @Test
    void numbersAtTheEdgesReadAsJacksonReadThem() throws IOException {
        List<String> numbers = new ArrayList<>(List.of("0", "-0", "0.0", "-0.0", "1e0", "1E+2", "1e-2", "-1.5E-300",
                "1e400", "-1e400", "4.9e-324", "2e-400", "1.7976931348623157e308", "123456789012345678901234567890",
                "0.1", "17.000000000000000000000001", "1" + "0".repeat(1000 - 1)));
        for (long edge : new long[] {Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE}) {
            for (int delta = -2; delta <= 2; delta++) {
                numbers.add(BigInteger.valueOf(edge).add(BigInteger.valueOf(delta)).toString());
            }
        }
        for (String number : numbers) {
            byte[] json = ("[" + number + "]").getBytes(StandardCharsets.US_ASCII);
            Object expected = JACKSON.readValue(json, Object.class);
            Object ours = read(json);
            assertThat(ours).as(number).isEqualTo(expected);
            assertThat(((List<?>) ours).get(0).getClass()).as(number).isEqualTo(((List<?>) expected).get(0).getClass());
            assertThat(ours(ours, false)).as(number).isEqualTo(JACKSON.writeValueAsString(expected));
        }
    }

    @Test
    void aByteChangedAnywhereIsAcceptedOrRefusedByBoth() throws IOException {
        Random random = new Random(3);
        byte[] replacements = {'"', '\\', '{', '}', '[', ']', ',', ':', ' ', '\n', '0', '1', '-', '+', '.', 'e', 'u',
            'a', 'n', 't', 'f', '/', 0, 0x1F, 0x7F, (byte) 0x80, (byte) 0xBF, (byte) 0xC0, (byte) 0xC3, (byte) 0xE2,
            (byte) 0xF0, (byte) 0xFF};
        int refused = 0;
        int accepted = 0;
        for (int n = 0; n < DOCUMENTS; n++) {
            byte[] json = JACKSON.writeValueAsBytes(new Generator(random, false).document());
            for (int k = 0; k < 10; k++) {
                byte[] changed = json.clone();
                changed[random.nextInt(changed.length)] = replacements[random.nextInt(replacements.length)];
                Object expected;
                try {
                    expected = JACKSON.readValue(changed, Object.class);
                } catch (IOException jacksonRefused) {
                    refused++;
                    assertThatExceptionOfType(OciFormatException.class).as(visible(changed)).isThrownBy(() -> read(changed));
                    continue;
                }
                if (hasLoneSurrogate(expected)) {
                    assertThatExceptionOfType(OciFormatException.class).as(visible(changed)).isThrownBy(() -> read(changed))
                            .withMessageContaining("unpaired surrogate");
                    continue;
                }
                accepted++;
                assertThat(read(changed)).as(visible(changed)).isEqualTo(expected);
            }
        }
        assertThat(refused).as("documents refused").isGreaterThan(DOCUMENTS / 4);
        assertThat(accepted).as("documents accepted").isGreaterThan(DOCUMENTS / 4);
    }

    @Test
    void nestingDeeperThanJacksonWritesIsRefused() {
        Object deep = List.of();
        for (int i = 1; i < JsonReader.MAX_DEPTH; i++) {
            deep = List.of(deep);
        }
        assertThat(ours(deep, false)).isEqualTo("[".repeat(1000) + "]".repeat(1000));
        Object deeper = List.of(deep);
        assertThatThrownBy(() -> JACKSON.writeValueAsBytes(deeper)).hasMessageContaining("1001");
        assertThatThrownBy(() -> JsonBinding.write(deeper, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the value nests objects and arrays deeper than 1000 levels, more than a JSON reader accepts");
    }

    /** Jackson read a lone surrogate from a \\u escape in a string value, which we refuse. */
    private static boolean hasLoneSurrogate(Object value) {
        if (value instanceof Map<?, ?> map) {
            return map.keySet().stream().anyMatch(JsonAgreesWithJacksonTest::hasLoneSurrogate)
                    || map.values().stream().anyMatch(JsonAgreesWithJacksonTest::hasLoneSurrogate);
        }
        if (value instanceof List<?> list) {
            return list.stream().anyMatch(JsonAgreesWithJacksonTest::hasLoneSurrogate);
        }
        if (value instanceof String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The text with every character but printable ASCII as a Java escape, so that a failure shows where. */
    private static String visible(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c == '\\') {
                b.append("\\\\");
            } else if (c >= 0x20 && c < 0x7F) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static String visible(byte[] json) {
        return visible(new String(json, StandardCharsets.ISO_8859_1));
    }

    private static String ours(Object value, boolean pretty) {
        return new String(JsonBinding.write(value, pretty), StandardCharsets.UTF_8);
    }

    private static Object read(byte[] json) {
        return JsonBinding.read(json, Object.class, "doc");
    }

    /** Random JSON values: nesting, strings over the whole char range, numbers at the edges. */
    private static final class Generator {
        private final Random random;
        /**
         * Whether to make values only a program writes: floats, big decimals, shorts, non-finite
         * doubles, lone surrogates (which the reader refuses).
         */
        private final boolean javaOnly;
        private int budget = 60;

        Generator(Random random, boolean javaOnly) {
            this.random = random;
            this.javaOnly = javaOnly;
        }

        Object document() {
            return random.nextBoolean() ? object(0) : array(0);
        }

        private Object value(int depth) {
            budget--;
            int kind = random.nextInt(budget > 0 && depth < 12 ? 12 : 9);
            return switch (kind) {
                case 0, 1 -> string();
                case 2 -> integer();
                case 3 -> decimal();
                case 4 -> random.nextBoolean();
                case 5 -> null;
                case 6 -> random.nextInt(4) == 0 ? "" : string();
                case 7 -> javaOnly ? javaNumber() : integer();
                case 8 -> depth > 0 && random.nextInt(8) == 0 ? (random.nextBoolean() ? Map.of() : List.of()) : string();
                case 9, 10 -> object(depth + 1);
                default -> array(depth + 1);
            };
        }

        private Map<String, Object> object(int depth) {
            Map<String, Object> map = new LinkedHashMap<>();
            int size = random.nextInt(random.nextInt(8) == 0 ? 30 : 5);
            for (int i = 0; i < size; i++) {
                map.put(string(), value(depth));
            }
            return map;
        }

        private List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            int size = random.nextInt(6);
            for (int i = 0; i < size; i++) {
                list.add(value(depth));
            }
            return list;
        }

        /** Mostly ASCII, then any char: controls, escapes, non-ASCII, surrogate pairs, lone surrogates if Java only. */
        private String string() {
            StringBuilder b = new StringBuilder();
            int length = random.nextInt(random.nextInt(10) == 0 ? 200 : 12);
            for (int i = 0; i < length; i++) {
                switch (random.nextInt(8)) {
                    case 0 -> b.append((char) random.nextInt(0x20));
                    case 1 -> b.append("\"\\/\u007f".charAt(random.nextInt(4)));
                    case 2 -> b.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
                    case 3 -> {
                        char c = (char) random.nextInt(0x10000);
                        b.append(Character.isSurrogate(c) && !javaOnly ? 'x' : c);
                    }
                    case 4 -> b.appendCodePoint(0x10000 + random.nextInt(0x110000 - 0x10000));
                    case 5 -> b.append(javaOnly ? (char) (0xD800 + random.nextInt(0x800)) : (char) (0xE000 + random.nextInt(0x2000)));
                    default -> b.append((char) (0x20 + random.nextInt(0x5F)));
                }
            }
            return b.toString();
        }

        private Object integer() {
            return switch (random.nextInt(6)) {
                case 0 -> random.nextInt(100) - 50;
                case 1 -> random.nextInt();
                case 2 -> random.nextLong();
                case 3 -> edge();
                case 4 -> new BigInteger(64 + random.nextInt(200), random).negate();
                default -> new BigInteger(64 + random.nextInt(200), random);
            };
        }

        /** An integer at the edge of int or long, typed as jackson reads it. */
        private Object edge() {
            long[] edges = {Integer.MAX_VALUE, Integer.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE};
            BigInteger value = BigInteger.valueOf(edges[random.nextInt(edges.length)]).add(BigInteger.valueOf(random.nextInt(5) - 2));
            if (value.bitLength() < 32) {
                return value.intValue();
            }
            return value.bitLength() < 64 ? (Object) value.longValue() : value;
        }

        private Object decimal() {
            return switch (random.nextInt(5)) {
                case 0 -> Double.longBitsToDouble(random.nextLong());
                case 1 -> random.nextDouble() * Math.pow(10, random.nextInt(40) - 20);
                case 2 -> (double) random.nextInt(1000);
                case 3 -> -0.0;
                default -> new double[] {Double.MIN_VALUE, Double.MAX_VALUE, Double.MIN_NORMAL, 1e-5, 1e7}[random.nextInt(5)];
            };
        }

        private Object javaNumber() {
            return switch (random.nextInt(6)) {
                case 0 -> random.nextFloat() * (float) Math.pow(10, random.nextInt(20) - 10);
                case 1 -> new BigDecimal(new BigInteger(100, random), random.nextInt(40) - 20);
                case 2 -> (short) random.nextInt();
                case 3 -> (byte) random.nextInt();
                case 4 -> new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}[random.nextInt(3)];
                default -> new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}[random.nextInt(3)];
            };
        }
    }

    /**
     * The same values as other writers may write them: white space of every kind between tokens,
     * any character escaped, escapes in either case, numbers with exponents.
     */
    private static final class Text {
        private final Random random;
        private final StringBuilder out = new StringBuilder();

        Text(Random random) {
            this.random = random;
        }

        byte[] write(Object value) {
            space();
            value(value);
            space();
            return out.toString().getBytes(StandardCharsets.UTF_8);
        }

        private void value(Object value) {
            if (value instanceof Map<?, ?> map) {
                out.append('{');
                space();
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    if (!first) {
                        out.append(',');
                        space();
                    }
                    first = false;
                    string((String) e.getKey());
                    space();
                    out.append(':');
                    space();
                    value(e.getValue());
                    space();
                }
                out.append('}');
            } else if (value instanceof List<?> list) {
                out.append('[');
                space();
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                        space();
                    }
                    value(list.get(i));
                    space();
                }
                out.append(']');
            } else if (value instanceof String s) {
                string(s);
            } else if (value instanceof Double d && Double.isFinite(d) && random.nextBoolean()) {
                out.append(new BigDecimal(d).toString().replace("E", random.nextBoolean() ? "e" : "E"));
            } else if (value instanceof Double d && !Double.isFinite(d)) {
                string(d.toString());
            } else {
                out.append(value);
            }
        }

        private void space() {
            while (random.nextInt(3) == 0) {
                out.append(" \t\n\r".charAt(random.nextInt(4)));
            }
        }

        private void string(String s) {
            out.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
                if (c == '"' || c == '\\' || c < 0x20 || (Character.isSurrogate(c) && !paired) || random.nextInt(10) == 0) {
                    String short_ = switch (c) {
                        case '"' -> "\\\"";
                        case '\\' -> "\\\\";
                        case '/' -> "\\/";
                        case '\b' -> "\\b";
                        case '\f' -> "\\f";
                        case '\n' -> "\\n";
                        case '\r' -> "\\r";
                        case '\t' -> "\\t";
                        default -> null;
                    };
                    String hex = String.format("\\u%04x", (int) c);
                    out.append(short_ != null && random.nextBoolean() ? short_
                            : random.nextBoolean() ? hex : hex.toUpperCase().replace("\\U", "\\u"));
                } else if (paired) {
                    out.append(c).append(s.charAt(++i));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        }
    }
}
