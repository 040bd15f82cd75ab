package dev.stevedore.spi;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a container process's standard streams go, using the JDK's {@link Redirect} values.
 *
 * @param stdin the source of standard input
 * @param stdout the destination of standard output
 * @param stderr the destination of standard error
 */
public record Stdio(Redirect stdin, Redirect stdout, Redirect stderr) {

    public Stdio {
        Objects.requireNonNull(stdin, "stdin");
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
    }

    /** @return all three streams as pipes, read and written through the process's Java streams */
    public static Stdio pipes() {
        return new Stdio(Redirect.PIPE, Redirect.PIPE, Redirect.PIPE);
    }

    /** @return all three streams shared with the JVM's own */
    public static Stdio inherit() {
        return new Stdio(Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT);
    }

    /** @return stdin empty, stdout and stderr discarded */
    public static Stdio discard() {
        return new Stdio(Redirect.from(Path.of("/dev/null").toFile()), Redirect.DISCARD, Redirect.DISCARD);
    }

    /**
     * Standard output and error appended to files, standard input empty.
     *
     * @param stdout the file standard output is appended to
     * @param stderr the file standard error is appended to
     * @return the choice
     */
    public static Stdio files(Path stdout, Path stderr) {
        return new Stdio(Redirect.from(Path.of("/dev/null").toFile()), Redirect.appendTo(stdout.toFile()),
                Redirect.appendTo(stderr.toFile()));
    }
}
