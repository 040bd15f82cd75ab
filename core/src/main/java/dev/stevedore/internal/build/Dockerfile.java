package dev.stevedore.internal.build;

import java.util.List;
import java.util.function.Function;

/**
 * A parsed and checked Dockerfile: the global build arguments (ARGs before the first FROM), then the
 * build stages in order. A builder resolves the global ARGs, picks the stages the target needs, and
 * walks each stage's instructions in order, calling {@link #expand} on each with the variables in
 * scope before acting on it: for a stage's FROM, the global ARGs only (build arguments overriding
 * their defaults); for the instructions after it, the stage's ARGs (declared so far, or redeclared
 * global ones) and ENVs, ENV winning. Expanding an ENV or ARG uses the variables from before it.
 *
 * @param fileName the Dockerfile's name, used in error messages
 * @param directives the parser directives
 * @param globalArgs the ARG instructions before the first FROM
 * @param stages the build stages, at least one
 * @param warnings things that parse now but that future Docker versions reject, each naming its line
 */
public record Dockerfile(String fileName, Directives directives, List<Instruction.Arg> globalArgs, List<Stage> stages,
        List<String> warnings) {

    public Dockerfile {
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
        warnings = List.copyOf(warnings);
    }

    /**
     * One build stage.
     *
     * @param index the 0-based position of the stage, by which {@code COPY --from=N} names it
     * @param from the FROM that starts it
     * @param instructions the instructions after the FROM, up to the next FROM
     */
    public record Stage(int index, Instruction.From from, List<Instruction> instructions) {
        public Stage {
            instructions = List.copyOf(instructions);
        }
    }

    /**
     * The instruction with build variables substituted, using this Dockerfile's escape character.
     *
     * @param variables the value of a variable in scope at the instruction, or null if unset
     * @throws DockerfileException naming this file and the instruction's line if a substitution fails
     */
    public <T extends Instruction> T expand(T instruction, Function<String, String> variables) {
        try {
            @SuppressWarnings("unchecked")
            T expanded = (T) instruction.expand(new VariableExpander(directives.escape(), variables));
            return expanded;
        } catch (VariableExpander.SubstitutionException e) {
            throw new DockerfileException(fileName, instruction.line(), e.getMessage());
        }
    }
}
