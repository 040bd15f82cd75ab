package dev.stevedore.testing;

import dev.stevedore.Container;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.NetworkMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@link RootlessTest} runs as a non-root user: containers through the public API on an
 * engine rooted in a directory of that user, printing what it saw as {@code key=value} lines.
 *
 * <p>Arguments: the engine root, a directory the container gets as its {@code /data} volume, and
 * optionally {@code copy} for the copying snapshotter instead of the engine's choice (overlayfs).
 */
public final class RootlessMain {
    private RootlessMain() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path volume = Path.of(args[1]);
        Engine.Builder builder = Engine.builder().root(root);
        if (args.length > 2 && args[2].equals("copy")) {
            // Where unprivileged overlayfs is not allowed the engine falls back to this one.
            builder.snapshotter(new dev.stevedore.internal.snapshot.CopySnapshotter());
        }
        try (Engine engine = builder.build()) {
            System.out.println("doctor=" + engine.doctor().toString().replace('\n', '|'));
            System.out.println("defaultroot=" + Engine.defaultRoot());
            BusyboxImage.ensure(engine);
            ExecResult seen = engine.container(BusyboxImage.NAME)
                    .withHostname("rootless-box")
                    .withVolume(volume, "/data")
                    .withCommand("sh", "-c", "id; echo uid_map=$(cat /proc/self/uid_map); echo hostname=$(hostname);"
                            + " echo written > /data/out; ls -ln /bin/busybox | awk '{print \"owner=\" $3}'")
                    .run();
            System.out.println("exit=" + seen.exitCode());
            System.out.print(seen.stdout());
            System.out.println("stderr=" + seen.stderr().replace('\n', '|'));
            System.out.println("tty=" + engine.container(BusyboxImage.NAME).withTty().withCommand("sh", "-c",
                    "tty; stty size; stat -c %u $(tty)").run().stdout().replace("\r\n", " ").trim());
            System.out.println("status=" + engine.container(BusyboxImage.NAME).withCommand("sh", "-c", "exit 7")
                    .run().exitCode());
            try (Container sleeper = engine.container(BusyboxImage.NAME).withCommand("sleep", "30").start()) {
                String hostUid = Files.readAllLines(Path.of("/proc/" + sleeper.pid() + "/status")).stream()
                        .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[1];
                System.out.println("hostuid=" + hostUid);
                System.out.println("exec=" + sleeper.exec("id", "-u").stdout().trim());
                System.out.println("stats=" + sleeper.stats().memoryBytes() + " " + sleeper.stats().pids());
                try {
                    sleeper.pause();
                    System.out.println("pause=accepted");
                } catch (RuntimeException e) {
                    System.out.println("pause=" + e.getMessage());
                }
                sleeper.stop(Duration.ZERO);
            }
            try {
                System.out.println("user=" + engine.container(BusyboxImage.NAME).withUser("1000:1000")
                        .withCommand("id", "-u").run().stdout().trim());
            } catch (RuntimeException e) {
                System.out.println("user=" + e.getMessage());
            }
            System.out.println("hostnet=" + engine.container(BusyboxImage.NAME).withNetworkMode(NetworkMode.HOST)
                    .withCommand("sh", "-c", "ls /sys/class/net | grep -x lo").run().stdout().trim());
            // Files of a subordinate id in the container's upper directory: the caller alone may not remove them.
            System.out.println("chown=" + engine.container(BusyboxImage.NAME).withCommand("sh", "-c",
                    "mkdir -p /d/sub && touch /d/sub/f && chown -R 1000:1000 /d").run().exitCode());
            // Two RUN layers: the second replaces a directory, which its layer marks opaque; unpacking that
            // layer, mounting it and reading the build's changes all happen as this user.
            Path context = Files.createDirectories(root.resolveSibling("context"));
            Files.writeString(context.resolve("Dockerfile"), "FROM " + BusyboxImage.NAME + "\n"
                    + "RUN mkdir /opq && touch /opq/old\n"
                    + "RUN rm -rf /opq && mkdir /opq && touch /opq/new\n");
            engine.images().fromContext(context).withTag("rootless-built").build();
            System.out.println("opaque=" + engine.container("rootless-built").withCommand("ls", "/opq").run()
                    .stdout().trim().replace('\n', ' '));
            try {
                engine.container(BusyboxImage.NAME).withMemoryLimit(64 << 20).withCommand("true").run();
                System.out.println("memory=accepted");
            } catch (RuntimeException e) {
                System.out.println("memory=" + e.getMessage());
            }
            try {
                engine.container(BusyboxImage.NAME).withPortBinding(18080, 80).withCommand("true").run();
                System.out.println("ports=accepted");
            } catch (RuntimeException e) {
                System.out.println("ports=" + e.getMessage());
            }
        }
        try (java.util.stream.Stream<Path> left = Files.list(root.resolve("containers"))) {
            System.out.println("leftovers=" + left.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }
}
