package dev.stevedore.internal.build;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Dockerfile text to a checked {@link Dockerfile}, or to the unchecked {@link SyntaxTree} the classic
 * dump prints. Every problem is a {@link DockerfileException} reading {@code NAME:LINE: problem}.
 */
public final class DockerfileParser {

    private DockerfileParser() {}

    /** Parses and checks the file, naming it by its file name in messages. */
    public static Dockerfile parse(Path file) {
        return parse(read(file), file.getFileName().toString());
    }

    /**
     * Parses and checks Dockerfile text.
     *
     * @param fileName the name messages give the file, such as {@code Dockerfile}
     */
    public static Dockerfile parse(String text, String fileName) {
        return InstructionParser.parse(SyntaxParser.parse(text, fileName));
    }

    /** Splits Dockerfile text into instructions without checking what they mean. */
    public static SyntaxTree parseSyntax(String text, String fileName) {
        return SyntaxParser.parse(text, fileName);
    }

    private static String read(Path file) {
        try {
            // Malformed UTF-8 becomes U+FFFD rather than failing: Docker reads the bytes as they are.
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Dockerfile " + file + ": " + e.getMessage(), e);
        }
    }
}
