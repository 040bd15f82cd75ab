package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.stevedore.oci.OciJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runc-style command line against runtime.md's MUSTs: lifecycle, state output, the pid file,
 * the error cases, and invalid configurations refused before anything exists. As root.
 */
class RuncTest {
    @TempDir
    static Path tmp;
    static Path rootfs;
    static Path stateRoot;
    static int counter;

    @BeforeAll
    static void setUp() {
        rootfs = RootHost.busyboxRootfs(tmp);
        stateRoot = tmp.resolve("state");
    }

    record Result(int status, String out, String err) {
    }

    static Result runc(String... args) {
        List<String> argv = new ArrayList<>(List.of("--root", stateRoot.toString()));
        argv.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Runc.run(argv.toArray(String[]::new), new PrintStream(out, true), new PrintStream(err, true));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static synchronized String nextId() {
        return "r" + counter++;
    }

    /** A bundle whose config runs {@code script} in busybox sh, with Docker's namespaces and mounts. */
    static Path bundle(String script) throws IOException {
        return bundleWithConfig(OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c", script)));
    }

    static Path bundleWithConfig(String configJson) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "bundle");
        Files.writeString(dir.resolve("config.json"), configJson);
        return dir;
    }

    static JsonNode state(String id) {
        Result r = runc("state", id);
        assertThat(r.status()).as("state %s: %s", id, r.err()).isZero();
        try {
            return OciJson.mapper().readTree(r.out());
        } catch (IOException e) {
            throw new AssertionError("state " + id + " printed no JSON: " + r.out(), e);
        }
    }

    static void awaitStatus(String id, String status) throws InterruptedException {
        for (int i = 0; i < 500 && !state(id).get("status").asText().equals(status); i++) {
            Thread.sleep(10);
        }
        assertThat(state(id).get("status").asText()).isEqualTo(status);
    }

    @Test
    void lifecycleStateOutputAndPidFile() throws Exception {
        Path bundle = bundle("echo $$ > /pid-inside; trap 'exit 0' TERM; sleep 30 & wait");
        String id = nextId();
        Path pidFile = tmp.resolve(id + ".pid");
        Result created = runc("create", "--bundle", bundle.toString(), "--pid-file", pidFile.toString(), id);
        assertThat(created.status()).as(created.err()).isZero();

        JsonNode state = state(id);
        assertThat(state.get("ociVersion").asText()).isNotEmpty();
        assertThat(state.get("id").asText()).isEqualTo(id);
        assertThat(state.get("status").asText()).isEqualTo("created");
        assertThat(state.get("bundle").asText()).isEqualTo(bundle.toString());
        long pid = state.get("pid").asLong();
        assertThat(pid).isPositive();
        assertThat(Files.readString(pidFile).trim()).as("the pid file holds the container process's pid")
                .isEqualTo(Long.toString(pid));
        assertThat(rootfs.resolve("pid-inside")).as("the process has not run its command before start")
                .doesNotExist();

        assertThat(runc("start", id).status()).isZero();
        assertThat(state(id).get("status").asText()).isEqualTo("running");
        assertThat(state(id).get("pid").asLong()).isEqualTo(pid);
        awaitFile(rootfs.resolve("pid-inside"));
        assertThat(Files.readString(rootfs.resolve("pid-inside")).trim()).as("pid 1 of its own pid namespace")
                .isEqualTo("1");
        Files.delete(rootfs.resolve("pid-inside"));

        assertThat(runc("list", "--format", "json").out()).contains("\"" + id + "\"", "\"running\"");
        assertThat(runc("kill", id, "TERM").status()).isZero();
        awaitStatus(id, "stopped");

        Result deleted = runc("delete", id);
        assertThat(deleted.status()).as(deleted.err()).isZero();
        Result gone = runc("state", id);
        assertThat(gone.status()).isEqualTo(1);
        assertThat(gone.err()).contains("'" + id + "' does not exist");
        assertThat(stateRoot.resolve(id)).doesNotExist();
        assertThat(Cgroups.detect().roots()).allMatch(r -> !Files.exists(r.resolve("stevedore-runc/" + id)));
    }

