package dev.stevedore.oci.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * A strict JSON reader (RFC 8259) over one UTF-8 document, token by token.
 *
 * <p>It exists so that the first document a JVM reads does not wait for jackson-core, whose factory
 * and parser classes cost a fresh JVM some 20 ms of CPU. It accepts the JSON grammar and nothing
 * else, refuses invalid UTF-8 (overlong forms and encoded surrogates included) and duplicate names
 * in an object, accepts one UTF-8 byte order mark at the start, as jackson did, and limits nesting
 * to {@value #MAX_DEPTH} levels and numbers to {@value #MAX_DIGITS} digits, jackson's defaults, so
 * that a hostile document can neither overflow the stack of a recursive reader nor make big-number
 * arithmetic slow. A surrogate in a {@code \}{@code u} escape must be half of a pair, as RFC 8259
 * asks for interoperable strings: jackson took a lone one in a value, but not in a name.
 *
 * <p>Every refusal is a {@link Failure} naming a line and column: both count from 1, lines end at
 * {@code \n}, and columns count characters (not bytes) up to the offending one, or to the end of the
 * input when the document is truncated.
 */
final class JsonReader {

    /** The deepest nesting of objects and arrays read, as jackson's default. */
    static final int MAX_DEPTH = 1000;

    /** The most digits a number may have, integer, fraction and exponent together. */
    static final int MAX_DIGITS = 1000;

    enum Token {
        START_OBJECT, END_OBJECT, START_ARRAY, END_ARRAY, NAME, STRING, INTEGER, DECIMAL, TRUE, FALSE, NULL
    }

    /** A document that is not JSON, or ends too early. */
    static final class Failure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Failure(String message) {
            super(message);
        }
    }

    private static final byte OBJECT = 1;
    private static final byte ARRAY = 2;
    /** More names than this in an object and their duplicates are looked up in a hash set. */
    private static final int FEW_NAMES = 16;

    private final byte[] in;
    private int pos;
    private int line = 1;
    private int lineStart;

    private Token token;
    private int tokenStart;
    private String text;
    private int numberEnd;
    /** How many digits an integer token has. */
    private int digits;
    /** The value of an integer token of at most 18 digits, which a long always holds. */
    private long small;

    private byte[] kinds = new byte[16];
    private Names[] names = new Names[16];
    private int depth;
    /** Whether the innermost container has no element yet. */
    private boolean first;
    /** Whether the innermost container is an object whose last name awaits its value. */
    private boolean named;
    private boolean rootStarted;

    private char[] chars = new char[64];

    JsonReader(byte[] json) {
        this.in = json;
        if (json.length >= 3 && json[0] == (byte) 0xEF && json[1] == (byte) 0xBB && json[2] == (byte) 0xBF) {
            pos = 3;
            lineStart = 3;
        }
    }

    /** @return the current token, null before the first and after the document */
    Token current() {
        return token;
    }

    /**
     * Moves to the next token; after the document's one value, to null, when only white space follows.
     *
     * @throws Failure when the JSON is malformed or truncated
     */
    Token next() {
        int c = skipSpace();
        if (depth == 0) {
            if (rootStarted) {
                if (c >= 0) {
                    throw invalid(pos, c == '}' || c == ']'
                            ? "unexpected '" + (char) c + "' with no " + (c == '}' ? "object" : "array") + " open"
                            : "unexpected " + describe(pos) + " after the end of the document");
                }
                return token = null;
            }
            rootStarted = true;
            return value(c);
        }
        if (kinds[depth - 1] == OBJECT) {
            if (named) {
                if (c != ':') {
                    throw unexpected(c, "expected ':' after the name");
                }
                pos++;
                named = false;
                return value(skipSpace());
            }
            if (c == '}') {
                return end(Token.END_OBJECT);
            }
            if (!first) {
                if (c != ',') {
                    throw unexpected(c, "expected ',' or '}'");
                }
                pos++;
                c = skipSpace();
            }
            if (c != '"') {
                throw unexpected(c, first ? "expected a name in double quotes or '}'" : "expected a name in double quotes");
            }
            tokenStart = pos;
            String name = string();
            if (!names[depth - 1].add(name)) {
                throw invalid(tokenStart, "duplicate key \"" + shorten(name) + "\"");
            }
            text = name;
            first = false;
            named = true;
            return token = Token.NAME;
        }
        if (c == ']') {
            return end(Token.END_ARRAY);
        }
        if (!first) {
            if (c != ',') {
                throw unexpected(c, "expected ',' or ']'");
            }
            pos++;
            c = skipSpace();
        }
        return value(c);
    }

    /** @return the next name in the object, or null at its end */
    String nextName() {
        return next() == Token.NAME ? text : null;
    }

    /** Skips the object or array the current token starts, if it starts one. */
    void skipChildren() {
        if (token == Token.START_OBJECT || token == Token.START_ARRAY) {
            int outer = depth - 1;
            while (depth > outer) {
                next();
            }
        }
    }

    /** @return a string's or a name's value, or a number's text */
    String text() {
        if (token == Token.INTEGER || token == Token.DECIMAL) {
            return new String(in, tokenStart, numberEnd - tokenStart, StandardCharsets.ISO_8859_1);
        }
        return text;
    }

    /** @return an integer token's value: an Integer if it fits one, else a Long if it fits, else a BigInteger */
    Number integer() {
        if (digits <= 18) {
            return small == (int) small ? (Number) (int) small : (Number) small;
        }
        BigInteger big = new BigInteger(text());
        return big.bitLength() < 64 ? (Number) big.longValue() : big;
    }

    /** @return a number token's value: {@link #integer()}, or a Double when it has a fraction or exponent */
    Number number() {
        return token == Token.INTEGER ? integer() : (Number) Double.parseDouble(text());
    }

    private Token value(int c) {
        tokenStart = pos;
        first = false;
        switch (c) {
            case '{' -> {
                push(OBJECT);
                return token = Token.START_OBJECT;
            }
            case '[' -> {
                push(ARRAY);
                return token = Token.START_ARRAY;
            }
            case '"' -> {
                text = string();
                return token = Token.STRING;
            }
            case 't' -> {
                return literal("true", Token.TRUE);
            }
            case 'f' -> {
                return literal("false", Token.FALSE);
            }
            case 'n' -> {
                return literal("null", Token.NULL);
            }
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return numberToken();
                }
                throw unexpected(c, "expected a value");
            }
        }
    }

    private Token end(Token end) {
        tokenStart = pos++;
        depth--;
        first = false;
        named = false;
        return token = end;
    }

    private void push(byte kind) {
        if (depth == MAX_DEPTH) {
            throw invalid(pos, "objects and arrays nest deeper than " + MAX_DEPTH + " levels");
        }
        if (depth == kinds.length) {
            kinds = Arrays.copyOf(kinds, depth * 2);
            names = Arrays.copyOf(names, depth * 2);
        }
        kinds[depth] = kind;
        if (kind == OBJECT) {
            Names known = names[depth];
            if (known == null) {
                names[depth] = new Names();
            } else {
                known.clear();
            }
        }
        depth++;
        pos++;
        first = true;
        named = false;
    }

    private Token literal(String word, Token literal) {
        for (int i = 0; i < word.length(); i++) {
            int at = pos + i;
            if (at >= in.length) {
                throw truncated();
            }
            if (in[at] != word.charAt(i)) {
                throw invalid(at, "unexpected " + describe(at) + " in what starts as " + word);
            }
        }
        pos += word.length();
        return token = literal;
    }

    private Token numberToken() {
        int i = pos;
        boolean negative = in[i] == '-';
        if (negative) {
            i++;
        }
        int intStart = i;
        if (i >= in.length) {
            throw truncated();
        }
        long value = 0;
        if (in[i] == '0') {
            i++;
            if (i < in.length && isDigit(in[i])) {
                throw invalid(intStart, "a number has a leading zero");
            }
        } else if (isDigit(in[i])) {
            while (i < in.length && isDigit(in[i])) {
                if (i - intStart < 18) {
                    value = value * 10 + (in[i] - '0');
                }
                i++;
            }
        } else {
            throw invalid(i, "expected a digit after '-', got " + describe(i));
        }
        int count = i - intStart;
        boolean decimal = false;
        if (i < in.length && in[i] == '.') {
            decimal = true;
            int start = ++i;
            i = digitsFrom(i, "after the decimal point");
            count += i - start;
        }
        if (i < in.length && (in[i] == 'e' || in[i] == 'E')) {
            decimal = true;
            i++;
            if (i < in.length && (in[i] == '+' || in[i] == '-')) {
                i++;
            }
            int start = i;
            i = digitsFrom(i, "in the exponent");
            count += i - start;
        }
        if (count > MAX_DIGITS) {
            throw invalid(pos, "a number has more than " + MAX_DIGITS + " digits");
        }
        numberEnd = i;
        digits = i - intStart;
        small = negative ? -value : value;
        pos = i;
        return token = decimal ? Token.DECIMAL : Token.INTEGER;
    }

    private int digitsFrom(int i, String where) {
        if (i >= in.length) {
            throw truncated();
        }
        if (!isDigit(in[i])) {
            throw invalid(i, "expected a digit " + where + ", got " + describe(i));
        }
        while (i < in.length && isDigit(in[i])) {
            i++;
        }
        return i;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Reads the string whose opening quote is at {@code pos}. */
    private String string() {
        int start = pos + 1;
        byte[] b = in;
        for (int i = start; i < b.length; i++) {
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                return new String(b, start, i - start, StandardCharsets.ISO_8859_1);
            }
            // Non-ASCII bytes are negative.
            if (c == '\\' || c < 0x20) {
                return escapedString(start, i);
            }
        }
        pos = b.length;
        throw truncated();
    }

    /** Reads on from {@code i}, the first byte that is not plain ASCII, in the string that starts at {@code start}. */
    private String escapedString(int start, int i) {
        byte[] b = in;
        char[] out = chars;
        int n = 0;
        for (int j = start; j < i; j++) {
            out = room(out, n, 1);
            out[n++] = (char) b[j];
        }
        while (true) {
            if (i >= b.length) {
                throw truncated();
            }
            int c = b[i] & 0xFF;
            if (c == '"') {
                pos = i + 1;
                chars = out;
                return new String(out, 0, n);
            }
            out = room(out, n, 2);
            if (c == '\\') {
                if (i + 1 >= b.length) {
                    throw truncated();
                }
                int e = b[i + 1];
                char decoded;
                switch (e) {
                    case '"' -> decoded = '"';
                    case '\\' -> decoded = '\\';
                    case '/' -> decoded = '/';
                    case 'b' -> decoded = '\b';
                    case 'f' -> decoded = '\f';
                    case 'n' -> decoded = '\n';
                    case 'r' -> decoded = '\r';
                    case 't' -> decoded = '\t';
                    case 'u' -> {
                        decoded = hex4(i);
                        if (Character.isSurrogate(decoded)) {
                            if (Character.isLowSurrogate(decoded) || !lowSurrogateEscapeAt(i + 6)) {
                                throw invalid(i, String.format("unpaired surrogate \\u%04X in a string: a \\u escape"
                                        + " of a surrogate must be a high one followed by a low one", (int) decoded));
                            }
                            out[n++] = decoded;
                            decoded = hex4(i + 6);
                            i += 6;
                        }
                        i += 4;
                    }
                    default -> throw invalid(i + 1, (e > ' ' && e < 0x7F ? "invalid escape \\" + (char) e
                            : "invalid escape: " + describe(i + 1) + " after a backslash")
                            + " in a string: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
                }
                out[n++] = decoded;
                i += 2;
            } else if (c < 0x20) {
                throw invalid(i, "unescaped control character " + describe(i) + " in a string");
            } else if (c < 0x80) {
                out[n++] = (char) c;
                i++;
            } else {
                int cp = codePoint(i);
                i += utf8Length(c);
                n += Character.toChars(cp, out, n);
            }
        }
    }

    private static char[] room(char[] out, int n, int more) {
        return n + more <= out.length ? out : Arrays.copyOf(out, Math.max(out.length * 2, n + more));
    }

    /** The four hex digits of the {@code \}{@code u} escape at {@code at}. */
    private char hex4(int at) {
        int value = 0;
        for (int k = at + 2; k < at + 6; k++) {
            if (k >= in.length) {
                throw truncated();
            }
            int d = Character.digit(in[k], 16);
            if (d < 0) {
                throw invalid(k, "invalid \\u escape: expected 4 hex digits, got " + describe(k));
            }
            value = value << 4 | d;
        }
        return (char) value;
    }

    private boolean lowSurrogateEscapeAt(int at) {
        if (at + 1 >= in.length) {
            throw truncated();
        }
        return in[at] == '\\' && in[at + 1] == 'u' && Character.isLowSurrogate(hex4(at));
    }

    private static int utf8Length(int lead) {
        return lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    }

    /**
     * Decodes the multi-byte UTF-8 sequence at {@code at}: the shortest form only, no surrogates,
     * nothing above U+10FFFF (RFC 3629).
     */
    private int codePoint(int at) {
        int lead = in[at] & 0xFF;
        int length;
        int min;
        int max;
        if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            min = 0x80;
            max = 0xBF;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            min = lead == 0xE0 ? 0xA0 : 0x80;
            max = lead == 0xED ? 0x9F : 0xBF;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            min = lead == 0xF0 ? 0x90 : 0x80;
            max = lead == 0xF4 ? 0x8F : 0xBF;
        } else {
            throw invalid(at, "invalid UTF-8 byte " + hexByte(lead));
        }
        int cp = lead & (0xFF >> (length + 1));
        for (int k = 1; k < length; k++) {
            if (at + k >= in.length) {
                throw truncated();
            }
            int next = in[at + k] & 0xFF;
            if (next < (k == 1 ? min : 0x80) || next > (k == 1 ? max : 0xBF)) {
                throw invalid(at + k, "invalid UTF-8 byte " + hexByte(next) + " after " + hexByte(lead));
            }
            cp = cp << 6 | (next & 0x3F);
        }
        return cp;
    }

    private static String hexByte(int b) {
        return String.format("0x%02X", b);
    }

    /** @return the next byte that is not JSON white space, unsigned, or -1 at the end */
    private int skipSpace() {
        byte[] b = in;
        int i = pos;
        for (; i < b.length; i++) {
            byte c = b[i];
            if (c == '\n') {
                line++;
                lineStart = i + 1;
            } else if (c != ' ' && c != '\t' && c != '\r') {
                pos = i;
                return c & 0xFF;
            }
        }
        pos = i;
        return -1;
    }

    /** A character or the lack of one where something else was expected. */
    private Failure unexpected(int c, String expected) {
        if (c < 0) {
            return truncated();
        }
        return invalid(pos, "unexpected " + describe(pos) + ", " + expected);
    }

    /** @return the character at {@code at} for messages, or the bad byte when it is not UTF-8 */
    private String describe(int at) {
        int c = in[at] & 0xFF;
        if (c >= 0x80) {
            int cp;
            try {
                cp = codePoint(at);
            } catch (Failure notUtf8) {
                return "byte " + hexByte(c);
            }
            return "'" + new String(Character.toChars(cp)) + "'";
        }
        if (c < 0x20 || c == 0x7F) {
            return String.format("U+%04X", c);
        }
        return c == '\'' ? "\"'\"" : "'" + (char) c + "'";
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /** Counts characters, not bytes: a continuation byte of a UTF-8 sequence is no column of its own. */
    private int column(int at) {
        int column = 1;
        for (int i = lineStart; i < at; i++) {
            if ((in[i] & 0xC0) != 0x80) {
                column++;
            }
        }
        return column;
    }

    private Failure invalid(int at, String problem) {
        if (at < in.length && (in[at] & 0xFF) >= 0x80 && !problem.startsWith("invalid UTF-8")) {
            // A byte that starts no UTF-8 character is the problem, whatever the grammar wanted there.
            try {
                codePoint(at);
            } catch (Failure notUtf8) {
                return notUtf8;
            }
        }
        return new Failure("invalid JSON at line " + line + ", column " + column(at) + ": " + problem);
    }

    private Failure truncated() {
        return new Failure("the document ends too early at line " + line + ", column " + column(in.length)
                + ": the JSON is truncated");
    }

    /** The names seen in one object: a short list, then a hash set, so that many names cost no more than linear time. */
    private static final class Names {
        private final String[] few = new String[FEW_NAMES];
        private int count;
        private Set<String> many;

        void clear() {
            count = 0;
            many = null;
        }

        boolean add(String name) {
            if (many != null) {
                return many.add(name);
            }
            for (int i = 0; i < count; i++) {
                if (few[i].equals(name)) {
                    return false;
                }
            }
            if (count < FEW_NAMES) {
                few[count++] = name;
                return true;
            }
            many = new HashSet<>();
            for (String known : few) {
                many.add(known);
            }
            return many.add(name);
        }
    }
}
