package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.Stdio;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Containers in their own user namespace, with the spec's uid and gid mappings written by the helper's parent. */
class UserNamespaceTest {
    @TempDir
    static Path tmp;
    static Path rootfs;
    static ContainerRuntime runtime;

    @BeforeAll
    static void open() {
        rootfs = RootHost.busyboxRootfs(tmp);
        // The temporary directory stays root's alone (rwx------): the mapped root, an unprivileged user on the
        // host, never walks host paths; the helper reaches the bundle and its own files before it becomes that user.
        runtime = new LinuxBackend().open(tmp.resolve("state"));
    }

    @AfterAll
    static void close() {
        runtime.close();
    }

    /** Docker's configuration plus a user namespace mapping container ids 0-65535 to host 100000-165535. */
    static Spec mapped(String script, String uidMappings, String gidMappings) {
        String json = OciJson.writePretty(TestSpecs.docker(rootfs, "sh", "-c", script));
        return OciJson.read(json.replace("\"namespaces\" : [", "\"uidMappings\" : " + uidMappings
                + ", \"gidMappings\" : " + gidMappings + ", \"namespaces\" : [ {\"type\" : \"user\"}, "), Spec.class,
                "config");
    }

    static final String MAPPING = "[{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]";

    @Test
    void theProcessIsRootInItsNamespaceAndAnUnprivilegedUserOnTheHost() throws Exception {
        // The mapped root owns nothing in the root filesystem: it writes its findings where anyone may.
        Path out = java.nio.file.Files.createDirectories(rootfs.resolve("out"));
        java.nio.file.Files.setPosixFilePermissions(out, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        Path bundle = java.nio.file.Files.createDirectories(tmp.resolve("bundle"));
        java.nio.file.Files.writeString(bundle.resolve("config.json"), OciJson.writePretty(mapped(
                "{ cat /proc/self/uid_map /proc/self/gid_map; id -u; test -c /dev/null && echo null-ok; "
                + "mknod /dev/x c 1 3 2>/dev/null || echo mknod-refused; } > /out/result; exec sleep 30",
                MAPPING, MAPPING)));
        String root = tmp.resolve("runc").toString();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream errStream = new java.io.PrintStream(err, true);
        java.io.PrintStream outStream = new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true);
        assertThat(Runc.run(new String[] {"--root", root, "run", "--detach", "--bundle", bundle.toString(), "u1"},
                outStream, errStream)).as(err.toString()).isZero();
        try {
            Path result = out.resolve("result");
            for (int i = 0; i < 500 && !(java.nio.file.Files.exists(result)
                    && java.nio.file.Files.readString(result).contains("refused")); i++) {
                Thread.sleep(10);
            }
            assertThat(java.nio.file.Files.readString(result).replaceAll("[ \t]+", " "))
                    .contains(" 0 100000 65536\n 0 100000 65536\n0\n").contains("null-ok")
                    .as("device nodes are bind-mounted, none can be made").contains("mknod-refused");
            long pid = new RuncContainers(Path.of(root), new Runc.RuncLog(errStream, null, "text", false))
                    .state("u1").pid();
            String hostUid = java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
                    .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow();
            assertThat(hostUid.split("\\s+")[1]).as("seen from the host").isEqualTo("100000");
        } finally {
            assertThat(Runc.run(new String[] {"--root", root, "delete", "--force", "u1"}, outStream, errStream)).isZero();
        }
    }

    @Test
    void mappingsWithoutAUserNamespaceOrHalfAMappingAreRefused() {
        String json = OciJson.writePretty(TestSpecs.docker(rootfs, "true"));
        Spec noNamespace = OciJson.read(json.replace("\"namespaces\" : [", "\"uidMappings\" : " + MAPPING
                + ", \"namespaces\" : ["), Spec.class, "config");
        assertThatThrownBy(() -> runtime.create("nons", noNamespace, List.of(), Stdio.discard()))
                .hasMessageContaining("linux.uidMappings: mappings need a new user namespace");
        assertThatThrownBy(() -> runtime.create("half", mapped("true", MAPPING, "[]"), List.of(), Stdio.discard()))
                .hasMessageContaining("linux.gidMappings: a new user namespace needs both");
    }
}
