package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.internal.engine.ContainerConfig;
import dev.stevedore.internal.engine.RuntimeSpecs;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackend;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import dev.stevedore.spi.Stdio;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * RUN steps in containers of a {@link ContainerBackend}, on root filesystems a {@link Snapshotter}
 * assembles from the step's layers; the snapshot's changes become the step's layer. The container is
 * set up as {@code docker run} sets one up (the engine's defaults: namespaces, capabilities, masked
 * paths), named {@code buildkitsandbox} as BuildKit names its hosts.
 */
public final class ContainerRunStepExecutor implements RunStepExecutor, AutoCloseable {

    /**
     * What the runtime creates in a root file system to mount over (its {@code /proc}, {@code /dev},
     * {@code /sys} and the files it binds, and the targets of {@code RUN --mount}); when the command left
     * them empty they are not changes of its own.
     */
    private static final Set<String> MOUNT_POINTS = Set.of("proc/", "dev/", "sys/", "etc/hosts", "etc/resolv.conf",
            "etc/hostname");

    private final ContainerBackend backend;
    private final Snapshotter snapshotter;
    private final Path stateDir;
    private final AtomicInteger counter = new AtomicInteger();
    private ContainerRuntime runtime;

    /**
     * @param backend runs the containers
     * @param snapshotter assembles their root file systems and captures their changes
     * @param stateDir a directory for the runtime's state and the snapshots
     */
    public ContainerRunStepExecutor(ContainerBackend backend, Snapshotter snapshotter, Path stateDir) {
        this.backend = backend;
        this.snapshotter = snapshotter;
        this.stateDir = stateDir;
    }

    private synchronized ContainerRuntime runtime() {
        if (runtime == null) {
            String problem = backend.unavailableReason();
            if (problem != null) {
                throw new IllegalStateException("RUN needs the " + backend.name() + " container backend, which cannot run here: "
                        + problem);
            }
            runtime = backend.open(stateDir.resolve("runtime"));
        }
        return runtime;
    }

    @Override
    public int run(RunSpec spec, OutputStream changes, Output output) {
        ContainerRuntime rt = runtime();
        String id = "build-" + ProcessHandle.current().pid() + "-" + counter.incrementAndGet();
        Path snapshot = stateDir.resolve("snapshots").resolve(id);
        try {
            Files.createDirectories(snapshot);
            Path rootfs = Files.createDirectories(snapshot.resolve("rootfs"));
            List<RootfsMount> mounts = snapshotter.prepare(snapshot.resolve("snapshot"), spec.layers(), false);
            RootfsView view = new RootfsView(spec.layers());
            ContainerConfig.Builder b = ContainerConfig.of("build step").edit();
            b.entrypoint = List.of();
            b.command = spec.argv();
            b.user = spec.user();
            b.workingDir = spec.workingDir();
            b.hostname = "buildkitsandbox";
            b.network = spec.network().equals("host") ? ContainerConfig.Network.HOST : ContainerConfig.Network.NONE;
            b.volumes.addAll(spec.mounts());
            ContainerConfig config = b.build();
            ImageConfig.Config image = ImageConfig.Config.EMPTY.withEnv(spec.env());
            Spec runtimeSpec = RuntimeSpecs.assemble(config, image, "the build step", view::readText, rootfs,
                    name -> {
                        throw new IllegalArgumentException("RUN cannot mount named volumes");
                    }).spec();
            ContainerHandle c = rt.create(id, runtimeSpec, mounts, Stdio.pipes());
            int status;
            try {
                c.stdin().close();
                Thread err = pump(c.stderr(), output, true);
                Thread out = pump(c.stdout(), output, false);
                c.start();
                status = c.waitFor();
                out.join();
                err.join();
            } finally {
                c.delete();
            }
            if (status == 0) {
                Path tar = snapshot.resolve("changes.tar");
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tar), 1 << 16)) {
                    snapshotter.writeChanges(snapshot.resolve("snapshot"), spec.layers(), out);
                }
                Set<String> mountPoints = new java.util.HashSet<>(MOUNT_POINTS);
                spec.mounts().forEach(m -> mountPoints.add(m.target().substring(1) + "/"));
                withoutMountPoints(tar, view, mountPoints, changes);
            }
            return status;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the build step in '" + snapshot + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a RUN step ran", e);
        } finally {
            snapshotter.remove(snapshot.resolve("snapshot"));
            ImageBuilder.deleteTree(snapshot);
        }
    }

    private static Thread pump(InputStream in, Output output, boolean stderr) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in) {
                for (int n; (n = in.read(buffer)) > 0;) {
                    output.write(buffer, n, stderr);
                }
            } catch (IOException e) {
                // The container is gone; its output ends here.
            }
        }, "build-run-output");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Copies the tar, leaving out the empty mount points the runtime made that the image did not have. */
    private static void withoutMountPoints(Path tar, RootfsView image, Set<String> mountPoints, OutputStream changes)
            throws IOException {
        Set<String> names = new java.util.HashSet<>();
        Set<String> candidates = new java.util.HashSet<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar), 1 << 16))) {
            for (TarArchiveEntry e; (e = in.getNextTarEntry()) != null;) {
                names.add(e.getName());
                if (mountPoints.contains(e.getName()) && e.getSize() == 0
                        && image.lookup("/" + e.getName(), false).isEmpty()) {
                    candidates.add(e.getName());
                }
            }
        }
        // A mount point directory the command put something in stays.
        candidates.removeIf(c -> c.endsWith("/") && names.stream().anyMatch(n -> n.startsWith(c) && !n.equals(c)));
        try (TarArchiveInputStream in = new TarArchiveInputStream(new BufferedInputStream(Files.newInputStream(tar), 1 << 16))) {
            TarArchiveOutputStream out = new TarArchiveOutputStream(new java.io.FilterOutputStream(changes) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            }, "UTF-8");
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (TarArchiveEntry e; (e = in.getNextTarEntry()) != null;) {
                if (candidates.contains(e.getName())) {
                    continue;
                }
                out.putArchiveEntry(e);
                if (e.isFile()) {
                    in.transferTo(out);
                }
                out.closeArchiveEntry();
            }
            out.finish();
            out.close();
        }
    }

    /** Deletes the runtime's containers and state. */
    @Override
    public synchronized void close() {
        if (runtime != null) {
            runtime.close();
            runtime = null;
        }
    }
}
