package dev.stevedore.internal.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a reference tool (skopeo, umoci, oci-image-tool, bash) and fails clearly when it is missing. */
public final class Tool {

    private Tool() {
    }

    public record Result(int exitCode, String output) {
        Result as(String why) {
            return exitCode == 0 ? this : new Result(exitCode, why + ": " + output);
        }

        Result succeeded(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " exited with " + exitCode + ":\n" + output);
            }
            return this;
        }
    }

    static Result run(String... command) {
        return run(Map.of(), List.of(command));
    }

    public static Result run(Map<String, String> env, List<String> command) {
        requireInstalled(command.get(0));
        try {
            Path output = Files.createTempFile("tool", ".out");
            try {
                ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
                pb.environment().putAll(env);
                Process p = pb.start();
                p.getOutputStream().close();
                if (!p.waitFor(5, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within 5 minutes");
                }
                return new Result(p.exitValue(), Files.readString(output));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void requireInstalled(String tool) {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")));
        dirs.add("/usr/sbin");
        for (String dir : dirs) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new AssertionError(tool + " is not installed (not on PATH); the interoperability tests need it: "
                + "apt-get install skopeo umoci oci-image-tool runc");
    }
}
