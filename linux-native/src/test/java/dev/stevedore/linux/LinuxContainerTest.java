package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.ContainerState;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** End to end, as root: real namespaces, mounts and cgroups around a busybox rootfs. */
class LinuxContainerTest {
    @TempDir
    static Path tmp;
    static Path rootfs;
    static ContainerRuntime runtime;
    static int counter;

    @BeforeAll
    static void open() {
        rootfs = RootHost.busyboxRootfs(tmp);
        runtime = new LinuxBackend().open(tmp.resolve("state"));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    record Result(int status, String out, String err) {
    }

    static Result run(Spec spec) {
        return run(spec, List.of());
    }

    static synchronized String nextId() {
        return "c" + counter++;
    }

    static Result run(Spec spec, List<RootfsMount> mounts) {
        ContainerHandle c = runtime.create(nextId(), spec, mounts, Stdio.pipes());
        try {
            c.stdin().close();
            c.start();
            String out = new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8);
            String err = new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8);
            return new Result(c.waitFor(), out, err);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            c.delete();
        }
    }

    static Spec sh(String script) {
        return TestSpecs.docker(rootfs, "sh", "-c", script);
    }

    @Test
    void hostnamePidOneEnvAndCwd() {
        Spec spec = sh("hostname; echo pid=$$; echo foo=$FOO; pwd").withCwd("/work/dir")
                .withEnv(List.of("PATH=/bin", "FOO=bar baz"));
        Result r = run(spec);
        assertThat(r.out()).isEqualTo("box\npid=1\nfoo=bar baz\n/work/dir\n");
        assertThat(r.status()).isZero();
    }

    @Test
    void mountsAreThoseOfTheSpec() {
        Result r = run(sh("cat /proc/self/mountinfo; ls /dev; echo > /sys/x 2>&1 || echo sys-ro; cat /proc/kcore | wc -c"));
        assertThat(r.out()).contains(" / /proc rw,nosuid,nodev,noexec", " /dev rw,nosuid - tmpfs",
                " /dev/pts ", "devpts", " /dev/shm ", " /dev/mqueue ", " /sys ro,", " /proc/sys ro,", " /etc/hosts ",
                " /etc/resolv.conf ", " /etc/hostname ");
        assertThat(r.out()).contains("null\n", "zero\n", "full\n", "random\n", "urandom\n", "tty\n", "ptmx\n", "stdin\n",
                "sys-ro\n");
        assertThat(r.out()).as("/proc/kcore is masked by /dev/null").endsWith("\n0\n");
        assertThat(r.out()).as("the host's mounts are gone").doesNotContain(" /sys/fs/cgroup ", " /run ");
    }

    @Test
    void volumesReadWriteAndReadOnly() throws IOException {
        Path rw = Files.createDirectories(tmp.resolve("vol-rw"));
        Path ro = Files.createDirectories(tmp.resolve("vol-ro"));
        Files.writeString(ro.resolve("in"), "from host");
        Spec spec = sh("echo hi > /data/out; cat /ro/in; echo; touch /ro/x 2>/dev/null || echo ro-refused")
                .withMount(Mount.bind(rw.toString(), "/data", false))
                .withMount(Mount.bind(ro.toString(), "/ro", true));
        Result r = run(spec);
        assertThat(r.out()).isEqualTo("from host\nro-refused\n");
        assertThat(Files.readString(rw.resolve("out"))).isEqualTo("hi\n");
    }

    @Test
    void missingVolumeSourceNamesBothPaths() {
        Spec spec = sh("true").withMount(Mount.bind("/host/dir", "/data", false));
        assertThatThrownBy(() -> run(spec)).isInstanceOf(ContainerBackendException.class)
                .hasMessage("mount \"/host/dir\" on \"/data\": no such file or directory");
    }

    @Test
    void userAndGroups() {
        Spec spec = sh("id; umask").withProcess(sh("").process().withArgs("sh", "-c", "id; umask")
                .withUser(new Process.User(1000L, 1000L, 077, List.of(2000L), null, null)));
        Result r = run(spec);
        assertThat(r.out()).isEqualTo("uid=1000(app) gid=1000(app) groups=2000(extra)\n0077\n");
    }

    @Test
    void exitCodesAndSignals() {
        assertThat(run(sh("exit 3")).status()).isEqualTo(3);
        ContainerHandle c = runtime.create(nextId(), sh("sleep 100"), List.of(), Stdio.discard());
        try {
            c.start();
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
            assertThat(c.waitFor(Duration.ofMillis(100))).isEmpty();
            c.kill(9);
            assertThat(c.waitFor(Duration.ofSeconds(5))).hasValue(137);
            assertThat(c.state()).isEqualTo(ContainerState.STOPPED);
        } finally {
            c.delete();
        }
    }

    @Test
    void signalsStillReachTheContainerAfterAnInterruptedWait() throws Exception {
        // An interrupt closes the channel a waiting thread reads the exit status from.
        ContainerHandle c = runtime.create(nextId(), sh("trap 'exit 7' TERM; while true; do sleep 0.05; done"),
                List.of(), Stdio.discard());
        try {
            c.start();
            java.util.concurrent.CompletableFuture<Throwable> waited = new java.util.concurrent.CompletableFuture<>();
            Thread waiter = new Thread(() -> {
                try {
                    waited.complete(new AssertionError("waitFor returned " + c.waitFor()));
                } catch (RuntimeException e) {
                    waited.complete(e);
                }
            });
            waiter.start();
            Thread.sleep(200);
            waiter.interrupt();
            assertThat(waited.get(5, java.util.concurrent.TimeUnit.SECONDS)).isInstanceOf(ContainerBackendException.class)
                    .hasMessageContaining("interrupted");
            c.kill(15);
            assertThat(c.waitFor(Duration.ofSeconds(10))).hasValue(7);
            assertThat(c.waitFor()).isEqualTo(7);
            assertThat(c.state()).isEqualTo(ContainerState.STOPPED);
        } finally {
            c.delete();
        }
    }

    @Test
    void execJoinsTheContainer() throws IOException {
        ContainerHandle c = runtime.create(nextId(), sh("echo started; sleep 100; true"), List.of(), Stdio.pipes());
        try {
            c.start();
            assertThat(new String(c.stdout().readNBytes(8), StandardCharsets.UTF_8)).isEqualTo("started\n");
            ContainerProcess p = c.exec(Process.of("sh", "-c", "hostname; cat /proc/1/cmdline; echo; id -u; exit 4")
                    .withEnv(List.of("PATH=/bin")).withUser(Process.User.of(1000, 1000)), Stdio.pipes());
            String out = new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).isEqualTo(4);
            assertThat(out).isEqualTo("box\nsh\0-c\0echo started; sleep 100; true\0\n1000\n");
            assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
        } finally {
            c.delete();
        }
    }

    @Test
    void terminalsOfTheContainerAndOfAnExec() throws IOException {
        Spec spec = sh("tty; stty size; read line; echo got $line; exec sleep 100");
        spec = spec.withProcess(spec.process().withTerminal(true)
                .withConsoleSize(new Process.ConsoleSize(30L, 100L, null)));
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.discard());
        try {
            c.start();
            assertThat(new String(c.stdout().readNBytes(20), StandardCharsets.UTF_8))
                    .isEqualTo("/dev/pts/0\r\n30 100\r\n");
            c.stdin().write("x\n".getBytes(StandardCharsets.UTF_8));
            assertThat(new String(c.stdout().readNBytes(10), StandardCharsets.UTF_8)).isEqualTo("x\r\ngot x\r\n");
            assertThat(c.stderr().read()).isEqualTo(-1);
            ContainerProcess p = c.exec(Process.of("sh", "-c", "tty; id -u; stat -c %u $(tty); stty size")
                    .withEnv(List.of("PATH=/bin")).withUser(Process.User.of(1000, 1000)).withTerminal(true),
                    Stdio.discard());
            p.resizeTerminal(50, 10);
            assertThat(new String(p.stdout().readAllBytes(), StandardCharsets.UTF_8))
                    .as("the exec's own terminal, owned by its user").isEqualTo("/dev/pts/1\r\n1000\r\n1000\r\n10 50\r\n");
            assertThat(p.waitFor()).isZero();
        } finally {
            c.delete();
        }
        assertThat(c.stdout().read()).as("the terminal is closed with the container").isEqualTo(-1);
        ContainerProcess piped = runtime.create(nextId(), sh("true"), List.of(), Stdio.discard());
        try {
            assertThatThrownBy(() -> piped.resizeTerminal(80, 24)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("has no terminal");
        } finally {
            ((ContainerHandle) piped).delete();
        }
    }

    @Test
    void execErrors() {
        ContainerHandle c = runtime.create(nextId(), sh("sleep 100"), List.of(), Stdio.discard());
        try {
            c.start();
            assertThatThrownBy(() -> c.exec(Process.of("/bin/nope"), Stdio.discard()))
                    .hasMessage("exec \"/bin/nope\": no such file or directory");
        } finally {
            c.delete();
        }
    }

    @Test
    void missingExecutableExits127() {
        ContainerHandle c = runtime.create(nextId(), TestSpecs.docker(rootfs, "/bin/nope"), List.of(), Stdio.discard());
        try {
            assertThatThrownBy(c::start).isInstanceOf(ContainerBackendException.class)
                    .hasMessage("exec \"/bin/nope\": no such file or directory")
                    .satisfies(e -> assertThat(((ContainerBackendException) e).exitStatus()).hasValue(127));
            assertThat(c.waitFor()).isEqualTo(127);
            assertThat(c.state()).isEqualTo(ContainerState.STOPPED);
        } finally {
            c.delete();
        }
        assertThatThrownBy(() -> run(TestSpecs.docker(rootfs, "nope")))
                .hasMessage("exec \"nope\": executable file not found in $PATH");
    }

    @Test
    void badCwd() {
        assertThatThrownBy(() -> run(sh("true").withCwd("/etc/passwd")))
                .hasMessage("chdir to cwd \"/etc/passwd\" failed: not a directory");
    }

    @Test
    void readOnlyRootfs() {
        Spec spec = sh("touch /x 2>/dev/null || echo refused; echo ok > /tmp/y 2>/dev/null || echo tmp-refused");
        spec = spec.withRoot(spec.root().withReadonly(true));
        assertThat(run(spec).out()).isEqualTo("refused\ntmp-refused\n");
    }

    @Test
    void memoryAndPidsLimits() {
        Spec spec = sh("sleep 100").withResources(Resources.none().withMemory(Resources.Memory.limit(32 << 20))
                .withPids(Resources.Pids.of(4)));
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.discard());
        try {
            c.start();
            LinuxRuntime rt = (LinuxRuntime) runtime;
            String cgroup = ((LinuxContainer) c).cgroup();
            assertThat(rt.cgroups().read("memory", cgroup, rt.cgroups().isV2("memory") ? "memory.max"
                    : "memory.limit_in_bytes")).isEqualTo(Long.toString(32 << 20));
            assertThat(rt.cgroups().read("pids", cgroup, "pids.max")).as("4 plus the helper").isEqualTo("5");
            assertThat(rt.cgroups().read("pids", cgroup, "cgroup.procs").split("\n")).as("helper and container")
                    .containsExactlyInAnyOrder(Long.toString(((LinuxContainer) c).helperPid()), Long.toString(c.pid()));
            assertThat(c.stats().pids()).isEqualTo(1);
        } finally {
            c.delete();
        }
        Result forks = run(sh("for i in 1 2 3 4 5 6; do sleep 5 & done 2>&1; echo done")
                .withResources(Resources.none().withPids(Resources.Pids.of(4))));
        assertThat(forks.out() + forks.err()).contains("can't fork");
    }

    @Test
    void overlayWith130LayersAndUpper() throws IOException {
        List<Path> layers = new java.util.ArrayList<>();
        layers.add(rootfs);
        for (int i = 1; i < 130; i++) {
            Path layer = Files.createDirectories(tmp.resolve("layers/sha256-" + "0".repeat(48) + i));
            Files.writeString(layer.resolve("layer"), Integer.toString(i));
            Files.writeString(layer.resolve("l" + i), "");
            layers.add(layer);
        }
        OverlaySnapshotter snapshotter = new OverlaySnapshotter();
        assertThat(snapshotter.unavailableReason(tmp)).isNull();
        Path snap = Files.createDirectories(tmp.resolve("snap"));
        Path root = Files.createDirectories(snap.resolve("rootfs"));
        List<RootfsMount> mounts = snapshotter.prepare(snap, layers, false);
        Result r = run(TestSpecs.docker(root, "sh", "-c", "cat /layer; echo; ls / | grep -c '^l[0-9]'; echo new > /new"),
                mounts);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).isEqualTo("129\n129\n");
        assertThat(Files.readString(snap.resolve("upper/new"))).isEqualTo("new\n");
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).as("no mount leaks to the host")
                .noneMatch(l -> l.contains(root.toString()));

        Path roSnap = Files.createDirectories(tmp.resolve("snap-ro"));
        Path roRoot = Files.createDirectories(roSnap.resolve("rootfs"));
        Result ro = run(TestSpecs.docker(roRoot, "sh", "-c", "cat /layer; echo; touch /x 2>/dev/null || echo refused"),
                snapshotter.prepare(roSnap, layers, true));
        assertThat(ro.out()).isEqualTo("129\nrefused\n");
    }

    @Test
    void stdinAndFiles() throws IOException {
        ContainerHandle c = runtime.create(nextId(), sh("cat; echo err >&2"), List.of(), Stdio.pipes());
        try {
            c.start();
            c.stdin().write("fed through stdin\n".getBytes(StandardCharsets.UTF_8));
            c.stdin().close();
            assertThat(new String(c.stdout().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("fed through stdin\n");
            assertThat(new String(c.stderr().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("err\n");
            assertThat(c.waitFor()).isZero();
        } finally {
            c.delete();
        }
        Path out = tmp.resolve("out.log");
        Path err = tmp.resolve("err.log");
        ContainerHandle f = runtime.create(nextId(), sh("echo to-file; echo to-err >&2"), List.of(), Stdio.files(out, err));
        try {
            f.start();
            assertThat(f.waitFor()).isZero();
            assertThat(Files.readString(out)).isEqualTo("to-file\n");
            assertThat(Files.readString(err)).isEqualTo("to-err\n");
        } finally {
            f.delete();
        }
    }

    @Test
    void manyContainersLeaveNeitherDescriptorsNorZombies() throws IOException {
        for (int i = 0; i < 30; i++) {
            if (i == 5) {
                // Warm: what the JVM opens once (class files in jars, ...) is open by now.
                descriptorsBefore = openDescriptors();
            }
            assertThat(run(sh("echo " + i)).out()).isEqualTo(i + "\n");
            ContainerHandle c = runtime.create(nextId(), sh("sleep 1"), List.of(), Stdio.discard());
            c.start();
            c.delete();
        }
        List<String> after = openDescriptors();
        List<String> added = new java.util.ArrayList<>(after);
        added.removeAll(descriptorsBefore);
        // Spares are replaced meanwhile (new sockets and pipes) and one may be in the making (its socket and
        // pipe): the numbers tell, with that slack. A leak grows with the 25 containers measured.
        assertThat(after.size()).as("descriptors of this JVM, with these opened meanwhile: " + added)
                .isLessThanOrEqualTo(descriptorsBefore.size() + 3);
        assertThat(zombieChildren()).as("children exited but not reaped").isEmpty();
    }

    private static List<String> descriptorsBefore;

    /**
     * @return the JVM's descriptors, each as its number and what it leads to, when the fewest are
     *     open: not while a spare is being prepared
     */
    private static List<String> openDescriptors() throws IOException {
        List<String> fewest = null;
        for (int i = 0; i < 10; i++) {
            List<String> fds = descriptors();
            if (fewest == null || fds.size() < fewest.size()) {
                fewest = fds;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        return fewest;
    }

    private static List<String> descriptors() throws IOException {
        List<String> fds = new java.util.ArrayList<>();
        // Without the listing's own descriptor.
        try (var dir = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : dir.toList()) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (!target.endsWith(Path.of(Long.toString(ProcessHandle.current().pid()), "fd"))) {
                        fds.add(fd.getFileName() + " -> " + target);
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // Closed meanwhile.
                }
            }
        }
        return fds;
    }

    private static List<String> zombieChildren() throws IOException {
        List<String> zombies = new java.util.ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                String children;
                try {
                    children = Files.readString(task.resolve("children")).trim();
                } catch (java.nio.file.NoSuchFileException e) {
                    continue;
                }
                for (String child : children.isEmpty() ? new String[0] : children.split(" ")) {
                    try {
                        String stat = Files.readString(Path.of("/proc", child, "stat"));
                        if (stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z")) {
                            zombies.add(stat);
                        }
                    } catch (java.nio.file.NoSuchFileException e) {
                        // Reaped meanwhile.
                    }
                }
            }
        }
        return zombies;
    }

    @Test
    void signalsReachTheProcess() {
        ContainerHandle c = runtime.create(nextId(), sh("trap 'exit 7' TERM; echo ready; while true; do sleep 1; done"),
                List.of(), Stdio.pipes());
        try {
            c.start();
            assertThat(new String(c.stdout().readNBytes(6), StandardCharsets.UTF_8)).isEqualTo("ready\n");
            c.kill(15);
            assertThat(c.waitFor(Duration.ofSeconds(5))).hasValue(7);
        } catch (IOException e) {
            throw new AssertionError(e);
        } finally {
            c.delete();
        }
    }

    @Test
    void networkHasOnlyLoopbackUp() {
        Result r = run(sh("ip -o link; wget -q -T 1 -O- http://198.51.100.1/ 2>&1 || echo no-route"));
        assertThat(r.out()).contains("1: lo: <LOOPBACK,UP,LOWER_UP>").endsWith("no-route\n");
        assertThat(r.out().lines().filter(l -> l.matches("\\d+: .*")).count()).as("only lo").isEqualTo(1);
    }

    @Test
    void joinsAnotherContainersNamespacesByPath() {
        ContainerHandle a = runtime.create(nextId(), sh("sleep 100"), List.of(), Stdio.discard());
        try {
            a.start();
            Spec b = sh("hostname").withHostname(null).withNamespaces(List.of(
                    dev.stevedore.oci.runtime.Namespace.of(dev.stevedore.oci.runtime.NamespaceType.MOUNT),
                    dev.stevedore.oci.runtime.Namespace.of(dev.stevedore.oci.runtime.NamespaceType.PID),
                    dev.stevedore.oci.runtime.Namespace.join(dev.stevedore.oci.runtime.NamespaceType.UTS,
                            "/proc/" + a.pid() + "/ns/uts")));
            assertThat(run(b).out()).isEqualTo("box\n");
        } finally {
            a.delete();
        }
    }

    @Test
    void processSettingsApply() {
        Process p = sh("").process().withArgs("grep", "-E", "^(SigBlk|SigIgn|NoNewPrivs|CapEff|CapBnd|CapAmb)",
                        "/proc/self/status")
                .withRlimits(List.of(Process.Rlimit.of(dev.stevedore.oci.runtime.RlimitType.RLIMIT_NOFILE, 100, 200)))
                .withNoNewPrivileges(true);
        p = new Process(p.terminal(), p.consoleSize(), p.user(), p.args(), p.commandLine(), p.env(), p.cwd(),
                p.capabilities(), p.rlimits(), p.noNewPrivileges(), p.apparmorProfile(), 500, p.scheduler(),
                p.selinuxLabel(), p.ioPriority(), p.execCPUAffinity(), p.extensions());
        Result r = run(sh("").withProcess(p));
        assertThat(r.out()).as("default signal handling, Docker's default capabilities").isEqualTo(
                "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\nCapEff:\t00000000a80425fb\n"
                + "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\nNoNewPrivs:\t1\n");
        assertThat(run(sh("").withProcess(p.withArgs("sh", "-c", "ulimit -n; cat /proc/self/oom_score_adj"))).out())
                .isEqualTo("100\n500\n");
        assertThat(run(TestSpecs.docker(rootfs, "ls", "/proc/self/fd")).out())
                .as("only stdio is inherited (3 is ls's own directory)").isEqualTo("0\n1\n2\n3\n");
    }

    @Test
    void helperIsNotReachableInside() {
        Path helper = ((LinuxRuntime) runtime).helperExecutable();
        assertThat(helper).isExecutable();
        assertThat(run(sh("test -e " + helper + " || echo unreachable")).out()).isEqualTo("unreachable\n");
    }

    @Test
    void overlayChangesBecomeAnOciLayer() throws IOException {
        OverlaySnapshotter snapshotter = new OverlaySnapshotter();
        Path snap = Files.createDirectories(tmp.resolve("snap-changes"));
        Path root = Files.createDirectories(snap.resolve("rootfs"));
        Result r = run(TestSpecs.docker(root, "sh", "-c", "rm /bin/echo; mkdir /x; echo a > /x/f; ln -s f /x/l;"
                + " rm -r /home; mkdir /home; echo b > /home/new"), snapshotter.prepare(snap, List.of(rootfs), false));
        assertThat(r.status()).isZero();
        java.io.ByteArrayOutputStream tar = new java.io.ByteArrayOutputStream();
        snapshotter.writeChanges(snap, List.of(rootfs), tar);
        List<String> entries = new java.util.ArrayList<>();
        try (org.apache.commons.compress.archivers.tar.TarArchiveInputStream in =
                new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                        new java.io.ByteArrayInputStream(tar.toByteArray()))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.add(e.getName() + (e.isSymbolicLink() ? " -> " + e.getLinkName()
                        : e.isFile() ? " " + new String(in.readAllBytes(), StandardCharsets.UTF_8).trim() : ""));
            }
        }
        assertThat(entries).contains("bin/", "bin/.wh.echo ", "x/", "x/f a", "x/l -> f", "home/",
                "home/.wh..wh..opq ", "home/new b");
        java.io.ByteArrayOutputStream second = new java.io.ByteArrayOutputStream();
        snapshotter.writeChanges(snap, List.of(rootfs), second);
        assertThat(second.toByteArray()).as("reproducible").isEqualTo(tar.toByteArray());
        snapshotter.remove(snap);
        assertThat(snap).doesNotExist();
    }

    @Test
    void foundByServiceLoader() {
        assertThat(java.util.ServiceLoader.load(dev.stevedore.spi.ContainerBackend.class).stream()
                .map(p -> p.get().name())).contains("linux");
        assertThat(java.util.ServiceLoader.load(dev.stevedore.spi.Snapshotter.class).stream()
                .map(p -> p.get().name())).contains("overlayfs");
    }

    @Test
    void domainname() {
        Spec s = sh("cat /proc/sys/kernel/domainname");
        s = new Spec(s.ociVersion(), s.process(), s.root(), s.hostname(), "example.test", s.mounts(), s.hooks(),
                s.annotations(), s.linux(), s.extensions());
        assertThat(run(s).out()).isEqualTo("example.test\n");
    }

    @Test
    void namespacedSysctl() {
        Spec s = sh("cat /proc/sys/net/ipv4/ip_unprivileged_port_start");
        s = s.withLinux(PlannerTest.withSysctl(s, "net.ipv4.ip_unprivileged_port_start", "80"));
        assertThat(run(s).out()).isEqualTo("80\n");
    }

    @Test
    void cgroupFilesystemShowsTheContainersLimits() {
        Spec spec = sh("cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max;"
                + " ls /sys/fs/cgroup | tr '\\n' ' '; echo; mkdir /sys/fs/cgroup/x 2>/dev/null || echo read-only")
                .withMount(dev.stevedore.oci.runtime.Mount.of("/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec",
                        "nodev", "relatime", "ro"))
                .withResources(Resources.none().withMemory(Resources.Memory.limit(48 << 20)));
        Result r = run(spec);
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).startsWith((48 << 20) + "\n").endsWith("read-only\n");
        assertThat(r.out()).as("only the container's own hierarchies").doesNotContain("cpuset", "devices")
                .contains("memory pids");
    }
}