    @Test
    void pauseFreezesTheContainerUntilResume() throws Exception {
        // Appended, so that a read never sees the file between truncation and write.
        Path bundle = bundle("i=0; while true; do i=$((i+1)); echo $i >> /count; sleep 0.01; done");
        String id = nextId();
        assertThat(runc("create", "--bundle", bundle.toString(), id).status()).isZero();
        assertThat(runc("start", id).status()).isZero();
        Thread.sleep(200);
        Result paused = runc("pause", id);
        assertThat(paused.status()).as(paused.err()).isZero();
        long pid = state(id).get("pid").asLong();
        Path count = Path.of("/proc/" + pid + "/root/count");
        String frozen = Files.readString(count);
        Thread.sleep(300);
        assertThat(Files.readString(count)).as("no progress while paused").isEqualTo(frozen);
        assertThat(runc("resume", id).status()).isZero();
        Thread.sleep(300);
        assertThat(Files.readString(count).length()).as("progress once resumed").isGreaterThan(frozen.length());
        assertThat(runc("delete", "--force", id).status()).isZero();
        assertThat(runc("pause", id).status()).as("pause of a deleted container fails").isNotZero();
    }

    @Test
    void deleteOfANotStoppedContainerFailsAndHasNoEffect() throws Exception {
        String id = nextId();
        assertThat(runc("create", "--bundle", bundle("exec sleep 30").toString(), id).status()).isZero();
        Result deleteCreated = runc("delete", id);
        assertThat(deleteCreated.status()).isEqualTo(1);
        assertThat(deleteCreated.err()).contains("is created, not stopped");
        assertThat(state(id).get("status").asText()).isEqualTo("created");

        assertThat(runc("start", id).status()).isZero();
        Result deleteRunning = runc("delete", id);
        assertThat(deleteRunning.status()).isEqualTo(1);
        assertThat(deleteRunning.err()).contains("is running, not stopped");
        assertThat(state(id).get("status").asText()).isEqualTo("running");

        assertThat(runc("delete", "--force", id).status()).as("--force kills, then deletes").isZero();
        assertThat(stateRoot.resolve(id)).doesNotExist();
    }

    @Test
    void killOfAStoppedContainerFailsAndStartTwiceFails() throws Exception {
        String id = nextId();
        assertThat(runc("create", "--bundle", bundle("exit 3").toString(), id).status()).isZero();
        assertThat(runc("start", id).status()).isZero();
        awaitStatus(id, "stopped");
        Result kill = runc("kill", id, "KILL");
        assertThat(kill.status()).isEqualTo(1);
        assertThat(kill.err()).contains("is stopped");
        Result start = runc("start", id);
        assertThat(start.status()).isEqualTo(1);
        assertThat(start.err()).contains("is stopped, not created");
        assertThat(runc("delete", id).status()).isZero();
    }

    @Test
    void createWithAnIdInUseFails() throws Exception {
        String id = nextId();
        Path bundle = bundle("exec sleep 30");
        assertThat(runc("create", "--bundle", bundle.toString(), id).status()).isZero();
        long pid = state(id).get("pid").asLong();
        Result again = runc("create", "--bundle", bundle.toString(), id);
        assertThat(again.status()).isEqualTo(1);
        assertThat(again.err()).contains("container '" + id + "' exists already");
        assertThat(state(id).get("pid").asLong()).as("the first container is untouched").isEqualTo(pid);
        assertThat(runc("delete", "--force", id).status()).isZero();
    }

