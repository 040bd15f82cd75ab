package dev.stevedore.oci.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one JSON document to UTF-8 bytes, compact or indented, byte for byte as jackson-core 2.23's
 * generator did (the compact form and its {@code DefaultPrettyPrinter}), so that documents written
 * before and after it are the same bytes and keep their digests.
 *
 * <p>That means: in strings, {@code "} and {@code \} escaped with a backslash, control characters as
 * {@code \b \t \n \f \r} or {@code \}{@code u00XX} with upper-case hex, every surrogate (paired or
 * not) as {@code \}{@code uXXXX}, everything else raw UTF-8 ({@code /} too); doubles and floats as
 * Java prints them, their non-finite values as the strings {@code "NaN"}, {@code "Infinity"} and
 * {@code "-Infinity"}; big decimals by {@link BigDecimal#toString()}. Indented, an object's members
 * go one per line, indented by two spaces per enclosing object, as {@code "name" : value}, an array
 * stays on one line as {@code [ a, b ]}, and empty ones are {@code { }} and {@code [ ]}.
 */
final class JsonWriter {

    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    /** For each ASCII character, the letter of its short escape, 'u' for the long one, or 0 when written as is. */
    private static final byte[] ESCAPES = new byte[128];

    static {
        for (int c = 0; c < 0x20; c++) {
            ESCAPES[c] = 'u';
        }
        ESCAPES['"'] = '"';
        ESCAPES['\\'] = '\\';
        ESCAPES['\b'] = 'b';
        ESCAPES['\t'] = 't';
        ESCAPES['\n'] = 'n';
        ESCAPES['\f'] = 'f';
        ESCAPES['\r'] = 'r';
    }

    private final boolean pretty;
    private byte[] out = new byte[1024];
    private int size;
    private int depth;
    /** Objects enclosing the current position, for indentation. */
    private int objects;
    /** Whether the innermost container has no element yet. */
    private boolean first;
    /** Whether a name was written and its value not yet. */
    private boolean named;

    JsonWriter(boolean pretty) {
        this.pretty = pretty;
    }

    /** @return the document written */
    byte[] toByteArray() {
        return Arrays.copyOf(out, size);
    }

    void startObject() {
        beforeValue();
        push();
        objects++;
        raw('{');
    }

    void endObject() {
        objects--;
        if (pretty) {
            if (first) {
                raw(' ');
            } else {
                newLine();
            }
        }
        raw('}');
        pop();
    }

    void startArray() {
        beforeValue();
        push();
        raw('[');
    }

    void endArray() {
        if (pretty) {
            raw(' ');
        }
        raw(']');
        pop();
    }

    void name(String name) {
        if (first) {
            if (pretty) {
                newLine();
            }
            first = false;
        } else {
            raw(',');
            if (pretty) {
                newLine();
            }
        }
        quoted(name);
        if (pretty) {
            ascii(" : ");
        } else {
            raw(':');
        }
        named = true;
    }

    void string(String value) {
        beforeValue();
        quoted(value);
    }

    void bool(boolean value) {
        beforeValue();
        ascii(value ? "true" : "false");
    }

    void nullValue() {
        beforeValue();
        ascii("null");
    }

    void number(long value) {
        beforeValue();
        ascii(Long.toString(value));
    }

    void number(double value) {
        beforeValue();
        if (Double.isFinite(value)) {
            ascii(Double.toString(value));
        } else {
            quoted(Double.toString(value));
        }
    }

    void number(float value) {
        beforeValue();
        if (Float.isFinite(value)) {
            ascii(Float.toString(value));
        } else {
            quoted(Float.toString(value));
        }
    }

    void number(BigInteger value) {
        beforeValue();
        ascii(value.toString());
    }

    void number(BigDecimal value) {
        beforeValue();
        ascii(value.toString());
    }

    private void beforeValue() {
        if (named) {
            named = false;
        } else if (depth > 0) {
            if (first) {
                first = false;
                if (pretty) {
                    raw(' ');
                }
            } else {
                raw(',');
                if (pretty) {
                    raw(' ');
                }
            }
        }
    }

    private void push() {
        if (depth == JsonReader.MAX_DEPTH) {
            throw new IllegalArgumentException("the value nests objects and arrays deeper than " + JsonReader.MAX_DEPTH
                    + " levels, more than a JSON reader accepts");
        }
        depth++;
        first = true;
    }

    private void pop() {
        depth--;
        first = false;
        named = false;
    }

    private void newLine() {
        int indent = 2 * objects;
        room(1 + indent);
        out[size++] = '\n';
        Arrays.fill(out, size, size + indent, (byte) ' ');
        size += indent;
    }

    private void raw(char c) {
        room(1);
        out[size++] = (byte) c;
    }

    private void ascii(String s) {
        int n = s.length();
        room(n);
        for (int k = 0; k < n; k++) {
            out[size++] = (byte) s.charAt(k);
        }
    }

    private void quoted(String s) {
        int n = s.length();
        room(n + 2);
        byte[] b = out;
        int i = size;
        b[i++] = '"';
        int k = 0;
        // Most strings are ASCII that needs no escape: one byte per character.
        for (; k < n; k++) {
            char c = s.charAt(k);
            if (c >= 0x80 || ESCAPES[c] != 0) {
                break;
            }
            b[i++] = (byte) c;
        }
        if (k < n) {
            size = i;
            // At most six bytes per character, an escape, and the closing quote.
            room(6 * (n - k) + 1);
            b = out;
            for (; k < n; k++) {
                i = encode(b, i, s.charAt(k));
            }
        }
        b[i++] = '"';
        size = i;
    }

    private static int encode(byte[] b, int i, char c) {
        if (c < 0x80) {
            byte escape = ESCAPES[c];
            if (escape == 0) {
                b[i++] = (byte) c;
            } else if (escape == 'u') {
                i = unicodeEscape(b, i, c);
            } else {
                b[i++] = '\\';
                b[i++] = escape;
            }
        } else if (c < 0x800) {
            b[i++] = (byte) (0xC0 | c >> 6);
            b[i++] = (byte) (0x80 | (c & 0x3F));
        } else if (Character.isSurrogate(c)) {
            i = unicodeEscape(b, i, c);
        } else {
            b[i++] = (byte) (0xE0 | c >> 12);
            b[i++] = (byte) (0x80 | (c >> 6 & 0x3F));
            b[i++] = (byte) (0x80 | (c & 0x3F));
        }
        return i;
    }

    private static int unicodeEscape(byte[] b, int i, char c) {
        b[i++] = '\\';
        b[i++] = 'u';
        b[i++] = HEX[c >> 12];
        b[i++] = HEX[c >> 8 & 0xF];
        b[i++] = HEX[c >> 4 & 0xF];
        b[i++] = HEX[c & 0xF];
        return i;
    }

    private void room(int more) {
        if (size + more > out.length) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
        }
    }
}
