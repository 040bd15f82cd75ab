package dev.stevedore.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The command line's own terminal, put in raw mode while a container's terminal is relayed over
 * it (as {@code runc run} and {@code runc exec -t} do), so that the container's line discipline
 * alone echoes and edits.
 */
final class Tty {
    private Tty() {
    }

    /** @return the settings to restore, or null when standard input is not a terminal */
    static String makeRaw() {
        if (jnr.posix.POSIXFactory.getNativePOSIX().isatty(0) != 1) {
            return null;
        }
        String saved = stty("-g").strip();
        stty("raw", "-echo");
        return saved;
    }

    static void restore(String saved) {
        if (saved != null) {
            stty(saved);
        }
    }

    private static String stty(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            java.lang.Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("'" + String.join(" ", command) + "' failed with status " + p.exitValue());
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run '" + String.join(" ", command) + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running stty", e);
        }
    }
}