    @Test
    void aCreatedContainerOutlivesTheCommandThatCreatedIt() throws Exception {
        String id = nextId();
        Path bundle = bundle("echo started > /outlived; exec sleep 30");
        java.lang.Process jvm = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Runc.class.getName(), "--root", stateRoot.toString(),
                "create", "--bundle", bundle.toString(), id).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(id + ".log").toFile()).start();
        assertThat(jvm.waitFor()).as(Files.readString(tmp.resolve(id + ".log"))).isZero();
        assertThat(state(id).get("status").asText()).isEqualTo("created");
        assertThat(runc("start", id).status()).isZero();
        awaitFile(rootfs.resolve("outlived"));
        Files.delete(rootfs.resolve("outlived"));
        Result deleted = runc("delete", "--force", id);
        assertThat(deleted.status()).as(deleted.err()).isZero();
    }

    @Test
    void runReturnsTheStatusAndExecRunsInTheContainer() throws Exception {
        Result run = runc("run", "--bundle", bundle("exit 7").toString(), nextId());
        assertThat(run.status()).as(run.err()).isEqualTo(7);

        String id = nextId();
        assertThat(runc("run", "--detach", "--bundle", bundle("hostname > /h; exec sleep 30").toString(), id)
                .status()).isZero();
        Result exec = runc("exec", id, "sh", "-c", "test \"$(hostname)\" = box && exit 5");
        assertThat(exec.status()).as(exec.err()).isEqualTo(5);
        Path process = tmp.resolve(id + "-process.json");
        Files.writeString(process, "{\"args\": [\"sh\", \"-c\", \"exit 6\"], \"cwd\": \"/\"}");
        assertThat(runc("exec", "--process", process.toString(), id).status()).isEqualTo(6);
        assertThat(runc("ps", "--format", "json", id).out()).startsWith("[").contains(state(id).get("pid").asText());
        assertThat(runc("delete", "--force", id).status()).isZero();
        Files.deleteIfExists(rootfs.resolve("h"));
    }

    @Test
    void hooksRunInOrderWithTheStateOnStdin() throws Exception {
        Path log = tmp.resolve("hooks-" + counter + ".log");
        String hook = "{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo %s $(cat) >> " + log + "\"]}";
        String config = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c", "exit 0")).replace("\"linux\" : {",
                "\"hooks\" : {\"prestart\" : [" + hook.formatted("prestart") + "], \"createRuntime\" : ["
                + hook.formatted("createRuntime") + "], \"poststart\" : [" + hook.formatted("poststart")
                + "], \"poststop\" : [" + hook.formatted("poststop") + "]}, \"linux\" : {");
        // The bundle holds the root filesystem, as root.path "rootfs" says.
        Path bundle = rootfs.getParent();
        Files.writeString(bundle.resolve("config.json"), config.replace("\"path\" : \"" + rootfs + "\"",
                "\"path\" : \"rootfs\""));
        String id = nextId();
        assertThat(runc("create", "--bundle", bundle.toString(), id).status()).isZero();
        long pid = state(id).get("pid").asLong();
        assertThat(runc("start", id).status()).isZero();
        awaitStatus(id, "stopped");
        assertThat(runc("delete", id).status()).isZero();

        List<String> lines = Files.readAllLines(log);
        assertThat(lines).extracting(l -> l.substring(0, l.indexOf(' ')))
                .containsExactly("prestart", "createRuntime", "poststart", "poststop");
        for (String line : lines) {
            JsonNode state = OciJson.mapper().readTree(line.substring(line.indexOf(' ') + 1));
            assertThat(state.get("id").asText()).isEqualTo(id);
            assertThat(state.get("bundle").asText()).isEqualTo(bundle.toString());
            if (!line.startsWith("poststop")) {
                assertThat(state.get("pid").asLong()).as(line).isEqualTo(pid);
            }
        }
        assertThat(OciJson.mapper().readTree(lines.get(2).substring(10)).get("status").asText()).isEqualTo("running");
    }

    @Test
    void aTerminalIsSentToTheConsoleSocketAndIsTheProcesssControllingTerminal() throws Exception {
        String config = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c",
                "tty; stty size; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-tty; cat /proc/self/stat | cut -d' ' -f7;"
                        + " ls -l /dev/console | cut -c1; read line; echo got:$line"))
                .replace("\"args\" : [", "\"terminal\" : true, \"consoleSize\" : {\"height\" : 40, \"width\" : 100}, "
                        + "\"args\" : [");
        String id = nextId();
        Path socket = tmp.resolve(id + ".console");
        try (ConsoleSocket console = ConsoleSocket.listen(socket)) {
            Result created = runc("create", "--bundle", bundleWithConfig(config).toString(), "--console-socket",
                    socket.toString(), id);
            assertThat(created.status()).as(created.err()).isZero();
            try (ConsoleSocket.Terminal terminal = console.receive(Duration.ofSeconds(10))) {
                assertThat(runc("start", id).status()).isZero();
                terminal.output().write("hello\n".getBytes(StandardCharsets.UTF_8));
                String out = new String(terminal.input().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
                // The terminal echoes the input wherever it falls among the output lines.
                List<String> lines = Stream.of(out.split("\n")).filter(l -> !l.equals("hello")).toList();
                assertThat(lines.get(0)).as("tty in the container: %s", out).isEqualTo("/dev/pts/0");
                assertThat(lines.get(1)).as("process.consoleSize").isEqualTo("40 100");
                assertThat(lines.get(2)).isEqualTo("stdio-is-a-tty");
                assertThat(lines.get(3)).as("tty_nr in /proc/self/stat: a controlling terminal (devpts major 136)")
                        .isEqualTo(Integer.toString(136 << 8));
                assertThat(lines.get(4)).as("/dev/console is the terminal, a character device").isEqualTo("c");
                assertThat(out).as("input typed into the terminal reaches the process").contains("got:hello");
            }
        }
        awaitStatus(id, "stopped");
        assertThat(runc("delete", id).status()).isZero();
        assertThat(runc("create", "--bundle", bundleWithConfig(config).toString(), nextId()).err())
                .as("a terminal without a console socket").contains("process.terminal is true: give --console-socket");
    }

    @Test
    void execWithTtySendsItsOwnTerminal() throws Exception {
        String id = nextId();
        assertThat(runc("run", "--detach", "--bundle", bundle("exec sleep 30").toString(), id).status()).isZero();
        Path socket = tmp.resolve(id + ".console");
        try (ConsoleSocket console = ConsoleSocket.listen(socket)) {
            Result exec = runc("exec", "--tty", "--console-socket", socket.toString(), "--detach", id,
                    "sh", "-c", "tty; [ -t 0 ] && echo stdin-is-a-tty");
            assertThat(exec.status()).as(exec.err()).isZero();
            try (ConsoleSocket.Terminal terminal = console.receive(Duration.ofSeconds(10))) {
                String out = new String(terminal.input().readAllBytes(), StandardCharsets.UTF_8).replace("\r", "");
                assertThat(out).isEqualTo("/dev/pts/0\nstdin-is-a-tty\n");
            }
        }
        assertThat(runc("exec", "--console-socket", socket.toString(), id, "true").err())
                .as("a console socket without a terminal").contains("--console-socket is only for a process with a terminal");
        assertThat(runc("delete", "--force", id).status()).isZero();
    }

    @Test
    void withoutNamespacesTheContainerIsInTheRuntimesAndItsMountsGoAtDelete() throws Exception {
        Path ownRootfs = BusyboxRootfs.create(tmp.resolve("rootfs-host-namespaces"));
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                OciJson.mapper().readTree(OciJson.write(TestSpecs.docker(ownRootfs, "sh", "-c",
                        "for ns in mnt pid net; do readlink /proc/self/ns/$ns >> /ns; done; exec sleep 30")));
        config.remove("hostname");
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("linux")).remove("namespaces");
        String id = nextId();
        try {
            Result created = runc("create", "--bundle", bundleWithConfig(config.toString()).toString(), id);
            assertThat(created.status()).as(created.err()).isZero();
            assertThat(runc("start", id).status()).isZero();
            awaitFile(ownRootfs.resolve("ns"));
            List<String> self = new ArrayList<>();
            for (String ns : List.of("mnt", "pid", "net")) {
                self.add(Files.readSymbolicLink(Path.of("/proc/self/ns/" + ns)).toString());
            }
            for (int i = 0; i < 100 && Files.readAllLines(ownRootfs.resolve("ns")).size() < 3; i++) {
                Thread.sleep(10);
            }
            assertThat(Files.readAllLines(ownRootfs.resolve("ns"))).as("config-linux.md: a namespace type left out "
                    + "is inherited from the runtime").isEqualTo(self);
            assertThat(HostMounts.mountsAt(ownRootfs.resolve("proc"))).as("/proc is mounted in our namespace").isOne();
            assertThat(runc("delete", "--force", id).status()).isZero();
            assertThat(HostMounts.mountsAt(ownRootfs)).as("the root filesystem's bind mount is gone").isZero();
            assertThat(HostMounts.mountsAt(ownRootfs.resolve("proc"))).as("and every mount below it").isZero();
        } finally {
            // Left mounted, /proc and /sys below it would be walked by the temporary directory's removal.
            runc("delete", "--force", id);
            HostMounts.detachTree(ownRootfs);
        }
    }

    @Test
    void rootfsPropagationIsTheRootMountsAndTheSetupMountsStayPrivate() throws Exception {
        String capabilities = "\"capabilities\" : {\"bounding\" : [\"CAP_SYS_ADMIN\"], \"effective\" : "
                + "[\"CAP_SYS_ADMIN\"], \"permitted\" : [\"CAP_SYS_ADMIN\"]}, \"args\" : [";
        String shared = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c",
                        "grep -E '^[0-9]+ [0-9]+ [0-9:]+ [^ ]+ (/|/proc) ' /proc/self/mountinfo > /propagation"))
                .replace("\"args\" : [", capabilities)
                .replace("\"namespaces\" :", "\"rootfsPropagation\" : \"shared\", \"namespaces\" :");
        Result run = runc("run", "--bundle", bundleWithConfig(shared).toString(), nextId());
        assertThat(run.status()).as(run.err()).isZero();
        List<String> lines = Files.readAllLines(rootfs.resolve("propagation"));
        Files.delete(rootfs.resolve("propagation"));
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).as("the root is shared").contains(" shared:");
        assertThat(lines.get(1)).as("/proc, mounted before, is not: an unmount propagating to it from a bind of / "
                + "would take it away").doesNotContain(" shared:");

        String unbindable = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c",
                        "mkdir -p /tmp/b && ! mount --bind / /tmp/b"))
                .replace("\"args\" : [", capabilities)
                .replace("\"namespaces\" :", "\"rootfsPropagation\" : \"unbindable\", \"namespaces\" :");
        Result refused = runc("run", "--bundle", bundleWithConfig(unbindable).toString(), nextId());
        assertThat(refused.status()).as("an unbindable root cannot be bound: %s", refused.err()).isZero();
    }

    @Test
    void aFifoInLinuxDevicesNeedsNoDeviceCgroupRule() throws Exception {
        String config = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c", "test -p /dev/fifo"))
                .replace("\"namespaces\" :", "\"devices\" : [{\"path\" : \"/dev/fifo\", \"type\" : \"p\", "
                        + "\"major\" : 8, \"minor\" : 666}], \"namespaces\" :");
        assertThat(config).as("Docker's device rules, which deny what they do not name").contains("\"allow\" : false");
        Result run = runc("run", "--bundle", bundleWithConfig(config).toString(), nextId());
        assertThat(run.status()).as(run.err()).isZero();
    }

    @Test
    void capabilitiesOutsideTheRuntimesBoundingSetAreLeftOutWithAWarning() throws Exception {
        assertThat(Path.of("/usr/bin/setpriv")).as("util-linux's setpriv runs the runtime with a smaller bounding set")
                .exists();
        String all = "[\"CAP_SYS_TIME\", \"CAP_KILL\"]";
        String config = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c",
                        "grep -e CapEff -e CapBnd /proc/self/status > /caps"))
                .replace("\"args\" : [", "\"capabilities\" : {\"bounding\" : " + all + ", \"effective\" : " + all
                        + ", \"permitted\" : " + all + ", \"inheritable\" : " + all + ", \"ambient\" : " + all
                        + "}, \"args\" : [");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.lang.Process p = new ProcessBuilder("/usr/bin/setpriv", "--bounding-set", "-sys_time", java, "-cp",
                System.getProperty("java.class.path"), Runc.class.getName(), "--root", stateRoot.toString(), "run",
                "--bundle", bundleWithConfig(config).toString(), nextId()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("config.md: runtimes SHOULD NOT fail for capabilities that cannot be granted: %s",
                output).isZero();
        assertThat(output).as("but MUST log a warning").contains("WARNING").contains("CAP_SYS_TIME");
        long kill = 1L << 5;
        long sysTime = 1L << 25;
        for (String line : Files.readAllLines(rootfs.resolve("caps"))) {
            long set = Long.parseUnsignedLong(line.substring(line.indexOf(':') + 1).trim(), 16);
            assertThat(set & kill).as(line).isEqualTo(kill);
            assertThat(set & sysTime).as(line).isZero();
        }
        Files.delete(rootfs.resolve("caps"));
    }

    @Test
    void aProgramThatCannotBeFoundFailsCreateAndLeavesNothing() throws Exception {
        for (String program : List.of("/bin/nope", "nope")) {
            String id = nextId();
            Result r = runc("create", "--bundle", bundleWithConfig(OciJson.writePretty(TestSpecs.docker(rootfs,
                    program))).toString(), id);
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains(program.startsWith("/") ? "exec \"/bin/nope\": no such file or directory"
                    : "exec \"nope\": executable file not found in $PATH");
            assertThat(stateRoot.resolve(id)).as("runtime.md: an error leaves the state as if never attempted")
                    .doesNotExist();
        }
    }

    @Test
    void withoutAProcessCreateWorksAndStartFailsLeavingItCreated() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                OciJson.mapper().readTree(OciJson.write(TestSpecs.docker(rootfs, "true")));
        config.remove("process");
        String id = nextId();
        Result created = runc("create", "--bundle", bundleWithConfig(config.toString()).toString(), id);
        assertThat(created.status()).as("config.md: process is REQUIRED only when start is called: %s",
                created.err()).isZero();
        Result started = runc("start", id);
        assertThat(started.status()).isEqualTo(1);
        assertThat(started.err()).contains("has no process in its config.json");
        assertThat(state(id).get("status").asText()).as("the failed start left it as it was").isEqualTo("created");
        assertThat(runc("delete", "--force", id).status()).isZero();
    }

    @Test
    void featuresDescribeWhatTheRuntimeDoes() throws Exception {
        Result r = runc("features");
        assertThat(r.status()).isZero();
        JsonNode f = OciJson.mapper().readTree(r.out());
        assertThat(f.get("hooks")).extracting(JsonNode::asText).containsExactly("prestart", "createRuntime",
                "createContainer", "startContainer", "poststart", "poststop");
        assertThat(f.at("/linux/namespaces")).extracting(JsonNode::asText).contains("mount", "user", "pid");
        assertThat(f.at("/linux/seccomp/enabled").asBoolean()).isTrue();
        assertThat(f.at("/linux/seccomp/actions")).extracting(JsonNode::asText).contains("SCMP_ACT_ERRNO")
                .doesNotContain("SCMP_ACT_NOTIFY");
        assertThat(f.get("mountOptions")).extracting(JsonNode::asText).contains("ro", "rshared", "nosuid");
    }

    @Test
    void invalidConfigsAreRefusedWithThePathAndNothingIsLeft() throws Exception {
        String docker = OciJson.writePretty(TestSpecs.docker(rootfs, "true"));
        assertRefused(docker.replace("\"uts\"", "\"utz\""), "linux.namespaces[3].type");
        assertRefused(docker.replace("\"destination\" : \"/dev/shm\"", "\"destination\" : \"dev/shm\""),
                "mounts[3].destination: 'dev/shm' is not an absolute path");
        assertRefused(docker.replace("\"limit\" : 67108864", "\"limit\" : -5"),
                "linux.resources.memory.limit: -5 is neither -1 (unlimited) nor a size in bytes");
        assertRefused(docker.replace("\"maskedPaths\"", "\"seccomp\" : {\"defaultAction\" : \"SCMP_ACT_ALLOW\", "
                + "\"architectures\" : [\"SCMP_ARCH_X86_64\"], \"syscalls\" : [{\"names\" : [\"no_such_call\"], "
                + "\"action\" : \"SCMP_ACT_ERRNO\"}]}, \"maskedPaths\""), "linux.seccomp");
        assertRefused(docker.replace("\"ociVersion\" : \"1.2.0\"", "\"ociVersion\" : \"one\""), "config.ociVersion");
    }

    private static void assertRefused(String config, String expected) throws IOException {
        assertThat(config).as("the test's edit applied").isNotEqualTo(OciJson.writePretty(TestSpecs.docker(rootfs, "true")));
        String id = nextId();
        Result r = runc("create", "--bundle", bundleWithConfig(config).toString(), id);
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).contains(expected);
        assertThat(stateRoot.resolve(id)).as("no state left").doesNotExist();
        assertThat(Cgroups.detect().roots()).as("no cgroup left")
                .allMatch(root -> !Files.exists(root.resolve("stevedore-runc/" + id)));
    }

    /** Waits until the container has written a line to {@code file}. */
    private static void awaitFile(Path file) throws Exception {
        for (int i = 0; i < 500 && !(Files.exists(file) && Files.readString(file).endsWith("\n")); i++) {
            Thread.sleep(10);
        }
        assertThat(file).exists();
    }
}
