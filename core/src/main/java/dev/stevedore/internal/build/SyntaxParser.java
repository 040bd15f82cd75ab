package dev.stevedore.internal.build;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dockerfile text to {@link SyntaxTree}: directives, comments, continuation lines, here-documents,
 * flags, and each keyword's argument split, following the classic Docker parser so that its test
 * corpus dumps identically. Argument rules per keyword:
 * <ul>
 *   <li>RUN, CMD, ENTRYPOINT, SHELL: a JSON array of strings, else the whole rest as one argument;
 *   <li>COPY, ADD, VOLUME: a JSON array of strings, else whitespace-separated words;
 *   <li>ENV, LABEL: key, value, key, value... from {@code k=v} words, or {@code k rest-of-line};
 *   <li>ARG: quote-aware words; FROM, EXPOSE: whitespace-separated words;
 *   <li>MAINTAINER, USER, WORKDIR, STOPSIGNAL, and unknown keywords: the whole rest as one argument;
 *   <li>HEALTHCHECK: the type word, then the rest as for CMD; ONBUILD: a nested instruction.
 * </ul>
 */
final class SyntaxParser {

    private static final Pattern DIRECTIVE =
            Pattern.compile("#[ \\t]*([A-Za-z][A-Za-z0-9_-]*)[ \\t]*=[ \\t]*(.+?)[ \\t]*");
    private static final Set<String> DIRECTIVES = Set.of("syntax", "escape", "check");
    private static final Pattern WHITESPACE = Pattern.compile("[\\t\\u000B\\f\\r ]+");
    private static final Pattern HEREDOC = Pattern.compile("\\d*<<(-?)([^<]*)");
    private static final Set<String> HEREDOC_KEYWORDS = Set.of("run", "copy", "add");

    private final String fileName;
    private final List<String> lines;
    private final List<String> warnings = new ArrayList<>();
    private int next;
    private char escape = '\\';
    private Pattern continuation = continuationPattern('\\');

    private SyntaxParser(String text, String fileName) {
        this.fileName = fileName;
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<String> split = new ArrayList<>(List.of(text.split("\n", -1)));
        if (split.get(split.size() - 1).isEmpty()) {
            split.remove(split.size() - 1);
        }
        for (int i = 0; i < split.size(); i++) {
            String l = split.get(i);
            if (l.endsWith("\r")) {
                split.set(i, l.substring(0, l.length() - 1));
            }
        }
        this.lines = split;
    }

    static SyntaxTree parse(String text, String fileName) {
        return new SyntaxParser(text, fileName).parse();
    }

