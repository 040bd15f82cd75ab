package dev.stevedore.linux;

import dev.stevedore.spi.ContainerProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.OptionalInt;

/**
 * A process run by a helper, which relays its streams, signals and exit status: a process added to
 * a running container by exec, and the base of {@link LinuxContainer}.
 */
class LinuxProcess implements ContainerProcess {
    final Helper helper;

    LinuxProcess(Helper helper) {
        this.helper = helper;
    }

    @Override
    public long pid() {
        return helper.pid();
    }

    @Override
    public OutputStream stdin() {
        return helper.stdin();
    }

    @Override
    public InputStream stdout() {
        return helper.stdout();
    }

    @Override
    public InputStream stderr() {
        return helper.stderr();
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
