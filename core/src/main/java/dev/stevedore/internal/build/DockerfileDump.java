package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Prints a Dockerfile's syntax tree in the classic Docker parser's dump format, one
 * {@code (keyword ["--flags"] "arg"...)} line per instruction with Go-quoted strings, so it can be
 * compared with that parser's test corpus. A here-document, which the classic parser does not know,
 * follows its instruction's arguments as {@code (heredoc "NAME" "content")}.
 *
 * <p>As a program: {@code DockerfileDump [...] DOCKERFILE} dumps the file named by the last argument;
 * it exits 1 with {@code NAME:LINE: problem} on standard error for a malformed Dockerfile, 2 if the
 * file cannot be read.
 */
public final class DockerfileDump {

    private DockerfileDump() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("usage: DockerfileDump DOCKERFILE");
            return 2;
        }
        return run(Path.of(args[args.length - 1]), out, err);
    }

    /**
     * Prints the dump of a Dockerfile.
     *
     * @return 0, or 1 for a malformed Dockerfile (the message on {@code err}), 2 when it cannot be read
     */
    public static int run(Path file, PrintStream out, PrintStream err) {
        String text;
        try {
            text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            err.println("cannot read the Dockerfile " + file + ": " + e);
            return 2;
        }
        try {
            out.print(dump(DockerfileParser.parseSyntax(text, file.getFileName().toString())));
            out.flush();
            return 0;
        } catch (DockerfileException e) {
            err.println(e.getMessage());
            return 1;
        }
    }

    /** The dump of every instruction, each line ending in a newline (an empty file gives one newline). */
    public static String dump(SyntaxTree tree) {
        StringBuilder out = new StringBuilder();
        for (SyntaxNode node : tree.nodes()) {
            out.append('(').append(dump(node)).append(")\n");
        }
        return out.length() == 0 ? "\n" : out.toString();
    }

    static String dump(SyntaxNode node) {
        StringBuilder out = new StringBuilder(node.keyword());
        if (!node.flags().isEmpty()) {
            out.append(" [").append(String.join(" ", node.flags().stream().map(DockerfileDump::goQuote).toList()))
                    .append(']');
        }
        for (String arg : node.args()) {
            out.append(' ').append(goQuote(arg));
        }
        if (node.child() != null) {
            out.append(" (").append(dump(node.child())).append(')');
        }
        for (Heredoc heredoc : node.heredocs()) {
            out.append(" (heredoc ").append(goQuote(heredoc.name())).append(' ')
                    .append(goQuote(heredoc.content())).append(')');
        }
        return out.toString();
    }

    /** Go's strconv.Quote: printable characters as they are, the rest as Go escapes. */
    static String goQuote(String s) {
        StringBuilder out = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case 0x07 -> out.append("\\a");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case 0x0B -> out.append("\\v");
                default -> {
                    if (isGoPrintable(c)) {
                        out.appendCodePoint(c);
                    } else if (c < 0x80) {
                        out.append(String.format("\\x%02x", c));
                    } else if (c < 0x10000) {
                        out.append(String.format("\\u%04x", c));
                    } else {
                        out.append(String.format("\\U%08x", c));
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    private static final List<Integer> NOT_PRINTABLE = List.of((int) Character.CONTROL, (int) Character.FORMAT,
            (int) Character.SURROGATE, (int) Character.PRIVATE_USE, (int) Character.UNASSIGNED,
            (int) Character.LINE_SEPARATOR, (int) Character.PARAGRAPH_SEPARATOR, (int) Character.SPACE_SEPARATOR);

    /** Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. */
    private static boolean isGoPrintable(int c) {
        return c == ' ' || !NOT_PRINTABLE.contains(Character.getType(c));
    }
}
