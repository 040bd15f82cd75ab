package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.spi.ContainerBackendException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The v2 device filter in the kernel: a host shell moved into a cgroup of the host's cgroup2
 * mount (which holds no controllers here, and needs none for device programs) opens the host's own
 * device nodes, and the program decides.
 */
class DeviceFilterTest {

    private static final String PROBES = "cat /dev/null && echo null-read; head -c1 /dev/zero >/dev/null && echo "
            + "zero-read; echo x >/dev/zero && echo zero-write; head -c1 /dev/full >/dev/null && echo full-read; "
            + "mknod \"$1/n\" c 1 3 && echo mknod";

    @Test
    void denyAllThenAllowListsOnlyTheAllowedAccess(@TempDir Path dir) throws Exception {
        assertThat(probe(dir, "deny a", "allow c 1:3 rwm", "allow c 1:5 r"))
                .containsExactly("null-read", "zero-read", "mknod");
    }

    @Test
    void theLastMatchingRuleDecides(@TempDir Path dir) throws Exception {
        assertThat(probe(dir, "allow a", "deny c 1:5 w", "deny c 1:* m"))
                .containsExactly("null-read", "zero-read", "full-read");
        assertThat(probe(dir, "deny c 1:5 rwm", "allow c 1:5 rw")).as("a later allow overrides an earlier deny")
                .containsExactly("null-read", "zero-read", "zero-write", "full-read", "mknod");
    }

    @Test
    void mknodIsAnAccessOfItsOwn(@TempDir Path dir) throws Exception {
        assertThat(probe(dir, "deny a", "allow c *:* m")).containsExactly("mknod");
    }

    @Test
    void noRulesAllowsEverything(@TempDir Path dir) throws Exception {
        assertThat(probe(dir)).containsExactly("null-read", "zero-read", "zero-write", "full-read", "mknod");
    }

    @Test
    void aMissingCgroupIsReportedByName() {
        Path missing = cgroup2().resolve("stevedore-no-such-" + UUID.randomUUID());
        assertThatThrownBy(() -> new DeviceFilter(List.of(DeviceFilter.Rule.parse(false, "a"))).attach(missing))
                .isInstanceOf(ContainerBackendException.class)
                .hasMessage("linux.resources.devices: the eBPF device filter for cgroup '" + missing
                        + "': opening the cgroup failed: No such file or directory");
    }

    @Test
    void rulesReadAndWriteTheV1Syntax() {
        assertThat(DeviceFilter.Rule.parse(true, "c 136:* rwm")).isEqualTo(new DeviceFilter.Rule(true, 'c', 136, -1,
                DeviceFilter.READ | DeviceFilter.WRITE | DeviceFilter.MKNOD));
        assertThat(DeviceFilter.Rule.parse(false, "b *:* m").v1Line()).isEqualTo("b *:* m");
        assertThat(DeviceFilter.Rule.parse(true, "a").v1Line()).isEqualTo("a");
        assertThatThrownBy(() -> DeviceFilter.Rule.parse(true, "c 1 rwm")).hasMessageContaining("'c 1 rwm' is not a "
                + "device rule");
        assertThatThrownBy(() -> DeviceFilter.Rule.parse(true, "c 1:3 x")).hasMessageContaining("'x' is not an access");
        assertThat(DeviceFilter.Rule.parse(true, " c\t1:3  rw ").v1Line()).isEqualTo("c 1:3 rw");
        for (String bad : List.of("", "c x:1 rwm", "c 1: rwm", "c :3 rwm", "c 1:3:4 rwm", "cb 1:3 rwm", "c 1:3 rwm m")) {
            assertThatThrownBy(() -> DeviceFilter.Rule.parse(true, bad)).as(bad).hasMessageContaining("is not a device rule");
        }
    }

    /** @return what a shell in a fresh v2 cgroup with these rules (e.g. "deny c 1:5 w") managed to do */
    private static List<String> probe(Path dir, String... rules) throws Exception {
        Path cgroup = Files.createDirectory(cgroup2().resolve("stevedore-device-test-" + UUID.randomUUID()));
        try {
            new DeviceFilter(Stream.of(rules).map(r -> DeviceFilter.Rule.parse(r.startsWith("allow"),
                    r.substring(r.indexOf(' ') + 1))).toList()).attach(cgroup);
            Process p = new ProcessBuilder("/bin/sh", "-c", "echo $$ > \"$2/cgroup.procs\" && exec /bin/sh -c '"
                    + PROBES + "' sh \"$1\"", "sh", dir.toString(), cgroup.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            return out.lines().toList();
        } finally {
            Files.delete(cgroup);
        }
    }

    private static Path cgroup2() {
        try {
            return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(l -> l.contains(" - cgroup2 ")).map(l -> Path.of(l.split(" ")[4])).findFirst()
                    .orElseThrow(() -> new AssertionError("this test needs a cgroup2 mount; /proc/self/mountinfo has none"));
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/mountinfo", e);
        }
    }
}