    private SyntaxTree parse() {
        Map<String, String> directives = new HashMap<>();
        boolean directivesOpen = true;
        List<SyntaxNode> nodes = new ArrayList<>();
        while (next < lines.size()) {
            int lineNumber = next + 1;
            String line = stripLeading(lines.get(next++));
            if (directivesOpen) {
                Matcher m = DIRECTIVE.matcher(line);
                String key = m.matches() ? m.group(1).toLowerCase(Locale.ROOT) : null;
                if (key != null && DIRECTIVES.contains(key)) {
                    if (directives.putIfAbsent(key, m.group(2)) != null) {
                        throw error(lineNumber, "the " + key + " parser directive is given twice; give it once");
                    }
                    if (key.equals("escape")) {
                        setEscape(m.group(2), lineNumber);
                    }
                    continue;
                }
                // Directives are only recognised before any comment, blank line or instruction.
                directivesOpen = false;
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            StringBuilder text = new StringBuilder();
            boolean continues = appendLine(text, line);
            while (continues && next < lines.size()) {
                String raw = lines.get(next++);
                String trimmed = stripLeading(raw);
                if (trimmed.isEmpty()) {
                    warnings.add(fileName + ":" + next + ": empty continuation line (future Docker versions reject it)");
                    continue;
                }
                if (trimmed.startsWith("#")) {
                    continue;
                }
                continues = appendLine(text, raw);
            }
            // Only escape characters (a lone "\\" line at the end of the file) make no instruction.
            if (!text.toString().isBlank()) {
                nodes.add(parseInstruction(text.toString(), lineNumber));
            }
        }
        return new SyntaxTree(fileName,
                new Directives(escape, Optional.ofNullable(directives.get("syntax")),
                        Optional.ofNullable(directives.get("check"))),
                nodes, warnings);
    }

    private void setEscape(String value, int lineNumber) {
        char c = value.charAt(0);
        if (c != '\\' && c != '`') {
            throw error(lineNumber, "invalid escape character '" + value + "': use \\ or `");
        }
        escape = c;
        continuation = continuationPattern(c);
    }

    /**
     * The escape character at the end of a line, unless escaped itself ({@code \\} at the end is a
     * literal backslash, as in current Docker).
     */
    private static Pattern continuationPattern(char escape) {
        String e = Pattern.quote(String.valueOf(escape));
        return Pattern.compile("([^" + (escape == '\\' ? "\\\\" : "`") + "])" + e + "[ \\t]*$|^" + e + "[ \\t]*$");
    }

    /** Appends a physical line without its continuation mark; true if the instruction goes on. */
    private boolean appendLine(StringBuilder text, String line) {
        Matcher m = continuation.matcher(line);
        if (m.find()) {
            text.append(line, 0, m.start());
            if (m.group(1) != null) {
                text.append(m.group(1));
            }
            return true;
        }
        text.append(line);
        return false;
    }

    private SyntaxNode parseInstruction(String line, int startLine) {
        String trimmed = line.strip();
        String[] parts = WHITESPACE.split(trimmed, 2);
        String written = parts[0];
        String keyword = written.toLowerCase(Locale.ROOT);
        String afterKeyword = parts.length == 2 ? parts[1] : "";
        List<String> flags = new ArrayList<>();
        String rest = extractFlags(afterKeyword, flags).strip();

        List<String> args = new ArrayList<>();
        boolean json = false;
        SyntaxNode child = null;
        switch (keyword) {
            case "run", "cmd", "entrypoint", "shell" -> json = maybeJson(rest, args, startLine, false);
            case "copy", "add", "volume" -> json = maybeJson(rest, args, startLine, true);
            case "env", "label" -> nameValues(rest, keyword.toUpperCase(Locale.ROOT), args, startLine);
            case "arg" -> args.addAll(words(rest));
            case "from", "expose" -> whitespaceWords(rest, args);
            case "healthcheck" -> {
                String[] typeAndCommand = rest.split("\\s+", 2);
                if (!rest.isEmpty()) {
                    args.add(typeAndCommand[0]);
                    json = maybeJson(typeAndCommand.length == 2 ? typeAndCommand[1] : "", args, startLine, false);
                }
            }
            case "onbuild" -> child = rest.isEmpty() ? null : parseInstruction(rest, startLine);
            default -> {
                if (!rest.isEmpty()) {
                    args.add(rest);
                }
            }
        }
        List<Heredoc> heredocs = List.of();
        if (!json && HEREDOC_KEYWORDS.contains(keyword)) {
            heredocs = readHeredocs(keyword.equals("run") ? words(rest) : args, startLine);
        }
        return new SyntaxNode(keyword, written, flags, args, json, child, heredocs, afterKeyword.strip(),
                startLine, Math.max(next, startLine));
    }

    /**
     * Splits leading {@code --flag[=value]} words off, as the classic parser does: quotes in a flag
     * word are removed, backslash escapes the next character, and a lone {@code --} ends the flags.
     */
    private static String extractFlags(String line, List<String> flags) {
        int pos = 0;
        int n = line.length();
        while (true) {
            while (pos < n && Character.isWhitespace(line.charAt(pos))) {
                pos++;
            }
            if (pos + 1 >= n || line.charAt(pos) != '-' || line.charAt(pos + 1) != '-') {
                return line.substring(pos);
            }
            StringBuilder word = new StringBuilder();
            char quote = 0;
            for (; pos < n; pos++) {
                char c = line.charAt(pos);
                if (quote == 0 && Character.isWhitespace(c)) {
                    break;
                }
                if (quote == 0 && (c == '\'' || c == '"')) {
                    quote = c;
                } else if (quote != 0 && c == quote) {
                    quote = 0;
                } else if (c == '\\') {
                    if (pos + 1 < n) {
                        word.append(line.charAt(++pos));
                    }
                } else {
                    word.append(c);
                }
            }
            if (word.toString().equals("--")) {
                return line.substring(pos);
            }
            flags.add(word.toString());
        }
    }

    private static void whitespaceWords(String rest, List<String> args) {
        if (!rest.isEmpty()) {
            args.addAll(List.of(WHITESPACE.split(rest)));
        }
    }

    /**
     * Fills {@code args} from a JSON array of strings if {@code rest} is one; otherwise with the whole
     * rest, or its whitespace-separated words when {@code toList}. Returns whether it was JSON.
     */
    private boolean maybeJson(String rest, List<String> args, int line, boolean toList) {
        Optional<List<String>> array = jsonArray(rest, line);
        if (array.isPresent()) {
            args.addAll(array.get());
            return true;
        }
        if (toList) {
            whitespaceWords(rest, args);
        } else if (!rest.isEmpty()) {
            args.add(rest);
        }
        return false;
    }

    /**
     * The strings of a JSON array; empty if the text is not valid JSON (then it is shell form). Valid
     * JSON that is an array of something other than strings is an error, as in Docker.
     */
    private Optional<List<String>> jsonArray(String text, int line) {
        if (!text.startsWith("[")) {
            return Optional.empty();
        }
        Object json;
        try {
            json = OciJson.read(text, Object.class, "exec form");
        } catch (OciFormatException notJson) {
            return Optional.empty();
        }
        List<String> strings = new ArrayList<>();
        // JSON that starts with [ is an array.
        for (Object element : (List<?>) json) {
            if (!(element instanceof String string)) {
                throw error(line, "the JSON array " + text + " holds something other than strings: the exec form "
                        + "takes strings only, such as [\"echo\", \"hi\"]");
            }
            strings.add(string);
        }
        return Optional.of(strings);
    }

    /** ENV and LABEL: {@code key value...} (old form) or {@code k=v k2="v 2"}, values verbatim. */
    private void nameValues(String rest, String keyword, List<String> args, int line) {
        List<String> words = words(rest);
        if (words.isEmpty()) {
            return;
        }
        if (!words.get(0).contains("=")) {
            String[] kv = WHITESPACE.split(rest, 2);
            if (kv.length < 2) {
                throw error(line, keyword + " " + kv[0] + " has no value: write " + keyword + " " + kv[0] + "=value");
            }
            args.add(kv[0]);
            args.add(kv[1]);
            return;
        }
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw error(line, keyword + ": no = in \"" + word + "\": write each as name=value");
            }
            args.add(word.substring(0, eq));
            args.add(word.substring(eq + 1));
        }
    }

    /**
     * Quote-aware words with quotes and escapes kept verbatim, as the classic parser splits them: the
     * escape character protects the next character (inside double quotes too), and nothing inside
     * single quotes.
     */
    List<String> words(String rest) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        int quote = 0;
        for (int pos = 0; pos < rest.length(); ) {
            int c = rest.codePointAt(pos);
            pos += Character.charCount(c);
            if (quote == 0 && Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                continue;
            }
            inWord = true;
            if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (quote != 0 && c == quote) {
                quote = 0;
            } else if (c == escape && quote != '\'') {
                if (pos == rest.length()) {
                    continue;
                }
                word.appendCodePoint(c);
                c = rest.codePointAt(pos);
                pos += Character.charCount(c);
            }
            word.appendCodePoint(c);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** A here-document opener such as {@code <<EOF}, {@code <<-"EOF"} or {@code 3<<EOF}, or null. */
    static HeredocMarker heredocMarker(String word, char escape) {
        Matcher m = HEREDOC.matcher(word);
        if (!m.matches()) {
            return null;
        }
        String raw = m.group(2);
        StringBuilder name = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '"' || c == '\'') {
                quoted = true;
            } else if (c == escape) {
                quoted = true;
                if (i + 1 < raw.length()) {
                    name.append(raw.charAt(++i));
                }
            } else {
                name.append(c);
            }
        }
        return name.length() == 0 ? null : new HeredocMarker(name.toString(), !m.group(1).isEmpty(), !quoted);
    }

    record HeredocMarker(String name, boolean stripTabs, boolean expand) {}

    private List<Heredoc> readHeredocs(List<String> words, int startLine) {
        List<Heredoc> heredocs = new ArrayList<>();
        for (String word : words) {
            HeredocMarker marker = heredocMarker(word, escape);
            if (marker == null) {
                continue;
            }
            StringBuilder content = new StringBuilder();
            while (true) {
                if (next >= lines.size()) {
                    throw error(startLine, "the here-document <<" + marker.name() + " is not terminated: "
                            + "end it with a line reading " + marker.name());
                }
                String line = lines.get(next++);
                if (marker.stripTabs()) {
                    line = line.replaceFirst("^\\t+", "");
                }
                if (line.equals(marker.name())) {
                    break;
                }
                content.append(line).append('\n');
            }
            heredocs.add(new Heredoc(marker.name(), content.toString(), marker.expand()));
        }
        return heredocs;
    }

    private static String stripLeading(String s) {
        int i = 0;
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return s.substring(i);
    }

    private DockerfileException error(int line, String problem) {
        return new DockerfileException(fileName, line, problem);
    }
}
