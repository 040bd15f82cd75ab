package dev.stevedore.internal.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235): a scheme such as {@code Bearer} or
 * {@code Basic} and its parameters ({@code realm}, {@code service}, {@code scope}, {@code error}).
 *
 * @param scheme the scheme, lower case
 * @param parameters the parameters, names in lower case
 */
record Challenge(String scheme, Map<String, String> parameters) {

    Challenge {
        parameters = Map.copyOf(parameters);
    }

    boolean isBearer() {
        return scheme.equals("bearer");
    }

    boolean isBasic() {
        return scheme.equals("basic");
    }

    String parameter(String name) {
        return parameters.get(name);
    }

    /**
     * Picks the challenge to answer from a response's {@code WWW-Authenticate} headers: bearer
     * when offered, since it scopes access, else the first one.
     *
     * @return the challenge, or null when there is none this client understands
     */
    static Challenge choose(List<String> headerValues) {
        Challenge chosen = null;
        for (String value : headerValues) {
            Challenge c = parse(value);
            if (c == null || !(c.isBearer() || c.isBasic())) {
                continue;
            }
            if (chosen == null || c.isBearer()) {
                chosen = c;
            }
        }
        return chosen;
    }

    /**
     * Parses one header value. A value holding several challenges yields the first.
     *
     * @return the challenge, or null when the value is not one
     */
    static Challenge parse(String header) {
        String text = header.strip();
        int i = 0;
        while (i < text.length() && isTokenChar(text.charAt(i))) {
            i++;
        }
        if (i == 0) {
            return null;
        }
        String scheme = text.substring(0, i).toLowerCase(Locale.ROOT);
        Map<String, String> params = new LinkedHashMap<>();
        while (i < text.length()) {
            i = skipSpacesAndCommas(text, i);
            int nameStart = i;
            while (i < text.length() && isTokenChar(text.charAt(i))) {
                i++;
            }
            String name = text.substring(nameStart, i).toLowerCase(Locale.ROOT);
            i = skipSpaces(text, i);
            if (name.isEmpty() || i >= text.length() || text.charAt(i) != '=') {
                // Another challenge (a scheme without '=') or token68: this challenge ends here.
                break;
            }
            i = skipSpaces(text, i + 1);
            StringBuilder value = new StringBuilder();
            if (i < text.length() && text.charAt(i) == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    char c = text.charAt(i);
                    if (c == '\\' && i + 1 < text.length()) {
                        c = text.charAt(++i);
                    }
                    value.append(c);
                    i++;
                }
                i++;
            } else {
                while (i < text.length() && text.charAt(i) != ',' && text.charAt(i) != ' ') {
                    value.append(text.charAt(i++));
                }
            }
            params.put(name, value.toString());
        }
        return new Challenge(scheme, params);
    }

    private static int skipSpaces(String text, int i) {
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static int skipSpacesAndCommas(String text, int i) {
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == ',')) {
            i++;
        }
        return i;
    }

    private static boolean isTokenChar(char c) {
        return c > ' ' && c < 127 && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
    }
}
