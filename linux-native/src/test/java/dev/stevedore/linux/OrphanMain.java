package dev.stevedore.linux;

import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.nio.file.Path;
import java.util.List;

/** Run in a child JVM by {@link CleanupTest}: starts a long container, prints its pid, then waits to be killed. */
public final class OrphanMain {
    private OrphanMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        ContainerRuntime runtime = new LinuxBackend().open(Path.of(args[0]));
        ContainerHandle c = runtime.create("orphan", TestSpecs.docker(Path.of(args[1]), "sleep", "1000"), List.of(),
                Stdio.discard());
        c.start();
        System.out.println(c.pid() + " " + ((LinuxRuntime) runtime).instance());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
