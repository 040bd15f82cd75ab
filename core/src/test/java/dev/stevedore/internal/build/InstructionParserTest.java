package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.stevedore.internal.build.Instruction.Add;
import dev.stevedore.internal.build.Instruction.Arg;
import dev.stevedore.internal.build.Instruction.ArgDefinition;
import dev.stevedore.internal.build.Instruction.Cmd;
import dev.stevedore.internal.build.Instruction.Command;
import dev.stevedore.internal.build.Instruction.Copy;
import dev.stevedore.internal.build.Instruction.Entrypoint;
import dev.stevedore.internal.build.Instruction.Env;
import dev.stevedore.internal.build.Instruction.Expose;
import dev.stevedore.internal.build.Instruction.From;
import dev.stevedore.internal.build.Instruction.Healthcheck;
import dev.stevedore.internal.build.Instruction.KeyValue;
import dev.stevedore.internal.build.Instruction.Label;
import dev.stevedore.internal.build.Instruction.Maintainer;
import dev.stevedore.internal.build.Instruction.Onbuild;
import dev.stevedore.internal.build.Instruction.Run;
import dev.stevedore.internal.build.Instruction.Shell;
import dev.stevedore.internal.build.Instruction.StopSignal;
import dev.stevedore.internal.build.Instruction.User;
import dev.stevedore.internal.build.Instruction.Volume;
import dev.stevedore.internal.build.Instruction.Workdir;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The checked instructions each syntax form gives, and every error with its exact message. */
class InstructionParserTest {

    private static final Optional<String> NONE = Optional.empty();

