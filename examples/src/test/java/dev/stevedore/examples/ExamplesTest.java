package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Every example main runs and prints what its Javadoc promises. */
@ResourceLock("System.out")
class ExamplesTest {

    private interface Main {
        void run() throws Exception;
    }

    private static String output(Main main) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            main.run();
        } finally {
            System.setOut(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helloWorld() throws Exception {
        assertThat(output(() -> HelloWorld.main(new String[0]))).startsWith("Hello from stevedore, a container\n")
                .contains("exit code 0");
    }

    @Test
    void volume() throws Exception {
        assertThat(output(() -> VolumeExample.main(new String[0]))).isEqualTo("host reads: written by the container\n");
    }

    @Test
    void memoryLimit() throws Exception {
        assertThat(output(() -> MemoryLimitExample.main(new String[0]))).isEqualTo("exit code 137, OOM-killed: true\n");
    }

    @Test
    void exec() throws Exception {
        assertThat(output(() -> ExecExample.main(new String[0]))).contains("sleep 600").contains("uid=0(root)")
                .contains("exec took");
    }

    @Test
    void buildAndRun() throws Exception {
        assertThat(output(() -> BuildAndRunExample.main(new String[0]))).contains("built Image{example-app:1")
                .contains("COPY app/ /app/").contains("RUN echo \"built on $(uname -m)\" > /built")
                .endsWith("app 1.0 running as app in /app\nbuilt on x86_64\nexit code 0\n");
    }

    @Test
    void commit() throws Exception {
        assertThat(output(() -> CommitExample.main(new String[0]))).contains("committed Image{busybox:configured")
                .endsWith("configured at commit time\n");
    }
}
