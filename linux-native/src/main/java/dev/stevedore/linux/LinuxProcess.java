package dev.stevedore.linux;

import dev.stevedore.spi.ContainerProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A process run by a helper, which relays its streams, signals and exit status: a process added to
 * a running container by exec, and the base of {@link LinuxContainer}. A process with a terminal
 * reads and writes it instead of the helper's pipes.
 */
class LinuxProcess implements ContainerProcess {
    final Helper helper;
    /** The master of the process's terminal, or null when its streams are the helper's. */
    final ConsoleSocket.Terminal terminal;

    LinuxProcess(Helper helper, ConsoleSocket.Terminal terminal) {
        this.helper = helper;
        this.terminal = terminal;
    }

    @Override
    public long pid() {
        return helper.pid();
    }

    @Override
    public OutputStream stdin() {
        return terminal != null ? terminal.output() : helper.stdin();
    }

    @Override
    public InputStream stdout() {
        return terminal != null ? terminal.input() : helper.stdout();
    }

    @Override
    public InputStream stderr() {
        return terminal != null ? InputStream.nullInputStream() : helper.stderr();
    }

    @Override
    public void resizeTerminal(int columns, int rows) {
        if (terminal == null) {
            throw new IllegalStateException("process " + helper.pid() + " has no terminal to resize; ask for one with "
                    + "process.terminal");
        }
        terminal.resize(columns, rows);
    }

    @Override
    public void kill(int signal) {
        helper.kill(signal);
    }

    @Override
    public OptionalInt waitFor(Duration timeout) {
        return helper.waitFor(timeout);
    }

    @Override
    public int waitFor() {
        return helper.waitFor();
    }
}
