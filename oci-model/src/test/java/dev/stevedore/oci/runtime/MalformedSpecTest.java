package dev.stevedore.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each case breaks one thing in an otherwise valid config.json and expects the exact message. */
class MalformedSpecTest {

    private static final String VALID = """
            {"ociVersion": "1.2.0",
             "process": {"user": {"uid": 0, "gid": 0}, "args": ["sh"], "env": ["PATH=/bin"], "cwd": "/",
                         "capabilities": {"bounding": ["CAP_KILL"]},
                         "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]},
             "root": {"path": "rootfs"},
             "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
             "hooks": {"poststop": [{"path": "/bin/cleanup"}]},
             "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}],
                       "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
                       "resources": {"memory": {"limit": -1}, "pids": {"limit": 10}},
                       "seccomp": {"defaultAction": "SCMP_ACT_ALLOW",
                                   "syscalls": [{"names": ["ptrace"], "action": "SCMP_ACT_ERRNO",
                                                 "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]},
                       "maskedPaths": ["/proc/kcore"]}}
            """;

    static Stream<Arguments> cases() {
        return Stream.of(
                broken("missing ociVersion", "\"ociVersion\": \"1.2.0\",", "",
                        "config.ociVersion: is required"),
                broken("ociVersion not SemVer", "\"1.2.0\"", "\"1.2\"",
                        "config.ociVersion: \"1.2\" is not a SemVer version"),
                broken("invalid namespace type", "{\"type\": \"mount\"}", "{\"type\": \"pidd\"}",
                        "config.linux.namespaces[1].type: \"pidd\" is not a namespace type; "
                                + "expected one of pid, network, mount, ipc, uts, user, cgroup, time"),
                broken("duplicate namespace", "{\"type\": \"mount\"}", "{\"type\": \"pid\"}",
                        "config.linux.namespaces[1].type: \"pid\" appears more than once"),
                broken("relative cwd", "\"cwd\": \"/\"", "\"cwd\": \"work\"",
                        "config.process.cwd: \"work\" is not an absolute path"),
                broken("missing cwd", ", \"cwd\": \"/\"", "",
                        "config.process.cwd: is required"),
                broken("empty args", "\"args\": [\"sh\"]", "\"args\": []",
                        "config.process.args: must name at least the executable"),
                broken("args of the wrong type", "\"args\": [\"sh\"]", "\"args\": \"sh\"",
                        "config.process.args: expected an array, got the string \"sh\""),
                broken("uid of the wrong type", "\"uid\": 0", "\"uid\": \"root\"",
                        "config.process.user.uid: expected an integer, got the string \"root\""),
                broken("negative uid", "\"uid\": 0", "\"uid\": -1",
                        "config.process.user.uid: must be between 0 and 4294967295, got -1"),
                broken("hook env entry without a value", "{\"path\": \"/bin/cleanup\"}",
                        "{\"path\": \"/bin/cleanup\", \"env\": [\"A=1\", \"B\"]}",
                        "config.hooks.poststop[0].env[1]: \"B\" is not NAME=value"),
                broken("missing uid", "\"uid\": 0, ", "",
                        "config.process.user.uid: is required"),
                broken("bad rlimit type", "RLIMIT_NOFILE", "RLIMIT_FILES",
                        "config.process.rlimits[0].type: \"RLIMIT_FILES\" is not an rlimit type; expected one of "
                                + "RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, "
                                + "RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, "
                                + "RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK"),
                broken("duplicate rlimit", "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 1024}",
                        "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1}, "
                                + "{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}",
                        "config.process.rlimits[1].type: RLIMIT_NOFILE appears more than once"),
                broken("bad capability name", "CAP_KILL", "KILL",
                        "config.process.capabilities.bounding[0]: \"KILL\" is not a capability name (CAP_...)"),
                broken("bad env entry", "\"PATH=/bin\"", "\"PATH\"",
                        "config.process.env[0]: \"PATH\" is not NAME=value"),
                broken("bad seccomp action", "SCMP_ACT_ERRNO", "SCMP_ACT_DENY",
                        "config.linux.seccomp.syscalls[0].action: \"SCMP_ACT_DENY\" is not a seccomp action; "
                                + "expected one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, "
                                + "SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, "
                                + "SCMP_ACT_NOTIFY"),
                broken("bad seccomp operator", "SCMP_CMP_EQ", "SCMP_CMP_IS",
                        "config.linux.seccomp.syscalls[0].args[0].op: \"SCMP_CMP_IS\" is not a seccomp operator; "
                                + "expected one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, "
                                + "SCMP_CMP_GT, SCMP_CMP_MASKED_EQ"),
                broken("seccomp without default action", "\"defaultAction\": \"SCMP_ACT_ALLOW\",", "",
                        "config.linux.seccomp.defaultAction: is required"),
                broken("negative uid mapping", "\"hostID\": 1000", "\"hostID\": -1",
                        "config.linux.uidMappings[0].hostID: must be between 0 and 4294967295, got -1"),
                broken("missing root", "\"root\": {\"path\": \"rootfs\"},", "",
                        "config.root: is required for a Linux container"),
                broken("root without path", "{\"path\": \"rootfs\"}", "{\"readonly\": true}",
                        "config.root.path: is required"),
                broken("mount without destination", "\"destination\": \"/proc\", ", "",
                        "config.mounts[0].destination: is required"),
                broken("relative hook path", "/bin/cleanup", "cleanup",
                        "config.hooks.poststop[0].path: \"cleanup\" is not an absolute path"),
                broken("relative masked path", "/proc/kcore", "proc/kcore",
                        "config.linux.maskedPaths[0]: \"proc/kcore\" is not an absolute path"),
                broken("pids without limit", "\"pids\": {\"limit\": 10}", "\"pids\": {}",
                        "config.linux.resources.pids.limit: is required"),
                broken("swappiness out of range", "\"limit\": -1", "\"limit\": -1, \"swappiness\": 101",
                        "config.linux.resources.memory.swappiness: must be between 0 and 100, got 101"),
                broken("weight device without weight", "\"pids\": {\"limit\": 10}",
                        "\"pids\": {\"limit\": 10}, \"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0}]}",
                        "config.linux.resources.blockIO.weightDevice[0].weight: is required when leafWeight is absent"),
                broken("memory limit beyond int64", "\"limit\": -1", "\"limit\": 18446744073709551616",
                        "config.linux.resources.memory.limit: the number 18446744073709551616 is out of range for a 64-bit integer"),
                broken("null inside a list", "[\"sh\"]", "[\"sh\", null]",
                        "config.process.args[1]: must not be null"),
                broken("truncated JSON", "\"maskedPaths\": [\"/proc/kcore\"]}}", "\"maskedPaths\": [\"/proc/",
                        "config.linux.maskedPaths[0]: the document ends too early at line 14, column 35: the JSON is truncated"));
    }

