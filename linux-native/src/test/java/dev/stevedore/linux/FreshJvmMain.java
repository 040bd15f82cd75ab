package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * Run in a fresh JVM by {@link JdkStartTest}, with or without jnr-ffi on the class path: opens a
 * runtime, runs two containers, then (once the C library is bound, if it can be) another one, and asks
 * for a terminal, which needs the C library; prints what happened at each step.
 */
public final class FreshJvmMain {
    private FreshJvmMain() {
    }

    public static void main(String[] args) throws Exception {
        try (ContainerRuntime runtime = new LinuxBackend().open(Path.of(args[0]))) {
            System.out.println("binding started at open: " + bindingStarted());
            System.out.println("first " + run(runtime, Path.of(args[1]), Stdio.pipes()));
            System.out.println("binding started by the first container: " + bindingStarted());
            // No helper prepared in advance by the first container: this one's is started (by the JDK) now, and
            // spares and the binding are made from here on.
            System.out.println("second " + run(runtime, Path.of(args[1]), Stdio.pipes()));
            // Waits for the binding the second container started (or makes it, had it not).
            Libc.unavailableReason();
            // Other streams than the first's: no helper prepared in advance fits, one is started now.
            System.out.println("then " + run(runtime, Path.of(args[1]), Stdio.discard()));
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

    private static boolean bindingStarted() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("stevedore-libc-binding"));
    }

    private static String run(ContainerRuntime runtime, Path rootfs, Stdio stdio) throws Exception {
        ContainerHandle c = runtime.create("c" + System.nanoTime(), TestSpecs.docker(rootfs, "sh", "-c",
                "echo hello; exit 4"), List.of(), stdio);
        try {
            c.stdin().close();
            c.start();
            String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8).strip();
            return "exit " + c.waitFor() + " out '" + out + "' helper "
                    + ((LinuxContainer) c).helper.process.getClass().getSimpleName();
        } finally {
            c.delete();
        }
    }
}
