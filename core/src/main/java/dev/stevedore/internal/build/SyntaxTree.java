package dev.stevedore.internal.build;

import java.util.List;

/**
 * A Dockerfile split into instructions, not yet checked for meaning.
 *
 * @param fileName the Dockerfile's name, used in error messages
 * @param directives the parser directives at the top
 * @param nodes the instructions in file order
 * @param warnings things that parse but will not in future Docker versions, each naming its line
 */
public record SyntaxTree(String fileName, Directives directives, List<SyntaxNode> nodes, List<String> warnings) {

    public SyntaxTree {
        nodes = List.copyOf(nodes);
        warnings = List.copyOf(warnings);
    }
}
