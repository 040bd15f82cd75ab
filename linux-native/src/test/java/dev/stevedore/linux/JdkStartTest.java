package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.ProcessBuilder.Redirect;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Helpers started by the JDK, as a fresh JVM starts them until the C library binding is made
 * ({@link Helper#jdkStartOnly} forces it here): containers end to end, early failures, nothing
 * left behind; and in fresh JVMs, which way a helper is started before and after the binding, and
 * without jnr-ffi. {@link HelperSpawnTest} has helpers started with posix_spawn, once bound.
 */
class JdkStartTest {
    @TempDir
    static Path tmp;
    static Path rootfs;
    static ContainerRuntime runtime;
    static int counter;

    @BeforeAll
    static void open() {
        rootfs = RootHost.busyboxRootfs(tmp);
        Helper.jdkStartOnly = true;
        runtime = new LinuxBackend().open(tmp.resolve("state"));
    }

    /** Set for the whole class: the runtime prepares helpers in the background, between tests too. */
    @AfterAll
    static void close() {
        runtime.close();
        Helper.jdkStartOnly = false;
    }

    private static synchronized String nextId() {
        return "j" + counter++;
    }

    private static ContainerHandle create(Stdio stdio, String script) {
        ContainerHandle c = runtime.create(nextId(), TestSpecs.docker(rootfs, "sh", "-c", script), List.of(), stdio);
        assertThat(((LinuxContainer) c).helper.process).as("the helper the JDK started")
                .isInstanceOf(JdkProcess.class);
        return c;
    }

    @Test
    void pipesCarryStdinStdoutAndStderrAndTheExitCode() throws IOException {
        ContainerHandle c = create(Stdio.pipes(), "read line; echo got $line; echo err >&2; exit 3");
        try {
            c.start();
            c.stdin().write("through stdin\n".getBytes(StandardCharsets.UTF_8));
            // Written through at once, as the container answers before stdin is closed.
            BufferedReader out = new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8));
            assertThat(out.readLine()).isEqualTo("got through stdin");
            assertThat(new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
            assertThat(c.waitFor()).isEqualTo(3);
        } finally {
            c.delete();
        }
    }

    @Test
    void fileAndInheritedStreams() throws IOException {
        Path out = tmp.resolve("out.log");
        Path err = tmp.resolve("err.log");
        Files.writeString(out, "before\n");
        ContainerHandle c = create(Stdio.files(out, err), "echo out; echo err >&2; cat");
        try {
            c.start();
            assertThat(c.waitFor()).as("stdin is /dev/null: cat ends at once").isZero();
        } finally {
            c.delete();
        }
        assertThat(Files.readString(out)).as("appended").isEqualTo("before\nout\n");
        assertThat(Files.readString(err)).isEqualTo("err\n");

        Path links = tmp.resolve("links.log");
        ContainerHandle inheriting = create(new Stdio(Redirect.INHERIT, Redirect.appendTo(links.toFile()),
                Redirect.INHERIT), "readlink /proc/self/fd/0; readlink /proc/self/fd/2");
        try {
            inheriting.start();
            assertThat(inheriting.waitFor()).isZero();
            assertThat(inheriting.stdout().read()).as("no pipe: nothing to read").isEqualTo(-1);
            assertThatThrownBy(() -> inheriting.stdin().write(1)).as("no pipe: nothing to write to")
                    .isInstanceOf(IOException.class);
        } finally {
            inheriting.delete();
        }
        assertThat(Files.readAllLines(links)).as("the JVM's own stdin and stderr").containsExactly(
                Files.readSymbolicLink(Path.of("/proc/self/fd/0")).toString(),
                Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString());
    }

    /** Each start truncates a file written from its start: no helper is started ahead for it, which would empty it. */
    @Test
    void aFileWrittenFromItsStartKeepsWhatTheContainerWrote() throws Exception {
        Path out = tmp.resolve("truncated.log");
        Files.writeString(out, "before\n");
        Stdio toFile = new Stdio(Redirect.from(Path.of("/dev/null").toFile()), Redirect.to(out.toFile()),
                Redirect.to(out.toFile()));
        for (String word : List.of("one", "two")) {
            ContainerHandle c = create(toFile, "echo " + word);
            try {
                c.start();
                assertThat(c.waitFor()).isZero();
            } finally {
                c.delete();
            }
            // What the runtime starts ahead after a container has been created, it has started by now.
            Thread.sleep(300);
            assertThat(Files.readString(out)).as("after the container that wrote " + word).isEqualTo(word + "\n");
        }
    }

    @Test
    void killAndStop() throws IOException {
        ContainerHandle c = create(Stdio.pipes(), "trap 'exit 42' USR1; echo trapped; sleep 30 & wait");
        try {
            c.stdin().close();
            c.start();
            assertThat(new BufferedReader(new InputStreamReader(c.stdout(), StandardCharsets.UTF_8)).readLine())
                    .isEqualTo("trapped");
            assertThat(c.waitFor(Duration.ofMillis(50))).isEmpty();
            c.kill(10);
            assertThat(c.waitFor(Duration.ofSeconds(10))).as("SIGUSR1, relayed by the helper").hasValue(42);
        } finally {
            c.delete();
        }
        ContainerHandle sleeping = create(Stdio.discard(), "sleep 30");
        try {
            sleeping.start();
            sleeping.kill(9);
            assertThat(sleeping.waitFor(Duration.ofSeconds(10))).as("128 + SIGKILL").hasValue(137);
        } finally {
            sleeping.delete();
        }
    }

    @Test
    void execsToo() throws IOException {
        ContainerHandle c = create(Stdio.discard(), "sleep 30");
        try {
            c.start();
            var spec = TestSpecs.docker(rootfs, "sh", "-c", "echo exec; exit 5").process();
            ContainerProcess p = c.exec(spec, Stdio.pipes());
            assertThat(((LinuxProcess) p).helper.process).isInstanceOf(JdkProcess.class);
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("exec\n");
            assertThat(p.waitFor()).isEqualTo(5);
        } finally {
            c.delete();
        }
    }

    /** A stand-in helper; {@code $DIR} is its directory. */
    private static Path script(String name, String body) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("bin"));
        Path script = dir.resolve(name);
        Files.writeString(script, "#!/bin/sh\nDIR=" + dir + "\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aHelperThatExitsBeforeItConnectsGivesItsStatusNotAWait() throws IOException {
        Path helper = script("exits", "exit 7");
        Path socket = tmp.resolve("early.sock");
        assertThatThrownBy(() -> Helper.spawn(helper, socket, Stdio.discard()))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageStartingWith("the helper '" + helper + "' (pid ")
                .hasMessageEndingWith(") exited with status 7 before it connected to '" + socket + "'");
        assertThat(socket).doesNotExist();
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theRealHelperRefusesAParentThatIsNotItsJvmBeforeConnecting() throws IOException {
        Path real = HelperBinary.extract(tmp.resolve("real"));
        // Exec keeps the pid, and so the JVM as the parent, but says another pid is the JVM's.
        Path helper = script("wrong-jvm", "exec " + real + " \"$1\" 1");
        Path socket = tmp.resolve("wrong.sock");
        assertThatThrownBy(() -> Helper.spawn(helper, socket, Stdio.discard()))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageEndingWith(") exited with status 1 before it connected to '" + socket + "'");
    }

    /** @return {@code socket} bound on another thread after {@code delayMillis}, or that thread's {@code failure} */
    private static Future<ServerSocketChannel> bindLater(Path socket, long delayMillis, IOException failure) {
        CompletableFuture<ServerSocketChannel> listening = new CompletableFuture<>();
        Thread binder = new Thread(() -> {
            try {
                Thread.sleep(delayMillis);
                if (failure != null) {
                    throw failure;
                }
                listening.complete(Helper.listen(socket));
            } catch (IOException | InterruptedException e) {
                listening.completeExceptionally(e);
            }
        });
        binder.start();
        return listening;
    }

    /** A fresh JVM's first helper is started while its socket is bound on another thread. */
    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void theRealHelperConnectsToASocketBoundAfterItStartedAndRunsItsPlan() throws Exception {
        Path real = HelperBinary.extract(tmp.resolve("real"));
        Path socket = tmp.resolve("late.sock");
        Helper helper = Helper.spawn(real, socket, bindLater(socket, 300, null), Stdio.pipes());
        assertThat(helper.process).isInstanceOf(JdkProcess.class);
        assertThat(socket).as("gone once the helper connected").doesNotExist();
        helper.clone(new Plan().add(Op.CLONE, 0))
                .begin(new Plan().add(Op.GO).add(Op.ARG, "sh").add(Op.ARG, "-c").add(Op.ARG, "echo ran; exit 6")
                        .add(Op.EXEC, "/bin:/usr/bin"));
        helper.go();
        assertThat(new String(helper.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("ran\n");
        assertThat(helper.waitFor()).isEqualTo(6);
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void aSocketThatCannotBeBoundAfterTheStartIsNamedAndTheHelperEnded() throws Exception {
        Path pidFile = tmp.resolve("bin/started.pid");
        Files.deleteIfExists(pidFile);
        Path helper = script("started", "echo $$ > $DIR/started.pid; exec sleep 30");
        Path socket = tmp.resolve("unbound.sock");
        assertThatThrownBy(() -> Helper.spawn(helper, socket,
                bindLater(socket, 300, new java.net.BindException("Address already in use")), Stdio.discard()))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessage("cannot start the helper '" + helper + "': Address already in use");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(CleanupTest.running(pid)).as("the helper started before the failure").isFalse();
    }

    @Test
    void theRealHelperSaysWhenItCannotConnect() throws Exception {
        Path real = HelperBinary.extract(tmp.resolve("real"));
        Path missing = tmp.resolve("nobody-listens.sock");
        long started = System.nanoTime();
        java.lang.Process p = new ProcessBuilder(real.toString(), missing.toString(),
                Long.toString(ProcessHandle.current().pid())).start();
        assertThat(p.waitFor()).isEqualTo(2);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("tried again for about a second, in case the "
                + "socket is bound after the start").isGreaterThan(Duration.ofMillis(900));
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("stevedore-helper: cannot connect to " + missing + ": No such file or directory\n");
    }

    @Test
    void aHelperThatCannotBeStartedOrAFileThatCannotBeOpenedIsNamed() throws IOException {
        Path notExecutable = Files.writeString(tmp.resolve("plain"), "#!/bin/sh\n");
        assertThatThrownBy(() -> Helper.spawn(notExecutable, tmp.resolve("h.sock"), Stdio.discard()))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageStartingWith("cannot start the helper '" + notExecutable + "': ")
                .hasMessageContaining("Permission denied");
        Path missing = tmp.resolve("no/such/dir/out.log");
        assertThatThrownBy(() -> Helper.spawn(script("true", "true"), tmp.resolve("h.sock"),
                Stdio.files(missing, missing)))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessageContaining(missing.toString()).hasMessageContaining("No such file or directory");
        assertThat(tmp.resolve("h.sock")).doesNotExist();
    }

    @Test
    void signalsOtherThanTermAndKillGoThroughTheCLibrary() throws Exception {
        JdkProcess p = JdkProcess.start(List.of("/bin/sleep", "30"), Stdio.discard());
        p.signal(10);
        assertThat(p.awaitExit(5_000_000_000L, true)).isTrue();
        assertThat(p.exitValue()).as("128 + SIGUSR1").isEqualTo(138);
        p.signal(10);
        JdkProcess terminated = JdkProcess.start(List.of("/bin/sleep", "30"), Stdio.discard());
        assertThat(terminated.exitValue()).as("running").isNull();
        terminated.signal(15);
        assertThat(terminated.awaitExit(5_000_000_000L, false)).isTrue();
        assertThat(terminated.exitValue()).isEqualTo(143);
    }

    @Test
    void manyContainersLeaveNoHelperDescriptorNorSocket() throws Exception {
        Set<Long> others = CleanupTest.childPids();
        long fds = CleanupTest.fdCount();
        try (ContainerRuntime own = new LinuxBackend().open(tmp.resolve("state-leaks"))) {
            Path instanceDir = ((LinuxRuntime) own).instanceDir();
            for (int i = 0; i < 20; i++) {
                ContainerHandle c = own.create("l" + i, TestSpecs.docker(rootfs, "sh", "-c", "cat; echo $0"),
                        List.of(), i % 2 == 0 ? Stdio.pipes() : Stdio.discard());
                assertThat(((LinuxContainer) c).helper.process).isInstanceOf(JdkProcess.class);
                try {
                    c.stdin().close();
                    c.start();
                    c.stdout().readAllBytes();
                    assertThat(c.waitFor()).isZero();
                } finally {
                    c.delete();
                }
            }
            try (Stream<Path> s = Files.list(instanceDir)) {
                // A socket goes once its helper connected: what is left is at most one per launcher thread.
                assertThat(s.filter(p -> p.getFileName().toString().endsWith(".sock")).count())
                        .as("sockets left").isLessThanOrEqualTo(2);
            }
        }
        assertThat(CleanupTest.helpers(others)).as("helpers left after close").isZero();
        for (int i = 0; i < 100 && CleanupTest.fdCount() > fds; i++) {
            Thread.sleep(10);
        }
        assertThat(CleanupTest.fdCount()).as("JVM file descriptors").isLessThanOrEqualTo(fds);
    }

    /** @return what {@link FreshJvmMain} printed, in a JVM with this class path */
    private static String freshJvm(String classPath, String state) throws Exception {
        java.lang.Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classPath, FreshJvmMain.class.getName(), tmp.resolve(state).toString(), rootfs.toString())
                .redirectErrorStream(true).start();
        String output = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(jvm.waitFor()).as(output).isZero();
        return output;
    }

    @Test
    void aFreshJvmStartsItsFirstHelpersThroughTheJdkAndBindsTheCLibraryWithTheSecondContainer() throws Exception {
        assertThat(freshJvm(System.getProperty("java.class.path"), "state-fresh")).isEqualTo("""
                binding started at open: false
                first exit 4 out 'hello' helper JdkProcess
                binding started by the first container: false
                second exit 4 out 'hello' helper JdkProcess
                then exit 4 out '' helper SpawnedProcess
                terminal made
                """);
    }

    @Test
    void withoutJnrFfiContainersRunAndWhatNeedsTheCLibrarySaysWhy() throws Exception {
        String classPath = Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("jnr-ffi-"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
        assertThat(classPath).as("jnr-ffi was on the class path").isNotEqualTo(System.getProperty("java.class.path"));
        assertThat(freshJvm(classPath, "state-nojnr")).startsWith("""
                binding started at open: false
                first exit 4 out 'hello' helper JdkProcess
                binding started by the first container: false
                second exit 4 out 'hello' helper JdkProcess
                then exit 4 out '' helper JdkProcess
                terminal refused: the C library could not be loaded: java.lang.NoClassDefFoundError: jnr/ffi/""");
    }
}
