package dev.stevedore.internal.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Docker's .dockerignore semantics, path by path. */
class DockerIgnoreTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                arguments("*.log", "a.log", true),
                arguments("*.log", "dir/a.log", false),
                arguments("**/*.log", "dir/sub/a.log", true),
                arguments("**/*.log", "a.log", true),
                arguments("/build", "build/x/y", true),
                arguments("./build/", "build", true),
                arguments("build/", "src/build", false),
                arguments("docs\n!docs/keep.md", "docs/keep.md", false),
                arguments("docs\n!docs/keep.md", "docs/other.md", true),
                arguments("!docs/keep.md\ndocs", "docs/keep.md", true),
                arguments("a/**", "a/b/c", true),
                arguments("a/**", "a", false),
                arguments("a/**/z", "a/z", true),
                arguments("a/**/z", "a/b/c/z", true),
                arguments("?.txt", "x.txt", true),
                arguments("?.txt", "xy.txt", false),
                arguments("[a-c].txt", "b.txt", true),
                arguments("[!a-c].txt", "d.txt", true),
                arguments("file\\*", "file*", true),
                arguments("file\\*", "files", false),
                arguments("  spaced  \n# *.txt", "spaced", true),
                arguments("# *.txt", "a.txt", false),
                arguments("a/../b", "b", true),
                arguments("*", "x/y", true),
                arguments("x.y+z(1)", "x.y+z(1)", true),
                arguments("x.y", "xzy", false));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void matchesAsDockerDoes(String patterns, String path, boolean excluded) {
        assertThat(DockerIgnore.parse(patterns, ".dockerignore").excludes(path)).isEqualTo(excluded);
    }

    @Test
    void aDirectoryIsSkippedWhollyUnlessAnExceptionReachesInside() {
        DockerIgnore plain = DockerIgnore.parse("node_modules", "x");
        assertThat(plain.skipsWholly("node_modules")).isTrue();
        DockerIgnore exception = DockerIgnore.parse("docs\n!docs/api/*.md", "x");
        assertThat(exception.skipsWholly("docs")).isFalse();
        assertThat(exception.skipsWholly("docs/api")).isFalse();
        assertThat(exception.skipsWholly("other")).isTrue();
    }

    @Test
    void badPatternNamesTheLine() {
        assertThatThrownBy(() -> DockerIgnore.parse("ok\n[abc", ".dockerignore"))
                .hasMessageStartingWith(".dockerignore:2: bad pattern '[abc'");
    }
}