    /** Instructions on line 2, after {@code FROM scratch}. */
    static Stream<Arguments> instructions() {
        return Stream.of(
                arguments("ARG ", "ARG a b=1 c=\"x y\"", new Arg(2, List.of(new ArgDefinition("a", NONE),
                        new ArgDefinition("b", Optional.of("1")), new ArgDefinition("c", Optional.of("\"x y\""))))),
                arguments("ENV legacy", "ENV a b c", new Env(2, List.of(new KeyValue("a", "b c")))),
                arguments("ENV pairs", "ENV a=1 b=\"x y\"", new Env(2, List.of(new KeyValue("a", "1"), new KeyValue("b", "\"x y\"")))),
                arguments("LABEL legacy", "LABEL a b c", new Label(2, List.of(new KeyValue("a", "b c")))),
                arguments("LABEL pairs", "LABEL \"a.b\"=c d=", new Label(2, List.of(new KeyValue("\"a.b\"", "c"), new KeyValue("d", "")))),
                arguments("RUN shell", "RUN echo  hi", new Run(2, Command.shell("echo  hi"), List.of(), List.of(), NONE, NONE)),
                arguments("RUN exec", "RUN [\"echo\", \"hi\"]", new Run(2, new Command(List.of("echo", "hi"), true), List.of(), List.of(), NONE, NONE)),
                arguments("RUN flags", "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none --security=sandbox make",
                        new Run(2, Command.shell("make"), List.of(), List.of("type=cache,target=/c", "type=tmpfs,target=/t"),
                                Optional.of("none"), Optional.of("sandbox"))),
                arguments("RUN heredoc", "RUN <<EOF\necho hi\nEOF", new Run(2, Command.shell("<<EOF"),
                        List.of(new Heredoc("EOF", "echo hi\n", true)), List.of(), NONE, NONE)),
                arguments("CMD exec", "CMD [\"a\"]", new Cmd(2, new Command(List.of("a"), true))),
                arguments("CMD empty exec", "CMD []", new Cmd(2, new Command(List.of(), true))),
                arguments("CMD shell", "cmd a b", new Cmd(2, Command.shell("a b"))),
                arguments("ENTRYPOINT", "ENTRYPOINT [\"/bin/x\", \"-v\"]", new Entrypoint(2, new Command(List.of("/bin/x", "-v"), true))),
                arguments("COPY", "COPY a b /d/", new Copy(2, List.of("a", "b"), List.of(), "/d/", NONE, NONE, NONE, false, false, List.of())),
                arguments("COPY JSON", "COPY [\"a b\", \"/d\"]", new Copy(2, List.of("a b"), List.of(), "/d", NONE, NONE, NONE, false, false, List.of())),
                arguments("COPY flags", "COPY --from=build --chown=1:2 --chmod=0755 --link --parents=false --exclude=*.md --exclude=x a /d",
                        new Copy(2, List.of("a"), List.of(), "/d", Optional.of("build"), Optional.of("1:2"), Optional.of("0755"),
                                true, false, List.of("*.md", "x"))),
                arguments("COPY heredocs", "COPY <<one x <<\"two\" /d/\n1\none\n2\ntwo",
                        new Copy(2, List.of("x"), List.of(new Heredoc("one", "1\n", true), new Heredoc("two", "2\n", false)), "/d/",
                                NONE, NONE, NONE, false, false, List.of())),
                arguments("ADD", "ADD --checksum=sha256:ab --keep-git-dir --link=true --chown=u --chmod=600 --exclude=e http://h/f /d",
                        new Add(2, List.of("http://h/f"), List.of(), "/d", Optional.of("u"), Optional.of("600"), true,
                                Optional.of("sha256:ab"), true, List.of("e"))),
                arguments("WORKDIR", "WORKDIR /a b", new Workdir(2, "/a b")),
                arguments("USER", "USER 1000:1000", new User(2, "1000:1000")),
                arguments("EXPOSE", "EXPOSE 80 53/udp", new Expose(2, List.of("80", "53/udp"))),
                arguments("VOLUME words", "VOLUME /a /b", new Volume(2, List.of("/a", "/b"))),
                arguments("VOLUME JSON", "VOLUME [\"/a b\"]", new Volume(2, List.of("/a b"))),
                arguments("SHELL", "SHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]", new Shell(2, List.of("/bin/bash", "-eo", "pipefail", "-c"))),
                arguments("STOPSIGNAL", "STOPSIGNAL SIGKILL", new StopSignal(2, "SIGKILL")),
                arguments("MAINTAINER", "MAINTAINER A <a@b>", new Maintainer(2, "A <a@b>")),
                arguments("HEALTHCHECK NONE", "HEALTHCHECK none", new Healthcheck(2, Optional.empty(), Optional.empty(), Optional.empty(),
                        Optional.empty(), Optional.empty(), Optional.empty())),
                arguments("HEALTHCHECK CMD", "HEALTHCHECK --interval=1m30s --timeout=500ms --start-period=1.5h --start-interval=0 --retries=3 CMD curl -f x",
                        new Healthcheck(2, Optional.of(Command.shell("curl -f x")), Optional.of(Duration.ofSeconds(90)),
                                Optional.of(Duration.ofMillis(500)), Optional.of(Duration.ofMinutes(90)), Optional.of(Duration.ZERO),
                                Optional.of(3))),
                arguments("HEALTHCHECK exec", "HEALTHCHECK cmd [\"c\", \"a\"]", new Healthcheck(2, Optional.of(new Command(List.of("c", "a"), true)),
                        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty())),
                arguments("ONBUILD", "ONBUILD  RUN echo  hi", new Onbuild(2, "RUN echo  hi", new Run(2, Command.shell("echo  hi"),
                        List.of(), List.of(), NONE, NONE))),
                arguments("ONBUILD COPY", "ONBUILD COPY --chown=1 . /", new Onbuild(2, "COPY --chown=1 . /",
                        new Copy(2, List.of("."), List.of(), "/", NONE, Optional.of("1"), NONE, false, false, List.of()))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("instructions")
    void parsesEachInstruction(String name, String text, Instruction expected) {
        Dockerfile d = DockerfileParser.parse("FROM scratch\n" + text + "\n", "Dockerfile");
        assertThat(d.stages().get(0).instructions()).containsExactly(expected);
    }

    @Test
    void splitsStagesAndGlobalArgs() {
        Dockerfile d = DockerfileParser.parse("""
                # syntax=docker/dockerfile:1
                ARG BASE=busybox
                ARG V
                FROM ${BASE} AS Build
                RUN make
                from --platform=$P build as final
                COPY --from=build /a /b
                FROM scratch
                """, "Dockerfile");
        assertThat(d.globalArgs()).containsExactly(new Arg(2, List.of(new ArgDefinition("BASE", Optional.of("busybox")))),
                new Arg(3, List.of(new ArgDefinition("V", NONE))));
        assertThat(d.stages()).extracting(Dockerfile.Stage::index).containsExactly(0, 1, 2);
        assertThat(d.stages()).extracting(Dockerfile.Stage::from).containsExactly(
                new From(4, "${BASE}", Optional.of("build"), NONE),
                new From(6, "build", Optional.of("final"), Optional.of("$P")),
                new From(8, "scratch", NONE, NONE));
        assertThat(d.stages().get(0).instructions()).containsExactly(new Run(5, Command.shell("make"), List.of(), List.of(), NONE, NONE));
        assertThat(d.stages().get(2).instructions()).isEmpty();
        assertThat(d.directives().syntax()).contains("docker/dockerfile:1");
    }

    @Test
    void healthcheckConfigTestIsDockersForm() {
        Dockerfile d = DockerfileParser.parse("FROM a\nHEALTHCHECK NONE\nHEALTHCHECK CMD x y\nHEALTHCHECK CMD [\"x\", \"y\"]\n", "D");
        assertThat(d.stages().get(0).instructions()).map(i -> ((Healthcheck) i).configTest()).containsExactly(
                List.of("NONE"), List.of("CMD-SHELL", "x y"), List.of("CMD", "x", "y"));
    }

    @Test
    void runShellScriptCarriesHeredocs() {
        Dockerfile d = DockerfileParser.parse("""
                FROM a
                RUN <<EOF
                echo one
                EOF
                RUN cat <<A > /a && cat <<-'B' > /b
                $x
                A
                \tb
                \tB
                RUN echo plain
                """, "D");
        assertThat(d.stages().get(0).instructions()).map(i -> ((Run) i).shellScript()).containsExactly(
                "echo one\n", "cat <<A > /a && cat <<-'B' > /b\n$x\nA\nb\nB", "echo plain");
    }

    @Test
    void onbuildTriggerCarriesItsHeredocsAndParsesBackToTheSameInstruction() {
        Dockerfile d = DockerfileParser.parse("FROM a\nONBUILD RUN <<-EOF\n\techo $x\n\tEOF\n", "D");
        Onbuild onbuild = (Onbuild) d.stages().get(0).instructions().get(0);
        assertThat(onbuild.trigger()).isEqualTo("RUN <<-EOF\necho $x\nEOF");
        assertThat(onbuild.instruction()).isEqualTo(new Run(2, Command.shell("<<-EOF"),
                List.of(new Heredoc("EOF", "echo $x\n", true)), List.of(), NONE, NONE));
        Dockerfile later = DockerfileParser.parse("FROM b\n" + onbuild.trigger(), "D");
        assertThat(later.stages().get(0).instructions()).containsExactly(onbuild.instruction());
    }

    static Stream<Arguments> errors() {
        return Stream.of(
                arguments("FROM a\nFOO bar", "Dockerfile:2: unknown instruction: FOO"),
                arguments("FROM a\n\nfoo", "Dockerfile:3: unknown instruction: foo"),
                arguments("FROM a\nONBUILD BAR x", "Dockerfile:2: unknown instruction: BAR"),
                arguments("RUN x", "Dockerfile:1: RUN comes before the first FROM: only ARG may precede FROM"),
                arguments("# c\nARG a\nenv b=c\nFROM x", "Dockerfile:3: ENV comes before the first FROM: only ARG may precede FROM"),
                arguments("", "Dockerfile:1: the Dockerfile has no instructions: a build needs at least one FROM instruction"),
                arguments("# only a comment\n", "Dockerfile:1: the Dockerfile has no instructions: a build needs at least one FROM instruction"),
                arguments("ARG a\nARG b", "Dockerfile:2: the Dockerfile has no FROM: a build needs at least one FROM instruction"),
                arguments("FROM", "Dockerfile:1: FROM requires an image: write FROM image [AS name]"),
                arguments("FROM a b", "Dockerfile:1: FROM a b is not an image with an optional stage name: write FROM image [AS name]"),
                arguments("FROM a AS", "Dockerfile:1: FROM a AS is not an image with an optional stage name: write FROM image [AS name]"),
                arguments("FROM a AS 1x", "Dockerfile:1: invalid stage name 1x: a stage name starts with a letter and holds letters, digits, -, _ and ."),
                arguments("FROM a AS b\nFROM c AS B", "Dockerfile:2: the stage name b is already taken by the FROM on line 1: give each stage its own name"),
                arguments("FROM a\nENV", "Dockerfile:2: ENV requires at least one argument: write ENV name=value"),
                arguments("FROM a\nENV a", "Dockerfile:2: ENV a has no value: write ENV a=value"),
                arguments("FROM a\nLABEL x", "Dockerfile:2: LABEL x has no value: write LABEL x=value"),
                arguments("FROM a\nENV a=1 b", "Dockerfile:2: ENV: no = in \"b\": write each as name=value"),
                arguments("FROM a\nENV =1", "Dockerfile:2: ENV =1 has no name: write ENV name=value"),
                arguments("FROM a\nLABEL", "Dockerfile:2: LABEL requires at least one argument: write LABEL name=value"),
                arguments("FROM a\nARG", "Dockerfile:2: ARG requires at least one argument"),
                arguments("FROM a\nARG =x", "Dockerfile:2: ARG =x has no name: write ARG name[=default]"),
                arguments("FROM a\nRUN", "Dockerfile:2: RUN requires a command: write RUN command or RUN [\"executable\", \"arg\"]"),
                arguments("FROM a\nRUN []", "Dockerfile:2: RUN requires a command: write RUN command or RUN [\"executable\", \"arg\"]"),
                arguments("FROM a\nHEALTHCHECK CMD []", "Dockerfile:2: HEALTHCHECK CMD requires a command"),
                arguments("FROM a\nCMD", "Dockerfile:2: CMD requires a command: write CMD [\"executable\", \"arg\"] or CMD command"),
                arguments("FROM a\nENTRYPOINT", "Dockerfile:2: ENTRYPOINT requires a command: write ENTRYPOINT [\"executable\", \"arg\"] or ENTRYPOINT command"),
                arguments("FROM a\nCMD [\"a\", [\"b\"]]", "Dockerfile:2: the JSON array [\"a\", [\"b\"]] holds something other than strings: the exec form takes strings only, such as [\"echo\", \"hi\"]"),
                arguments("FROM a\nRUN [1]", "Dockerfile:2: the JSON array [1] holds something other than strings: the exec form takes strings only, such as [\"echo\", \"hi\"]"),
                arguments("FROM a\nRUN [\"a\", -1.5e+3, true, false, null, {\"k\": [0, {}]}, []]",
                        "Dockerfile:2: the JSON array [\"a\", -1.5e+3, true, false, null, {\"k\": [0, {}]}, []] holds something other than strings: the exec form takes strings only, such as [\"echo\", \"hi\"]"),
                arguments("FROM a\nSHELL /bin/sh -c", "Dockerfile:2: SHELL requires the arguments in JSON form, such as SHELL [\"/bin/sh\", \"-c\"]"),
                arguments("FROM a\nSHELL [\"/bin/sh\", \"-c\"", "Dockerfile:2: SHELL requires the arguments in JSON form, such as SHELL [\"/bin/sh\", \"-c\"]"),
                arguments("FROM a\nSHELL []", "Dockerfile:2: SHELL requires at least one argument"),
                arguments("FROM a\nCOPY a", "Dockerfile:2: COPY requires at least two arguments, the sources and the destination: write COPY source... destination"),
                arguments("FROM a\nADD", "Dockerfile:2: ADD requires at least two arguments, the sources and the destination: write ADD source... destination"),
                arguments("FROM a\nWORKDIR", "Dockerfile:2: WORKDIR requires exactly one argument"),
                arguments("FROM a\nUSER", "Dockerfile:2: USER requires exactly one argument"),
                arguments("FROM a\nSTOPSIGNAL", "Dockerfile:2: STOPSIGNAL requires exactly one argument"),
                arguments("FROM a\nMAINTAINER", "Dockerfile:2: MAINTAINER requires exactly one argument"),
                arguments("FROM a\nEXPOSE", "Dockerfile:2: EXPOSE requires at least one argument"),
                arguments("FROM a\nVOLUME", "Dockerfile:2: VOLUME requires at least one argument"),
                arguments("FROM a\nVOLUME [\"\"]", "Dockerfile:2: VOLUME names an empty path"),
                arguments("FROM a\nHEALTHCHECK", "Dockerfile:2: HEALTHCHECK requires NONE or CMD: write HEALTHCHECK [options] CMD command"),
                arguments("FROM a\nHEALTHCHECK NONE x", "Dockerfile:2: HEALTHCHECK NONE takes no arguments"),
                arguments("FROM a\nHEALTHCHECK --retries=1 NONE", "Dockerfile:2: HEALTHCHECK NONE takes no options"),
                arguments("FROM a\nHEALTHCHECK CONNECT TCP 7000", "Dockerfile:2: unknown HEALTHCHECK type CONNECT: use CMD or NONE"),
                arguments("FROM a\nHEALTHCHECK CMD", "Dockerfile:2: HEALTHCHECK CMD requires a command"),
                arguments("FROM a\nHEALTHCHECK --interval=5x CMD c", "Dockerfile:2: HEALTHCHECK --interval=5x is not a duration: write such as 30s, 1m30s or 500ms"),
                arguments("FROM a\nHEALTHCHECK --timeout=10 CMD c", "Dockerfile:2: HEALTHCHECK --timeout=10 is not a duration: write such as 30s, 1m30s or 500ms"),
                arguments("FROM a\nHEALTHCHECK --timeout=10us CMD c", "Dockerfile:2: HEALTHCHECK --timeout=10us is too short: it must be at least 1ms"),
                arguments("FROM a\nHEALTHCHECK --retries=-1 CMD c", "Dockerfile:2: HEALTHCHECK --retries=-1 is not a count: write a whole number, 0 or more"),
                arguments("FROM a\nONBUILD", "Dockerfile:2: ONBUILD requires an instruction: write ONBUILD RUN command, for example"),
                arguments("FROM a\nONBUILD ONBUILD RUN x", "Dockerfile:2: ONBUILD is not allowed as an ONBUILD trigger"),
                arguments("FROM a\nONBUILD from b", "Dockerfile:2: FROM is not allowed as an ONBUILD trigger"),
                arguments("FROM a\nONBUILD MAINTAINER me", "Dockerfile:2: MAINTAINER is not allowed as an ONBUILD trigger"),
                arguments("FROM a\nCOPY --foo=1 a b", "Dockerfile:2: unknown flag --foo for COPY: COPY takes --from, --chown, --chmod, --link, --parents, --exclude"),
                arguments("FROM a\nADD --from=x a b", "Dockerfile:2: unknown flag --from for ADD: ADD takes --chown, --chmod, --link, --checksum, --keep-git-dir, --exclude"),
                arguments("FROM a\nCMD --doit [\"a\"]", "Dockerfile:2: unknown flag --doit for CMD: CMD takes no flags"),
                arguments("FROM --plat=x a", "Dockerfile:1: unknown flag --plat for FROM: FROM takes --platform"),
                arguments("FROM a\nCOPY --from a b", "Dockerfile:2: COPY --from needs a value: write --from=VALUE"),
                arguments("FROM a\nCOPY --link=yes a b", "Dockerfile:2: COPY --link takes true or false, not yes"),
                arguments("FROM a\nCOPY --from=x --from=y a b", "Dockerfile:2: COPY --from is given twice: give it once"),
                arguments("FROM a\nRUN --network=bridge x", "Dockerfile:2: RUN --network=bridge is not supported: use default, none or host"),
                arguments("FROM a\nRUN --security=x y", "Dockerfile:2: RUN --security=x is not supported: use sandbox or insecure"),
                arguments("FROM a\nRUN <<EOF\necho\nEOFX", "Dockerfile:2: the here-document <<EOF is not terminated: end it with a line reading EOF"),
                arguments("FROM a\nCOPY <<A <<B /d\na\nA\nb", "Dockerfile:2: the here-document <<B is not terminated: end it with a line reading B"),
                arguments("# escape=x\nFROM a", "Dockerfile:1: invalid escape character 'x': use \\ or `"),
                arguments("# escape=`\n# Escape=\\\nFROM a", "Dockerfile:2: the escape parser directive is given twice; give it once"),
                arguments("# syntax=a\n#syntax=b\nFROM a", "Dockerfile:2: the syntax parser directive is given twice; give it once"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("errors")
    void rejectsMalformedDockerfiles(String dockerfile, String message) {
        assertThatThrownBy(() -> DockerfileParser.parse(dockerfile, "Dockerfile"))
                .isInstanceOf(DockerfileException.class).hasMessage(message).hasNoCause();
    }

    @Test
    void namesTheActualFileInMessages(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("app.Dockerfile");
        Files.writeString(file, "FROM a\n\nBOGUS x\n");
        assertThatThrownBy(() -> DockerfileParser.parse(file)).isInstanceOf(DockerfileException.class)
                .hasMessage("app.Dockerfile:3: unknown instruction: BOGUS")
                .satisfies(e -> {
                    DockerfileException d = (DockerfileException) e;
                    assertThat(d.fileName()).isEqualTo("app.Dockerfile");
                    assertThat(d.line()).isEqualTo(3);
                    assertThat(d.problem()).isEqualTo("unknown instruction: BOGUS");
                });
    }
}
