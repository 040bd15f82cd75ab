package dev.stevedore.internal.build;

import java.util.function.Function;

/**
 * Build-variable substitution in Dockerfile words, as Docker does it for ADD, COPY, ENV, EXPOSE,
 * FROM, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR (and ARG defaults): {@code $a}, {@code ${a}},
 * {@code ${a:-default}}, {@code ${a-default}}, {@code ${a:+alt}}, {@code ${a+alt}},
 * {@code ${a:?message}}, {@code ${a?message}}; the words after a modifier are themselves expanded.
 * A word's quotes are removed: single quotes keep their content literal, double quotes still expand
 * variables; the escape character makes the next character literal ({@code \$a} is {@code $a}).
 * RUN, CMD and ENTRYPOINT in shell form are not expanded here: the shell does that.
 *
 * <p>An instance binds the Dockerfile's escape character and the variables in scope (a lookup that
 * returns null for an unset variable).
 */
public final class VariableExpander {

    /** A substitution that cannot be done: {@code ${a:?msg}} with {@code a} unset, or a malformed one. */
    public static final class SubstitutionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        SubstitutionException(String message) {
            super(message);
        }
    }

    private final char escape;
    private final Function<String, String> variables;

    /**
     * @param escape the Dockerfile's escape character, backslash or backtick
     * @param variables the value of a variable, or null if it is not set
     */
    public VariableExpander(char escape, Function<String, String> variables) {
        this.escape = escape;
        this.variables = variables;
    }

    /** One word with quotes removed, escapes resolved and variables substituted; whitespace is kept. */
    public String word(String word) {
        return new Scan(word, false).until(-1);
    }

    /**
     * The body of an unquoted here-document as a shell expands it: quotes are literal text, and only
     * the escape character before {@code $} or itself is an escape.
     */
    public String heredoc(String content) {
        return new Scan(content, true).until(-1);
    }

    private final class Scan {
        private final String s;
        private final boolean heredoc;
        private int pos;
        /** Above zero while scanning a modifier's word that will not be used: no errors from there. */
        private int unused;

        Scan(String s, boolean heredoc) {
            this.s = s;
            this.heredoc = heredoc;
        }

        /** Expands up to the unquoted {@code stop} character (consumed), or to the end if stop is -1. */
        String until(int stop) {
            StringBuilder out = new StringBuilder();
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == stop) {
                    pos++;
                    return out.toString();
                }
                pos++;
                if (c == '\'' && !heredoc) {
                    singleQuoted(out);
                } else if (c == '"' && !heredoc) {
                    doubleQuoted(out);
                } else if (c == '$') {
                    dollar(out);
                } else if (c == escape) {
                    if (pos < s.length()) {
                        char n = s.charAt(pos++);
                        if (heredoc && n != '$' && n != escape) {
                            out.append(escape);
                        }
                        out.append(n);
                    } else if (heredoc) {
                        out.append(c);
                    }
                } else {
                    out.append(c);
                }
            }
            if (stop >= 0) {
                throw new SubstitutionException("missing '}' in " + s);
            }
            return out.toString();
        }

        private void singleQuoted(StringBuilder out) {
            int end = s.indexOf('\'', pos);
            if (end < 0) {
                throw new SubstitutionException("unterminated single quote in " + s);
            }
            out.append(s, pos, end);
            pos = end + 1;
        }

        private void doubleQuoted(StringBuilder out) {
            while (pos < s.length()) {
                char c = s.charAt(pos++);
                if (c == '"') {
                    return;
                }
                if (c == '$') {
                    dollar(out);
                } else if (c == escape && pos < s.length()
                        && (s.charAt(pos) == '"' || s.charAt(pos) == '$' || s.charAt(pos) == escape)) {
                    out.append(s.charAt(pos++));
                } else {
                    out.append(c);
                }
            }
            throw new SubstitutionException("unterminated double quote in " + s);
        }

        /** After a {@code $}. */
        private void dollar(StringBuilder out) {
            if (pos >= s.length()) {
                out.append('$');
                return;
            }
            char c = s.charAt(pos);
            if (c == '{') {
                pos++;
                braced(out);
            } else if (Character.isLetter(c) || c == '_' || Character.isDigit(c)) {
                String value = variables.apply(name());
                out.append(value == null ? "" : value);
            } else {
                out.append('$');
            }
        }

        /** A name: letters, digits and underscores, or only digits if it starts with one. */
        private String name() {
            int start = pos;
            boolean digits = Character.isDigit(s.charAt(pos));
            while (pos < s.length() && (Character.isDigit(s.charAt(pos))
                    || !digits && (Character.isLetter(s.charAt(pos)) || s.charAt(pos) == '_'))) {
                pos++;
            }
            return s.substring(start, pos);
        }

        private void braced(StringBuilder out) {
            int start = pos - 2;
            String name = pos < s.length() ? name() : "";
            if (pos >= s.length()) {
                throw new SubstitutionException("missing '}' in " + s);
            }
            if (name.isEmpty()) {
                throw new SubstitutionException("bad substitution " + s.substring(start, Math.min(s.length(), pos + 1))
                        + ": a variable name is letters, digits and _");
            }
            String value = variables.apply(name);
            char c = s.charAt(pos++);
            if (c == '}') {
                out.append(value == null ? "" : value);
                return;
            }
            boolean colon = c == ':';
            char modifier = colon ? (pos < s.length() ? s.charAt(pos++) : 0) : c;
            if (modifier != '-' && modifier != '+' && modifier != '?') {
                throw new SubstitutionException("unsupported modifier " + (colon ? ":" : "") + (modifier == 0 ? "" : modifier)
                        + " in ${" + name + "...}: use :-, -, :+, +, :? or ?");
            }
            boolean set = colon ? value != null && !value.isEmpty() : value != null;
            boolean wordUsed = modifier == '+' ? set : !set;
            if (!wordUsed) {
                unused++;
            }
            String word;
            try {
                word = until('}');
            } finally {
                if (!wordUsed) {
                    unused--;
                }
            }
            switch (modifier) {
                case '-' -> out.append(set ? value : word);
                case '+' -> out.append(set ? word : "");
                default -> {
                    if (!set && unused == 0) {
                        throw new SubstitutionException(name + ": " + (!word.isEmpty() ? word
                                : colon ? "parameter null or not set" : "parameter not set"));
                    }
                    out.append(set ? value : "");
                }
            }
        }
    }
}