    private static Arguments broken(String what, String from, String to, String message) {
        assertThat(VALID).as(what).contains(from);
        return Arguments.of(what, VALID.replace(from, to).strip(), message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isRefusedWithThePathAndTheProblem(String what, String json, String message) {
        assertThatThrownBy(() -> OciJson.read(json, Spec.class, "config"))
                .isInstanceOf(OciFormatException.class)
                .hasMessage(message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("states")
    void malformedStateIsRefused(String what, String json, String message) {
        assertThatThrownBy(() -> OciJson.read(json, State.class, "state"))
                .isInstanceOf(OciFormatException.class)
                .hasMessage(message);
    }

    static Stream<Arguments> states() {
        return Stream.of(
                Arguments.of("unknown status",
                        "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"paused\",\"bundle\":\"/b\"}",
                        "state.status: \"paused\" is not a container status; expected one of creating, created, "
                                + "running, stopped"),
                Arguments.of("running without pid",
                        "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"running\",\"bundle\":\"/b\"}",
                        "state.pid: is required while the container is running"),
                Arguments.of("relative bundle",
                        "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"status\":\"stopped\",\"bundle\":\"b\"}",
                        "state.bundle: \"b\" is not an absolute path"));
    }

    @Test
    void theBaseDocumentIsValid() {
        assertThat(OciJson.read(VALID, Spec.class, "config").linux().namespaces()).hasSize(2);
    }
}
