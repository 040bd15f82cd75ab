package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a child JVM by {@link JdkStartTest}, with jnr-ffi left off the class path: runs a
 * container, then asks for a terminal, which needs the C library, and prints what happened.
 */
public final class NoJnrMain {
    private NoJnrMain() {
    }

    public static void main(String[] args) throws Exception {
        try (ContainerRuntime runtime = new LinuxBackend().open(Path.of(args[0]))) {
            ContainerHandle c = runtime.create("plain", TestSpecs.docker(Path.of(args[1]), "sh", "-c",
                    "echo hello; exit 4"), List.of(), Stdio.pipes());
            try {
                c.stdin().close();
                c.start();
                String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8).strip();
                System.out.println("exit " + c.waitFor() + " out " + out + " helper "
                        + ((LinuxContainer) c).helper.process.getClass().getSimpleName());
            } finally {
                c.delete();
            }
            Spec spec = TestSpecs.docker(Path.of(args[1]), "true");
            spec = spec.withProcess(spec.process().withTerminal(true));
            try {
                runtime.create("tty", spec, List.of(), Stdio.pipes()).delete();
                System.out.println("terminal made");
            } catch (RuntimeException e) {
                System.out.println("terminal refused: " + e.getMessage());
            }
        }
    }
}
