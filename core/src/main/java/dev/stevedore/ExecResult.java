package dev.stevedore;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a process in a container ended and what it wrote. Immutable.
 *
 * <pre>{@code
 * ExecResult r = Containers.image("busybox:1.36").withCommand("echo", "hi").run();
 * assert r.exitCode() == 0 && r.stdout().equals("hi\n");
 * }</pre>
 */
public final class ExecResult {

    private static final int SHOWN = 200;

    private final List<String> command;
    private final int exitCode;
    private final byte[] stdout;
    private final byte[] stderr;
    private final Duration duration;
    private final boolean oomKilled;

    /**
     * @param command the process's arguments, executable first
     * @param exitCode the exit code, or 128 + the number of the signal that ended it
     * @param stdout what it wrote to standard output
     * @param stderr what it wrote to standard error
     * @param duration from the start of the process to its end
     * @param oomKilled whether the kernel's OOM killer ended it
     */
    public ExecResult(List<String> command, int exitCode, byte[] stdout, byte[] stderr, Duration duration,
            boolean oomKilled) {
        this.command = List.copyOf(command);
        this.exitCode = exitCode;
        this.stdout = stdout.clone();
        this.stderr = stderr.clone();
        this.duration = Objects.requireNonNull(duration, "duration");
        this.oomKilled = oomKilled;
    }

    /** @return the process's arguments, executable first */
    public List<String> command() {
        return command;
    }

    /** @return the exit code, or 128 + the number of the signal that ended the process (137 for SIGKILL) */
    public int exitCode() {
        return exitCode;
    }

    /** @return whether the exit code is 0 */
    public boolean succeeded() {
        return exitCode == 0;
    }

    /** @return standard output decoded as UTF-8 */
    public String stdout() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /** @return standard error decoded as UTF-8 */
    public String stderr() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /** @return standard output as written */
    public byte[] stdoutBytes() {
        return stdout.clone();
    }

    /** @return standard error as written */
    public byte[] stderrBytes() {
        return stderr.clone();
    }

    /** @return from the start of the process to its end */
    public Duration duration() {
        return duration;
    }

    /**
     * Whether the kernel's OOM killer ended the process: it died of a SIGKILL that Stevedore did not
     * send while the container had a memory limit, as Docker's {@code OOMKilled} reports.
     *
     * @return true when the memory limit killed it
     */
    public boolean oomKilled() {
        return oomKilled;
    }

    /**
     * @return this result when the exit code is 0
     * @throws ContainerException naming the command, exit code and the end of standard error otherwise
     */
    public ExecResult orThrow() {
        if (exitCode != 0) {
            throw new ContainerException("command " + command + " exited with " + exitCode
                    + (oomKilled ? " (killed for exceeding its memory limit; raise withMemoryLimit)" : "")
                    + (stderr.length == 0 ? "" : "; stderr: " + tail(stderr())));
        }
        return this;
    }

    private static String tail(String s) {
        String t = s.strip();
        return t.length() <= SHOWN ? t : "..." + t.substring(t.length() - SHOWN);
    }

    @Override
    public String toString() {
        return "ExecResult{command=" + command + ", exitCode=" + exitCode + (oomKilled ? ", oomKilled" : "")
                + ", duration=" + duration.toMillis() + "ms, stdout=\"" + tail(stdout()).replace("\n", "\\n")
                + "\", stderr=\"" + tail(stderr()).replace("\n", "\\n") + "\"}";
    }
}
