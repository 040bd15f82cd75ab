package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every syntax form, checked through the classic dump (the format the conformance corpus uses). */
class SyntaxParserTest {

    static Stream<Arguments> forms() {
        return Stream.of(
                // keywords, comments, blank lines
                arguments("keyword case", "from busybox\nRuN echo hi\n", "(from \"busybox\")\n(run \"echo hi\")\n"),
                arguments("comments and blank lines", "# c\n\nFROM a\n   # indented comment\nRUN echo # not a comment\n",
                        "(from \"a\")\n(run \"echo # not a comment\")\n"),
                arguments("leading whitespace", "   FROM a\n\tRUN b\n", "(from \"a\")\n(run \"b\")\n"),
                arguments("empty file", "", "\n"),
                arguments("CRLF and BOM", "\uFEFFFROM a\r\nRUN b \\\r\n  c\r\n", "(from \"a\")\n(run \"b   c\")\n"),
                arguments("no final newline", "FROM a\nRUN b", "(from \"a\")\n(run \"b\")\n"),
                // continuations
                arguments("continuation keeps next line's indent", "RUN a \\\n\tb \\\n  c\n", "(run \"a \\tb   c\")\n"),
                arguments("escape followed by spaces", "RUN a \\  \nb\n", "(run \"a b\")\n"),
                arguments("empty continuation lines", "RUN a \\\n\nb \\\n   \nc\n", "(run \"a b c\")\n"),
                arguments("comment lines inside a continuation", "RUN a \\\n# x\n  # y \\\nb\n", "(run \"a b\")\n"),
                arguments("continuation at end of file", "RUN a \\", "(run \"a\")\n"),
                arguments("backslash not at end", "RUN echo a\\b\n", "(run \"echo a\\\\b\")\n"),
                arguments("escaped escape at end is no continuation", "RUN echo a\\\\\nRUN b\n",
                        "(run \"echo a\\\\\\\\\")\n(run \"b\")\n"),
                arguments("escaped backtick at end is no continuation", "# escape=`\nRUN a``\nRUN b\n",
                        "(run \"a``\")\n(run \"b\")\n"),
                arguments("escape alone at the end", "FROM a\n\\\n", "(from \"a\")\n"),
                arguments("escape alone on a line", "RUN a \\\n\\\n  b\n", "(run \"a   b\")\n"),
                // directives
                arguments("escape backtick", "# escape=`\nFROM a\nRUN dir c:\\ `\n  /w\n", "(from \"a\")\n(run \"dir c:\\\\   /w\")\n"),
                arguments("directive key case and spaces", "#  ESCAPE =  `\nRUN a `\nb\n", "(run \"a b\")\n"),
                arguments("directive after a comment is a comment", "# hi\n# escape=`\nRUN a `\nRUN b\n",
                        "(run \"a `\")\n(run \"b\")\n"),
                arguments("directive after a blank line is a comment", "\n# escape=`\nRUN a `\nRUN b\n",
                        "(run \"a `\")\n(run \"b\")\n"),
                arguments("unknown directive ends directives", "# foo=bar\n# escape=`\nRUN a `\nRUN b\n",
                        "(run \"a `\")\n(run \"b\")\n"),
                // exec and shell forms
                arguments("exec form", "CMD [\"a\", \"b c\"]\n", "(cmd \"a\" \"b c\")\n"),
                arguments("exec form, tabs and no spaces", "ENTRYPOINT\t[\t\"a\",\"b\"\t]\t\n", "(entrypoint \"a\" \"b\")\n"),
                arguments("empty exec form", "CMD []\n", "(cmd)\n"),
                arguments("JSON escapes decoded", "RUN [\"\\u0000\\t\\\"\\/\", \"\u2665\"]\n",
                        "(run \"\\x00\\t\\\"/\" \"\u2665\")\n"),
                arguments("single quotes are not JSON", "CMD ['a']\n", "(cmd \"['a']\")\n"),
                arguments("unterminated JSON is shell form", "CMD [\"a\"\n", "(cmd \"[\\\"a\\\"\")\n"),
                arguments("JSON followed by text is shell form", "CMD [\"a\"] b\n", "(cmd \"[\\\"a\\\"] b\")\n"),
                arguments("COPY JSON form", "COPY [\"a b\", \"/c d\"]\n", "(copy \"a b\" \"/c d\")\n"),
                arguments("JSON escapes of every kind", "CMD [\"\\b\\f\\n\\r\\\\\\u00e9\\u2665\"]\n",
                        "(cmd \"\\b\\f\\n\\r\\\\\u00e9\u2665\")\n"),
                arguments("space around JSON", "CMD  [ \"a\" , \"b\" ]  \n", "(cmd \"a\" \"b\")\n"),
                arguments("an unknown escape is not JSON", "CMD [\"\\x\"]\n", "(cmd \"[\\\"\\\\x\\\"]\")\n"),
                arguments("a short \\u escape is not JSON", "CMD [\"\\u12\"]\n", "(cmd \"[\\\"\\\\u12\\\"]\")\n"),
                arguments("a trailing comma is not JSON", "CMD [\"a\",]\n", "(cmd \"[\\\"a\\\",]\")\n"),
                arguments("an unclosed inner array is not JSON", "CMD [[]\n", "(cmd \"[[]\")\n"),
                arguments("a bare word is not JSON", "CMD [a]\n", "(cmd \"[a]\")\n"),
                arguments("a number with a leading zero is not JSON", "CMD [01]\n", "(cmd \"[01]\")\n"),
                arguments("COPY words", "ADD\t\ta  b\t/c\n", "(add \"a\" \"b\" \"/c\")\n"),
                arguments("VOLUME words and JSON", "VOLUME /a /b\nVOLUME [\"/c\"]\n", "(volume \"/a\" \"/b\")\n(volume \"/c\")\n"),
                arguments("SHELL", "SHELL [\"/bin/bash\", \"-c\"]\n", "(shell \"/bin/bash\" \"-c\")\n"),
                // flags
                arguments("flags", "COPY --from=b --chown=1:2 --chmod=644 --link a /b\n",
                        "(copy [\"--from=b\" \"--chown=1:2\" \"--chmod=644\" \"--link\"] \"a\" \"/b\")\n"),
                arguments("flag quotes removed", "COPY --chown=\"a b\" x y\n", "(copy [\"--chown=a b\"] \"x\" \"y\")\n"),
                arguments("-- ends flags", "COPY --link -- --x /y\n", "(copy [\"--link\"] \"--x\" \"/y\")\n"),
                arguments("RUN flags", "RUN --mount=type=cache,target=/c --network=none make\n",
                        "(run [\"--mount=type=cache,target=/c\" \"--network=none\"] \"make\")\n"),
                arguments("FROM platform and AS", "FROM --platform=linux/amd64 a AS b\n",
                        "(from [\"--platform=linux/amd64\"] \"a\" \"AS\" \"b\")\n"),
                arguments("ADD checksum, keep-git-dir, exclude",
                        "ADD --checksum=sha256:00 --keep-git-dir --exclude=*.md u /d\n",
                        "(add [\"--checksum=sha256:00\" \"--keep-git-dir\" \"--exclude=*.md\"] \"u\" \"/d\")\n"),
                // ENV, LABEL, ARG
                arguments("ENV legacy form", "ENV a b  c\n", "(env \"a\" \"b  c\")\n"),
                arguments("ENV = form", "ENV a=1 b=\"x y\" c=d\\ e\n", "(env \"a\" \"1\" \"b\" \"\\\"x y\\\"\" \"c\" \"d\\\\ e\")\n"),
                arguments("ENV empty value", "ENV a= b=''\n", "(env \"a\" \"\" \"b\" \"''\")\n"),
                arguments("LABEL both forms", "LABEL a b c\nLABEL \"x\"=\"y z\" w=1\n",
                        "(label \"a\" \"b c\")\n(label \"\\\"x\\\"\" \"\\\"y z\\\"\" \"w\" \"1\")\n"),
                arguments("ARG", "ARG a\nARG b=1 c=\"x y\"\n", "(arg \"a\")\n(arg \"b=1\" \"c=\\\"x y\\\"\")\n"),
                arguments("ENV value across lines", "ENV a=\"x \\\n   y\"\n", "(env \"a\" \"\\\"x    y\\\"\")\n"),
                // the rest
                arguments("one-string instructions", "USER a b\nWORKDIR /a b\nSTOPSIGNAL SIGTERM\nMAINTAINER Me <m@e>\n",
                        "(user \"a b\")\n(workdir \"/a b\")\n(stopsignal \"SIGTERM\")\n(maintainer \"Me <m@e>\")\n"),
                arguments("EXPOSE", "EXPOSE 80 443/tcp\n", "(expose \"80\" \"443/tcp\")\n"),
                arguments("HEALTHCHECK", "HEALTHCHECK NONE\nHEALTHCHECK --interval=5s CMD [\"c\"]\nHEALTHCHECK CMD a  b\n",
                        "(healthcheck \"NONE\")\n(healthcheck [\"--interval=5s\"] \"CMD\" \"c\")\n(healthcheck \"CMD\" \"a  b\")\n"),
                arguments("ONBUILD", "ONBUILD RUN [\"a\"]\nonbuild copy --chown=1 . /\n",
                        "(onbuild (run \"a\"))\n(onbuild (copy [\"--chown=1\"] \".\" \"/\"))\n"),
                arguments("unknown keyword kept", "FOO bar baz\n", "(foo \"bar baz\")\n"),
                // here-documents
                arguments("RUN heredoc", "RUN <<EOF\necho $a\n  b\nEOF\nRUN c\n",
                        "(run \"<<EOF\" (heredoc \"EOF\" \"echo $a\\n  b\\n\"))\n(run \"c\")\n"),
                arguments("heredoc body keeps comments and escapes", "RUN <<X\n# c\na \\\n\nX\n",
                        "(run \"<<X\" (heredoc \"X\" \"# c\\na \\\\\\n\\n\"))\n"),
                arguments("<<- strips tabs", "RUN <<-EOF\n\t\techo a\n\tEOF\n",
                        "(run \"<<-EOF\" (heredoc \"EOF\" \"echo a\\n\"))\n"),
                arguments("two heredocs on one line", "RUN cat <<A /dev/fd/3 3<<B\na\nA\nb\nB\n",
                        "(run \"cat <<A /dev/fd/3 3<<B\" (heredoc \"A\" \"a\\n\") (heredoc \"B\" \"b\\n\"))\n"),
                arguments("COPY heredoc", "COPY <<EOF /f\nhello\nEOF\n", "(copy \"<<EOF\" \"/f\" (heredoc \"EOF\" \"hello\\n\"))\n"),
                arguments("quoted heredoc delimiter", "RUN <<\"EOF\"\n$x\nEOF\n",
                        "(run \"<<\\\"EOF\\\"\" (heredoc \"EOF\" \"$x\\n\"))\n"),
                arguments("heredoc after a continuation", "RUN cat \\\n  <<EOF\nx\nEOF\n",
                        "(run \"cat   <<EOF\" (heredoc \"EOF\" \"x\\n\"))\n"),
                arguments("quoted << is not a heredoc", "RUN echo \"<<EOF\"\nRUN b\n", "(run \"echo \\\"<<EOF\\\"\")\n(run \"b\")\n"),
                arguments("here-string is not a heredoc", "RUN cat <<<word\nRUN b\n", "(run \"cat <<<word\")\n(run \"b\")\n"),
                arguments("exec form has no heredoc", "RUN [\"cat\", \"<<EOF\"]\nRUN b\n", "(run \"cat\" \"<<EOF\")\n(run \"b\")\n"),
                arguments("ONBUILD RUN heredoc", "ONBUILD RUN <<EOF\nx\nEOF\nRUN b\n",
                        "(onbuild (run \"<<EOF\" (heredoc \"EOF\" \"x\\n\")))\n(run \"b\")\n"),
                arguments("CMD has no heredoc", "CMD cat <<EOF\nRUN b\n", "(cmd \"cat <<EOF\")\n(run \"b\")\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forms")
    void dumpsEachForm(String name, String dockerfile, String expected) {
        assertThat(DockerfileDump.dump(DockerfileParser.parseSyntax(dockerfile, "Dockerfile"))).isEqualTo(expected);
    }

    @Test
    void recordsLineNumbersIncludingContinuationsAndHeredocs() {
        SyntaxTree tree = DockerfileParser.parseSyntax("# syntax=x\n\nFROM a\nRUN b \\\n\n  c\nCOPY <<E /f\nx\nE\nUSER u\n", "D");
        assertThat(tree.nodes()).extracting(SyntaxNode::startLine).containsExactly(3, 4, 7, 10);
        assertThat(tree.nodes()).extracting(SyntaxNode::endLine).containsExactly(3, 6, 9, 10);
        assertThat(tree.warnings()).containsExactly("D:5: empty continuation line (future Docker versions reject it)");
    }

    @Test
    void keepsDirectives() {
        SyntaxTree tree = DockerfileParser.parseSyntax(
                "# syntax=docker/dockerfile:1\n# Check = skip=JSONArgsRecommended;error=true \n#escape=`\nFROM a\n", "D");
        assertThat(tree.directives()).isEqualTo(new Directives('`', Optional.of("docker/dockerfile:1"),
                Optional.of("skip=JSONArgsRecommended;error=true")));
        assertThat(DockerfileParser.parseSyntax("FROM a\n", "D").directives()).isEqualTo(Directives.DEFAULT);
    }

    @Test
    void heredocQuotingDecidesExpansion() {
        SyntaxTree tree = DockerfileParser.parseSyntax(
                "COPY <<a <<\"b\" <<'c' <<d\\e /d/\n1\na\n2\nb\n3\nc\n4\nde\n", "D");
        assertThat(tree.nodes().get(0).heredocs()).containsExactly(new Heredoc("a", "1\n", true),
                new Heredoc("b", "2\n", false), new Heredoc("c", "3\n", false), new Heredoc("de", "4\n", false));
    }

    @Test
    void quotesGoStyle() {
        assertThat(DockerfileDump.goQuote("a\u0007\u000b\u007f\u0085\u00a0\u200b\ud83d\ude00\uE000\"\\"))
                .isEqualTo("\"a\\a\\v\\x7f\\u0085\\u00a0\\u200b\ud83d\ude00\\ue000\\\"\\\\\"");
        assertThat(List.of(DockerfileDump.goQuote("é☃"))).containsExactly("\"é☃\"");
    }
}
