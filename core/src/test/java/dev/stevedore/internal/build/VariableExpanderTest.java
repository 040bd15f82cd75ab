package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.internal.build.Instruction.Command;
import dev.stevedore.internal.build.Instruction.KeyValue;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VariableExpanderTest {

    /** a=A, e is set but empty, u is unset, sp="x y". */
    private static final Map<String, String> VARS = Map.of("a", "A", "e", "", "sp", "x y", "_b1", "B", "1", "one");

    private static String expand(char escape, String word) {
        return new VariableExpander(escape, VARS::get).word(word);
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "$a|A", "${a}|A", "x$a.y|xA.y", "$_b1|B", "$a$a|AA", "${a}b|Ab", "$ab|", "$1x|onex",
            "$u|", "${u}|", "$|$", "a$|a$", "$-|$-", "$/x|$/x", "${sp}|x y",
            "${u:-d}|d", "${e:-d}|d", "${a:-d}|A", "${u-d}|d", "${e-d}|", "${a-d}|A",
            "${u:+x}|", "${e:+x}|", "${a:+x}|x", "${u+x}|", "${e+x}|x", "${a+x}|x",
            "${u:-$a}|A", "${u:-${u:-${a}}}|A", "${u:-a b}|a b", "${u:-\"}\"}|}", "${u:-'$a'}|$a", "${a:+[$a]}|[A]",
            "${a:?no}|A", "${e?no}|", "${u:+${u:?never}}|",
            "'$a'|$a", "\"$a\"|A", "\"'$a'\"|'A'", "'\"$a\"'|\"$a\"", "a'b c'd|ab cd", "\"a b\"|a b", "\"\"|",
            "\\$a|$a", "\\${a}|${a}", "a\\ b|a b", "\\\\$a|\\A", "\\x|x", "end\\|end",
            "\"\\$a\"|$a", "\"\\\"\"|\"", "\"\\\\\"|\\", "\"\\x\"|\\x", "'\\$a'|\\$a",
            "~  spaced  words ~|~  spaced  words ~"})
    void expandsWords(String word, String expected) {
        assertThat(expand('\\', word)).isEqualTo(expected == null ? "" : expected);
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {"`$a|$a", "C:\\dir\\$a|C:\\dir\\A", "`\\|\\", "\"`\"\"|\""})
    void backtickEscapes(String word, String expected) {
        assertThat(expand('`', word)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
            "${u:?must be set}|u: must be set",
            "${e:?}|e: parameter null or not set",
            "${u?}|u: parameter not set",
            "${a|missing '}' in ${a",
            "${u:-x|missing '}' in ${u:-x",
            "${|missing '}' in ${",
            "${}|bad substitution ${}: a variable name is letters, digits and _",
            "${a#x}|unsupported modifier # in ${a...}: use :-, -, :+, +, :? or ?",
            "${a:x}|unsupported modifier :x in ${a...}: use :-, -, :+, +, :? or ?",
            "'open|unterminated single quote in 'open",
            "\"open|unterminated double quote in \"open"})
    void reportsBadSubstitutions(String word, String message) {
        assertThatThrownBy(() -> expand('\\', word)).isInstanceOf(VariableExpander.SubstitutionException.class)
                .hasMessage(message);
    }

    @Test
    void heredocBodiesKeepQuotesAndOtherEscapes() {
        VariableExpander x = new VariableExpander('\\', VARS::get);
        assertThat(x.heredoc("echo \"$a\" '${u:-d}' \\$a \\\\ \\n\n")).isEqualTo("echo \"A\" 'd' $a \\ \\n\n");
    }

    private static final Dockerfile FILE = DockerfileParser.parse("""
            FROM ${a}:$u AS s
            ARG x=$a y
            ENV k1=$a "k 2"="${a} b" k3='$a'
            ENV old "$a" 'x'
            LABEL "l.$a"="v $a"
            COPY --from=$a --chown=$a:$a --chmod=$a --exclude=$a <<E $a /d/$a/
            body $a "q"
            E
            ADD --chown=$a --checksum=$a $a /$a
            WORKDIR /w/$a
            USER $a:${u:-0}
            EXPOSE $a 80/$a
            VOLUME ["/v/$a"]
            STOPSIGNAL SIG$a
            RUN --mount=type=cache,target=/$a echo $a
            CMD echo $a
            ENTRYPOINT ["$a"]
            SHELL ["/bin/$a"]
            HEALTHCHECK CMD $a
            ONBUILD RUN $a
            MAINTAINER $a
            """, "Dockerfile");

    @Test
    void expandsTheInstructionsDockerExpandsAndNoOthers() {
        List<Instruction> body = FILE.stages().get(0).instructions();
        List<Instruction> expanded = body.stream().map(i -> FILE.expand(i, VARS::get)).toList();
        assertThat(FILE.expand(FILE.stages().get(0).from(), VARS::get))
                .isEqualTo(new Instruction.From(1, "A:", Optional.of("s"), Optional.empty()));
        assertThat(expanded.subList(0, 15)).containsExactly(
                new Instruction.Arg(2, List.of(new Instruction.ArgDefinition("x", Optional.of("A")),
                        new Instruction.ArgDefinition("y", Optional.empty()))),
                new Instruction.Env(3, List.of(new KeyValue("k1", "A"), new KeyValue("k 2", "A b"), new KeyValue("k3", "$a"))),
                new Instruction.Env(4, List.of(new KeyValue("old", "A x"))),
                new Instruction.Label(5, List.of(new KeyValue("l.A", "v A"))),
                new Instruction.Copy(6, List.of("A"), List.of(new Heredoc("E", "body A \"q\"\n", true)), "/d/A/",
                        Optional.of("A"), Optional.of("A:A"), Optional.of("A"), false, false, List.of("A")),
                new Instruction.Add(9, List.of("A"), List.of(), "/A", Optional.of("A"), Optional.empty(), false,
                        Optional.of("A"), false, List.of()),
                new Instruction.Workdir(10, "/w/A"),
                new Instruction.User(11, "A:0"),
                new Instruction.Expose(12, List.of("A", "80/A")),
                new Instruction.Volume(13, List.of("/v/A")),
                new Instruction.StopSignal(14, "SIGA"),
                new Instruction.Run(15, Command.shell("echo $a"), List.of(), List.of("type=cache,target=/A"),
                        Optional.empty(), Optional.empty()),
                new Instruction.Cmd(16, Command.shell("echo $a")),
                new Instruction.Entrypoint(17, new Command(List.of("$a"), true)),
                new Instruction.Shell(18, List.of("/bin/$a")));
        assertThat(expanded.subList(15, expanded.size())).isEqualTo(body.subList(15, body.size()));
    }

    @Test
    void splitsAnExposedVariableIntoPorts() {
        Dockerfile d = DockerfileParser.parse("FROM a\nEXPOSE $p\n", "D");
        assertThat(d.expand(d.stages().get(0).instructions().get(0), Map.of("p", " 80  443/udp ")::get))
                .isEqualTo(new Instruction.Expose(2, List.of("80", "443/udp")));
    }

    @Test
    void usesTheBacktickEscapeOfTheDockerfile() {
        Dockerfile d = DockerfileParser.parse("# escape=`\nFROM a\nWORKDIR C:\\$a`$a\n", "D");
        assertThat(d.expand(d.stages().get(0).instructions().get(0), VARS::get)).isEqualTo(new Instruction.Workdir(3, "C:\\A$a"));
    }

    @Test
    void namesFileAndLineWhenASubstitutionFails() {
        Dockerfile d = DockerfileParser.parse("FROM a\n\nENV x=\"${missing:?set it with --build-arg}\"\n", "build.Dockerfile");
        assertThatThrownBy(() -> d.expand(d.stages().get(0).instructions().get(0), VARS::get))
                .isInstanceOf(DockerfileException.class)
                .hasMessage("build.Dockerfile:3: missing: set it with --build-arg");
    }
}
