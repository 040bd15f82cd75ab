package dev.stevedore.internal.snapshot;

import dev.stevedore.internal.engine.HostChecks;
import dev.stevedore.internal.fs.FileTrees;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerChange;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The portable snapshotter: each container gets its own copy of its image's layers in
 * {@code <snapshot>/rootfs}, bind-mounted as its root filesystem. Works on any filesystem, at the
 * price of copying; the overlayfs snapshotter of the Linux backend shares the layers instead.
 *
 * <p>Layers come from the unpacked-layer cache in overlayfs form. Each is streamed through the
 * layer writer into the extractor with whiteouts applied, so every file type, owner, mode, xattr
 * and hard link is reproduced by the same code that reads image layers.
 *
 * <p>Right after copying, the snapshot records every path's inode and change time in
 * {@code <snapshot>/lower.state}. Any write, chmod, chown, rename or link changes a file's ctime,
 * so {@link #writeChanges} finds what the container changed by comparing against that record,
 * without walking the layers again.
 */
public final class CopySnapshotter implements Snapshotter {

    static final String ROOTFS = "rootfs";
    static final String LOWER_STATE = "lower.state";

    private final ExtractOptions extractOptions;

    /** A snapshotter with the extraction options of the current user: everything kept as root, devices skipped otherwise. */
    public CopySnapshotter() {
        // The effective uid as the engine reads it, once per JVM: the service loader makes this snapshotter
        // as every engine opens, even where overlayfs is chosen.
        this(HostChecks.effectiveUid() == 0 ? ExtractOptions.defaults() : ExtractOptions.rootless());
    }

    /**
     * @param extractOptions how layers are copied; whiteouts are always applied
     */
    public CopySnapshotter(ExtractOptions extractOptions) {
        this.extractOptions = extractOptions.withWhiteouts(ExtractOptions.WhiteoutMode.APPLY);
    }

    @Override
    public String name() {
        return "copy";
    }

    @Override
    public String unavailableReason(Path stateDir) {
        Path existing = stateDir.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isWritable(existing)) {
            return "cannot write snapshots under '" + stateDir + "'";
        }
        return null;
    }

    @Override
    public List<RootfsMount> prepare(Path snapshotDir, List<Path> layers, boolean readOnly) {
        Path rootfs = snapshotDir.resolve(ROOTFS);
        try {
            Files.createDirectories(rootfs);
            for (Path layer : layers) {
                copyLayer(layer, rootfs);
            }
            SnapshotState.record(rootfs, snapshotDir.resolve(LOWER_STATE));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare snapshot '" + snapshotDir + "'", e);
        }
        return List.of(new RootfsMount("bind", rootfs.toString(), List.of("rbind", readOnly ? "ro" : "rw")));
    }

    private void copyLayer(Path layer, Path rootfs) throws IOException {
        if (!Files.isDirectory(layer)) {
            throw new IllegalArgumentException("layer '" + layer + "' is not an unpacked layer directory");
        }
        ExecutorService writer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stevedore-snapshot-copy");
            t.setDaemon(true);
            return t;
        });
        try (PipedInputStream in = new PipedInputStream(256 * 1024)) {
            PipedOutputStream out = new PipedOutputStream(in);
            Future<?> writing = writer.submit(() -> {
                try (OutputStream o = out) {
                    LayerWriter.writeOverlayUpper(layer, o, new LayerWriteOptions(LayerCompression.NONE, null, true, 0));
                }
                return null;
            });
            try {
                LayerExtractor.extract(in, rootfs, extractOptions);
            } catch (RuntimeException e) {
                writing.cancel(true);
                throw e;
            }
            writing.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while copying layer '" + layer + "'", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read layer '" + layer + "': " + e.getCause(), e.getCause());
        } finally {
            writer.shutdownNow();
        }
    }

    @Override
    public void writeChanges(Path snapshotDir, List<Path> layers, OutputStream tar) {
        Path rootfs = snapshotDir.resolve(ROOTFS);
        List<LayerChange> changes = SnapshotState.changes(rootfs, snapshotDir.resolve(LOWER_STATE));
        LayerWriter.writeChanges(rootfs, changes, tar, new LayerWriteOptions(LayerCompression.NONE,
                LayerWriteOptions.defaults().mtime(), true, 0));
    }

    /** The copy is the whole root filesystem: nothing to stack. */
    @Override
    public List<Path> view(Path snapshotDir, List<Path> layers) {
        return List.of(snapshotDir.resolve(ROOTFS));
    }

    @Override
    public void remove(Path snapshotDir) {
        FileTrees.deleteIfExists(snapshotDir);
    }
}
