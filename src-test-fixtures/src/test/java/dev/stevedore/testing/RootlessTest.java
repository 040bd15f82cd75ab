package dev.stevedore.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rootless containers: a non-root user, created here, runs {@link RootlessMain} in a JVM of its
 * own, which uses the public API on an engine in a directory that user owns. One user has no
 * subordinate ids (the single mapping: container root is the user and nothing else is mapped);
 * the other has ranges in /etc/subuid and /etc/subgid, written through newuidmap and newgidmap.
 * The first uses the copying snapshotter, the second overlayfs in the container's user namespace.
 */
class RootlessTest {
    /** A user without subordinate ids. */
    static final String SINGLE = "stevedore-ci";
    /** A user with a range of 65536 subordinate ids from {@link #SUB_START}. */
    static final String RANGED = "stevedore-ci-sub";
    static final long SUB_START = 362144;

    @TempDir
    static Path tmp;
    static String classPath;

    @BeforeAll
    static void usersAndClassPath() throws Exception {
        assertThat(run("id", "-u").trim()).as("creating users needs root (run CI as root)").isEqualTo("0");
        assertThat(Path.of("/usr/bin/newuidmap")).as("newuidmap (Debian package uidmap, see tools/setup.sh)")
                .isExecutable();
        ensureUser(SINGLE);
        ensureUser(RANGED);
        assertThat(Files.readString(Path.of("/etc/subuid"))).as("%s must have no subordinate uids", SINGLE)
                .doesNotContainPattern("(?m)^" + SINGLE + ":");
        String range = SUB_START + "-" + (SUB_START + 65535);
        if (!Files.readString(Path.of("/etc/subuid")).contains(RANGED + ":")) {
            run("usermod", "--add-subuids", range, RANGED);
        }
        if (!Files.readString(Path.of("/etc/subgid")).contains(RANGED + ":")) {
            run("usermod", "--add-subgids", range, RANGED);
        }
        // The build's class path lies under /root, which other users cannot enter: a copy they can read.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path lib = Files.createDirectory(tmp.resolve("lib"));
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path source = Path.of(entry);
            if (!Files.exists(source)) {
                continue;
            }
            Path copy = lib.resolve(n++ + "-" + source.getFileName());
            copyReadable(source, copy);
            entries.add(copy.toString());
        }
        classPath = String.join(":", entries);
    }

    @Test
    void aUserWithoutSubordinateIdsIsRootOfASingleMappingWithTheCopyingSnapshotter() throws Exception {
        Map<String, String> seen = runAs(SINGLE, "copy");
        long uid = Long.parseLong(run("id", "-u", SINGLE).trim());
        assertCommon(seen, SINGLE, uid);
        assertThat(seen.get("doctor")).containsPattern("snapshotter +ok +copy");
        assertThat(seen.get("uid_map").trim().split("\\s+")).as("only the caller is mapped")
                .containsExactly("0", Long.toString(uid), "1");
        assertThat(seen.get("log")).as("the runtime says which mapping it chose").contains("single mapping");
        assertThat(seen.get("chown")).as("no other id exists in a single mapping").isEqualTo("1");
        assertThat(seen.get("user")).as("the image's user 1000 cannot be had")
                .contains("a rootless user without ranges in /etc/subuid and /etc/subgid has only root");
    }

    @Test
    void aUserWithSubordinateIdsGetsTheirRangeThroughNewuidmap() throws Exception {
        Map<String, String> seen = runAs(RANGED, "engine's choice");
        long uid = Long.parseLong(run("id", "-u", RANGED).trim());
        assertCommon(seen, RANGED, uid);
        assertThat(seen.get("doctor")).as("overlayfs, mounted in the container's user namespace")
                .containsPattern("snapshotter +ok +overlayfs");
        assertThat(seen.get("uid_map").trim().split("\\s+")).as("root is the caller, 1-65536 the subordinate range")
                .containsExactly("0", Long.toString(uid), "1", "1", Long.toString(SUB_START), "65536");
        assertThat(seen.get("log")).as("the runtime says which mapping it chose").contains("subordinate ids");
        assertThat(seen.get("chown")).as("ids 1-65536 exist").isEqualTo("0");
        assertThat(seen.get("user")).as("a container user of the range").isEqualTo("1000");
    }

    private static void assertCommon(Map<String, String> seen, String user, long uid) throws IOException {
        assertThat(seen.get("exit")).as("%s", seen).isEqualTo("0");
        assertThat(seen.get("defaultroot")).as("a non-root user's default store")
                .isEqualTo(tmp.resolve("home-" + user).resolve("xdg").resolve("stevedore").toString());
        assertThat(seen.get("id")).as("inside, the process is root").startsWith("uid=0(root) gid=0(root)");
        assertThat(seen.get("hostname")).isEqualTo("rootless-box");
        assertThat(seen.get("owner")).as("the image's files, unpacked by the user, belong to the container's root")
                .isEqualTo("0");
        Path written = tmp.resolve("volume-" + user).resolve("out");
        assertThat(Files.readString(written)).isEqualTo("written\n");
        assertThat(Files.getAttribute(written, "unix:uid")).as("a file written in a volume belongs to the caller")
                .isEqualTo((int) uid);
        assertThat(seen.get("tty")).as("a terminal, owned by the container's root").isEqualTo("/dev/pts/0 24 80 0");
        assertThat(seen.get("status")).isEqualTo("7");
        assertThat(seen.get("hostuid")).as("the host sees the container process as the caller")
                .isEqualTo(Long.toString(uid));
        assertThat(seen.get("exec")).isEqualTo("0");
        assertThat(seen.get("stats")).as("no cgroup: memory and pid counts are unknown (-1)").isEqualTo("-1 -1");
        assertThat(seen.get("hostnet")).as("the host's network, its /sys bound in").isEqualTo("lo");
        assertThat(seen.get("memory")).contains("linux.resources.memory: resource limits are not supported for "
                + "rootless containers", "cannot create cgroups");
        assertThat(seen.get("ports")).contains("rootless", "NetworkMode.NONE");
        assertThat(seen.get("leftovers")).as("every container's files are removed, whatever ids own them: %s",
                        seen.get("log"))
                .isEqualTo("[]");
        assertThat(seen.get("pause")).contains("rootless", "cannot create cgroups", "no freezer");
        assertThat(seen.get("opaque")).as("a directory a later layer replaced shows only the new content")
                .isEqualTo("new");
    }

    /**
     * Runs {@link RootlessMain} as the user, with "copy" for the copying snapshotter; its output as
     * key=value, the {@code id} line under "id", all of it under "log".
     */
    private static Map<String, String> runAs(String user, String snapshotter) throws Exception {
        Path home = Files.createDirectories(tmp.resolve("home-" + user));
        Path volume = Files.createDirectories(tmp.resolve("volume-" + user));
        run("chown", user + ":", home.toString(), volume.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder("setpriv", "--reuid", user, "--regid", user, "--init-groups",
                "--reset-env", "env", "XDG_DATA_HOME=" + home.resolve("xdg"), java, "-Duser.home=" + home, "-cp", classPath, RootlessMain.class.getName(),
                home.resolve("engine").toString(), volume.toString(), snapshotter);
        pb.directory(home.toFile()).redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        Map<String, String> seen = new LinkedHashMap<>();
        seen.put("log", text);
        for (String line : text.split("\n")) {
            if (line.startsWith("uid=")) {
                seen.put("id", line);
            } else if (line.contains("=")) {
                seen.putIfAbsent(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return seen;
    }

    private static void ensureUser(String user) throws Exception {
        if (new ProcessBuilder("id", "-u", user).start().waitFor() != 0) {
            run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user);
        }
    }

    private static void copyReadable(Path source, Path copy) {
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : walk.toList()) {
                Path target = copy.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
        return out;
    }
}
