package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.ContainerStatus;
import dev.stevedore.oci.runtime.Hook;
import dev.stevedore.oci.runtime.Hooks;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.oci.runtime.State;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OCI hooks around real containers, as root: order, namespaces, the state on stdin, failures and timeouts. */
class HooksContainerTest {
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

    static synchronized String nextId() {
        return "h" + counter++;
    }

    /** A shell hook; {@code /bin/sh} is the host's or, for startContainer, the container's. */
    static Hook sh(String script, Integer timeout) {
        return new Hook("/bin/sh", List.of("sh", "-c", script), List.of("PATH=/usr/bin:/bin"), timeout, null);
    }

    /** Appends "KIND NET-NAMESPACE HOSTNAME STATE" to the log. */
    static Hook logging(String kind, Path log) {
        return sh("echo " + kind + " $(readlink /proc/self/ns/net) $(hostname) $(cat) >> " + log, null);
    }

    static Spec withHooks(Spec spec, Hooks hooks) {
        return new Spec(spec.ociVersion(), spec.process(), spec.root(), spec.hostname(), spec.domainname(),
                spec.mounts(), hooks, Map.of("org.example/hooked", "yes"), spec.linux(), spec.extensions());
    }

    static Hooks hooks(List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
            List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
        return new Hooks(prestart, createRuntime, createContainer, startContainer, poststart, poststop, null);
    }

    @Test
    void everyHookRunsInItsPlaceWithTheState() throws IOException {
        Path logs = Files.createDirectories(tmp.resolve("logs"));
        Path log = logs.resolve("log");
        Spec spec = TestSpecs.docker(rootfs, "sh", "-c", "echo process >> /logs/log").withMount(
                Mount.bind(logs.toString(), "/logs", false));
        spec = withHooks(spec, hooks(List.of(logging("prestart", log)), List.of(logging("createRuntime", log)),
                List.of(logging("createContainer", log)), List.of(logging("startContainer", Path.of("/logs/log"))),
                List.of(logging("poststart", log)), List.of(logging("poststop", log))));
        String id = nextId();
        ContainerHandle c = runtime.create(id, spec, List.of(), Stdio.discard());
        long pid = c.pid();
        assertThat(Files.readAllLines(log)).extracting(l -> l.split(" ")[0])
                .containsExactly("prestart", "createRuntime", "createContainer");
        c.start();
        assertThat(c.waitFor()).isZero();
        c.delete();
        List<String> all = Files.readAllLines(log);
        assertThat(all).as("the process runs after startContainer (and races with poststart)")
                .containsSubsequence(all.get(3), "process");
        List<String> lines = all.stream().filter(l -> !l.equals("process")).toList();
        assertThat(lines).extracting(l -> l.split(" ")[0]).containsExactly("prestart", "createRuntime",
                "createContainer", "startContainer", "poststart", "poststop");

        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        String hostName = java.net.InetAddress.getLocalHost().getHostName();
        List<String> namespaces = lines.stream().map(l -> l.split(" ")[1] + " " + l.split(" ")[2]).toList();
        String inside = namespaces.get(2);
        assertThat(inside).isNotEqualTo(hostNet + " " + hostName).endsWith(" box");
        assertThat(namespaces).containsExactly(hostNet + " " + hostName, hostNet + " " + hostName, inside, inside,
                hostNet + " " + hostName, hostNet + " " + hostName);

        List<State> states = lines.stream().map(l -> OciJson.read(l.substring(l.indexOf('{')), State.class, "state")).toList();
        assertThat(states).extracting(State::status).containsExactly(ContainerStatus.CREATED, ContainerStatus.CREATED,
                ContainerStatus.CREATED, ContainerStatus.CREATED, ContainerStatus.RUNNING, ContainerStatus.STOPPED);
        assertThat(states.subList(0, 5)).allSatisfy(s -> assertThat(s.pid()).isEqualTo((int) pid));
        assertThat(states.get(5).pid()).isNull();
        assertThat(states).allSatisfy(s -> {
            assertThat(s.id()).isEqualTo(id);
            assertThat(s.bundle()).isEqualTo(tmp.toString());
            assertThat(s.annotations()).containsEntry("org.example/hooked", "yes");
        });
    }

    @Test
    void aFailingCreateHookFailsCreateAndLeavesNothingBehind() {
        Spec spec = withHooks(TestSpecs.docker(rootfs, "true"), hooks(List.of(), List.of(sh("echo no network; exit 3",
                null)), List.of(), List.of(), List.of(), List.of()));
        String id = nextId();
        assertThatThrownBy(() -> runtime.create(id, spec, List.of(), Stdio.discard()))
                .hasMessage("createRuntime hook \"/bin/sh\" exited with status 3: no network");
        ContainerHandle again = runtime.create(id, TestSpecs.docker(rootfs, "true"), List.of(), Stdio.discard());
        again.delete();
    }

    @Test
    void containerHooksFailuresAndTimeouts() {
        Spec timesOut = withHooks(TestSpecs.docker(rootfs, "true"), hooks(List.of(), List.of(),
                List.of(sh("sleep 5", 1)), List.of(), List.of(), List.of()));
        long before = System.nanoTime();
        assertThatThrownBy(() -> runtime.create(nextId(), timesOut, List.of(), Stdio.discard()))
                .hasMessage("createContainer hook \"/bin/sh\" timed out after 1 s");
        assertThat((System.nanoTime() - before) / 1_000_000).isLessThan(4000);

        Spec fails = withHooks(TestSpecs.docker(rootfs, "true"), hooks(List.of(), List.of(), List.of(),
                List.of(sh("exit 4", null)), List.of(), List.of()));
        ContainerHandle c = runtime.create(nextId(), fails, List.of(), Stdio.discard());
        try {
            assertThatThrownBy(c::start).hasMessage("startContainer hook \"/bin/sh\" exited with status 4");
        } finally {
            c.delete();
        }
    }

    @Test
    void poststartAndPoststopFailuresAreOnlyWarnings() {
        Spec spec = withHooks(TestSpecs.docker(rootfs, "sh", "-c", "exit 7"), hooks(List.of(), List.of(), List.of(),
                List.of(), List.of(sh("exit 1", null)), List.of(sh("exit 1", null))));
        ContainerHandle c = runtime.create(nextId(), spec, List.of(), Stdio.discard());
        c.start();
        assertThat(c.waitFor()).isEqualTo(7);
        c.delete();
    }
}
