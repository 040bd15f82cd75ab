package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Runs {@code examples/jshell/hello.jsh} in JShell with this build's class path, as the README says to. */
class JShellScriptTest {

    @Test
    void helloScriptRunsAContainer() throws Exception {
        Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
        assertThat(jshell).as("JShell comes with the JDK that runs the build").isExecutable();
        Process p = new ProcessBuilder(jshell.toString(), "-R-D" + "stevedore.root=" + System.getProperty("stevedore.root"),
                "--class-path", classPath(), Path.of("jshell", "hello.jsh").toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("JShell finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("hello from jshell (exit 0)");
    }

    /** Surefire's own class path, without its booter: the same jars the launcher and classpath.txt list. */
    private static String classPath() {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return cp;
    }
}
