package dev.stevedore.internal.engine;

import dev.stevedore.spi.ContainerProcess;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * An exec whose command could not be executed (a missing executable, say): ended already, with the
 * status {@code docker exec} gives (127, 126) and the reason on standard error, as a shell reports it.
 */
record NotExecuted(int status, String reason) implements ContainerProcess {

    @Override
    public long pid() {
        return -1;
    }

    @Override
    public OutputStream stdin() {
        return OutputStream.nullOutputStream();
    }

    @Override
    public InputStream stdout() {
        return InputStream.nullInputStream();
    }

    @Override
    public InputStream stderr() {
        return new ByteArrayInputStream((reason + "\n").getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void resizeTerminal(int columns, int rows) {
        // Its terminal never reached a process.
    }

    @Override
    public void kill(int signal) {
        // Nothing runs.
    }

    @Override
    public OptionalInt waitFor(Duration timeout) {
        return OptionalInt.of(status);
    }

    @Override
    public int waitFor() {
        return status;
    }
}
