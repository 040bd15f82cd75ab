package dev.stevedore.internal.build;

import java.util.List;

/**
 * One instruction as the classic Docker parser sees it: keyword, flags and arguments split by the
 * keyword's rule, before any check that the instruction makes sense. {@link DockerfileDump} prints
 * these; {@link InstructionParser} turns them into {@link Instruction}s.
 *
 * @param keyword the instruction keyword in lower case, known or not
 * @param written the keyword as written in the file, for messages
 * @param flags the {@code --name[=value]} words before the arguments, quotes removed
 * @param args the arguments: JSON strings decoded for the exec form, otherwise split by the keyword's
 *     rule (see {@link SyntaxParser}); quotes and escapes kept verbatim
 * @param json whether the arguments were a JSON array
 * @param child the instruction inside ONBUILD, or null
 * @param heredocs the here-documents that follow a RUN, COPY or ADD line, in order
 * @param text everything after the keyword (flags included), continuation lines joined
 * @param startLine the 1-based line the instruction starts on
 * @param endLine the last line it takes, continuation and here-document lines included
 */
public record SyntaxNode(
        String keyword,
        String written,
        List<String> flags,
        List<String> args,
        boolean json,
        SyntaxNode child,
        List<Heredoc> heredocs,
        String text,
        int startLine,
        int endLine) {

    public SyntaxNode {
        flags = List.copyOf(flags);
        args = List.copyOf(args);
        heredocs = List.copyOf(heredocs);
    }
}
