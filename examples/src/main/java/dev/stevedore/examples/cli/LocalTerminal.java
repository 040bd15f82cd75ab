package dev.stevedore.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * This command's own terminal, when its standard input is one: its size, raw mode and resizing,
 * through {@code stty} (which acts on its standard input, inherited here).
 *
 * @param columns its width
 * @param rows its height
 */
record LocalTerminal(int columns, int rows) {

    /** @return the terminal on standard input, or null when standard input is not a terminal */
    static LocalTerminal ofStdin() {
        String size = stty("size");
        if (size == null) {
            return null;
        }
        String[] rowsColumns = size.strip().split("\\s+");
        int rows = Integer.parseInt(rowsColumns[0]);
        int columns = Integer.parseInt(rowsColumns[1]);
        // A terminal that reports no size (a serial line, some emulators) gets the VT100's.
        return rows > 0 && columns > 0 ? new LocalTerminal(columns, rows) : new LocalTerminal(80, 24);
    }

    /** @return the settings to give {@link #restore}, once keys go through unprocessed and unechoed */
    String makeRaw() {
        String saved = stty("-g");
        if (saved == null || stty("raw", "-echo") == null) {
            throw new CliException("-i -t: cannot put this terminal in raw mode with 'stty raw -echo'");
        }
        return saved.strip();
    }

    static void restore(String saved) {
        stty(saved);
    }

    /** Passes the new size (columns, rows) on each {@code SIGWINCH}, the signal of a resized terminal. */
    void onResize(BiConsumer<Integer, Integer> resize) {
        sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), s -> {
            LocalTerminal now = ofStdin();
            if (now != null) {
                try {
                    resize.accept(now.columns(), now.rows());
                } catch (IllegalStateException e) {
                    // The container has exited: its terminal has no size any more.
                }
            }
        });
    }

    /** @return stty's output, or null when it fails (standard input is not a terminal) or is missing */
    private static String stty(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "stty";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            // Without stty (not installed), this side's terminal is left as it is.
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
