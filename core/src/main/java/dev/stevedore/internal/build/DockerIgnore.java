package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The patterns of a {@code .dockerignore} file, matched as Docker matches them: lines are trimmed,
 * blank lines and {@code #} comments skipped; each pattern is cleaned like a path (so a leading
 * {@code /} or {@code ./} and a trailing {@code /} make no difference); {@code *} and {@code ?} stay
 * within one path component, {@code **} spans any number of them; a pattern that matches a directory
 * excludes everything below it. Patterns apply in order and the last one that matches a path
 * decides: a {@code !} pattern takes the path back in.
 */
final class DockerIgnore {

    /** Nothing ignored. */
    static final DockerIgnore NONE = new DockerIgnore(List.of());

    private record Rule(String text, Pattern regex, boolean exception) {}

    private final List<Rule> rules;
    private final boolean hasExceptions;

    private DockerIgnore(List<Rule> rules) {
        this.rules = List.copyOf(rules);
        boolean exceptions = false;
        for (Rule r : rules) {
            exceptions |= r.exception();
        }
        this.hasExceptions = exceptions;
    }

    /** Reads {@code .dockerignore} from a context directory; none there means nothing is ignored. */
    static DockerIgnore read(Path contextDir) {
        Path file = contextDir.resolve(".dockerignore");
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (NoSuchFileException e) {
            return NONE;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * @param text the file's content
     * @param name the file's name for error messages
     * @throws IllegalArgumentException naming the file and line of a pattern that cannot be used
     */
    static DockerIgnore parse(String text, String name) {
        List<Rule> rules = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exception = line.startsWith("!");
            if (exception) {
                line = line.substring(1).strip();
            }
            String cleaned = clean(line);
            if (cleaned.isEmpty()) {
                continue;
            }
            try {
                rules.add(new Rule(line, Pattern.compile(regex(cleaned)), exception));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": bad pattern '" + line + "': "
                        + e.getDescription());
            }
        }
        return new DockerIgnore(rules);
    }

    /** Cleans a pattern like a path: {@code .} and empty components dropped, {@code ..} resolved, no slashes at the ends. */
    static String clean(String pattern) {
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty() && !parts.get(parts.size() - 1).equals("..")) {
                    parts.remove(parts.size() - 1);
                    continue;
                }
                if (pattern.startsWith("/")) {
                    continue;
                }
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    /** A glob as a regular expression over a whole slash-separated path. */
    static String regex(String glob) {
        StringBuilder re = new StringBuilder("^");
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                        i++;
                    }
                    re.append(i + 1 >= glob.length() ? ".*" : "(.*/)?");
                } else {
                    re.append("[^/]*");
                }
            } else if (c == '?') {
                re.append("[^/]");
            } else if (c == '\\') {
                if (i + 1 < glob.length()) {
                    re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                } else {
                    re.append("\\\\");
                }
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 2);
                if (end < 0) {
                    throw new PatternSyntaxException("unterminated character class", glob, i);
                }
                String body = glob.substring(i + 1, end);
                if (body.startsWith("!")) {
                    body = "^" + body.substring(1);
                }
                re.append('[').append(body.replace("[", "\\[")).append(']');
                i = end;
            } else if (Character.isLetterOrDigit(c) || c == '/' || c == '_' || c == '-') {
                re.append(c);
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.append('$').toString();
    }

    /** @return whether no pattern is set */
    boolean isEmpty() {
        return rules.isEmpty();
    }

    /**
     * @param path a context-relative path with {@code /} separators
     * @return whether the path is left out of the context
     */
    boolean excludes(String path) {
        boolean excluded = false;
        for (Rule rule : rules) {
            if (excluded == rule.exception() && matchesSelfOrParent(rule.regex(), path)) {
                excluded = !rule.exception();
            }
        }
        return excluded;
    }

    /**
     * Whether nothing below an excluded directory can be taken back in, so a walk may skip it:
     * true unless some {@code !} pattern could match a path inside it.
     */
    boolean skipsWholly(String dir) {
        if (!hasExceptions) {
            return true;
        }
        for (Rule rule : rules) {
            if (rule.exception() && couldMatchBelow(rule.text(), dir)) {
                return false;
            }
        }
        return true;
    }

    private static boolean couldMatchBelow(String exceptionPattern, String dir) {
        String pattern = clean(exceptionPattern);
        String[] patternParts = pattern.split("/");
        String[] dirParts = dir.split("/");
        for (int i = 0; i < dirParts.length; i++) {
            if (i >= patternParts.length) {
                return false;
            }
            if (patternParts[i].contains("**")) {
                return true;
            }
            if (!Pattern.matches(regex(patternParts[i]), dirParts[i])) {
                return false;
            }
        }
        return patternParts.length > dirParts.length;
    }

    private static boolean matchesSelfOrParent(Pattern regex, String path) {
        if (regex.matcher(path).matches()) {
            return true;
        }
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            if (regex.matcher(path.substring(0, slash)).matches()) {
                return true;
            }
        }
        return false;
    }
}
