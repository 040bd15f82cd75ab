package dev.stevedore.spi;

import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a chain of unpacked layers into a container's root filesystem, and captures what the
 * container changed as a new layer.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}; the portable copying one
 * ships with core, the kernel overlayfs one with the Linux backend.
 */
public interface Snapshotter {

    /** @return a short name for logs and diagnostics, such as {@code overlayfs} or {@code copy} */
    String name();

    /**
     * Tells whether this snapshotter works on this host with this state directory.
     *
     * @param stateDir the directory snapshots would live in
     * @return null when it works, otherwise the reason it does not
     */
    String unavailableReason(Path stateDir);

    /**
     * Prepares a writable (or read-only) root filesystem on top of unpacked layers.
     *
     * @param snapshotDir an empty directory owned by this snapshot, for upper and work dirs or a copy
     * @param layers unpacked layer directories, lowest (the base image's first layer) first
     * @param readOnly whether the root filesystem must not be writable
     * @return the mounts that assemble the root filesystem, to apply in order onto the rootfs path
     */
    List<RootfsMount> prepare(Path snapshotDir, List<Path> layers, boolean readOnly);

    /**
     * Writes what a snapshot changed relative to its layers as an uncompressed OCI layer tar,
     * with whiteouts for deletions. Entries are sorted and timestamps fixed, so the same changes
     * give the same bytes.
     *
     * @param snapshotDir the directory given to {@link #prepare}
     * @param layers the same layers given to {@link #prepare}
     * @param tar where to write the tar stream (not closed)
     */
    void writeChanges(Path snapshotDir, List<Path> layers, OutputStream tar);

    /**
     * The directories that show a snapshot's root filesystem as it is now, without mounting it, so
     * the files of a container whose process has exited can still be read (as {@code docker cp}
     * does on a stopped container). They stack as overlayfs stacks directories: an upper one hides
     * a lower one's entry of the same name, a 0/0 character device hides a name, and a directory
     * with the {@code trusted.overlay.opaque} (or, for a rootless caller, {@code user.overlay.opaque})
     * attribute set to {@code y} hides the lower ones' content.
     *
     * @param snapshotDir the directory given to {@link #prepare}
     * @param layers the same layers given to {@link #prepare}
     * @return the directories, lowest first
     * @throws UnsupportedOperationException when this snapshotter's snapshots can only be read mounted
     */
    default List<Path> view(Path snapshotDir, List<Path> layers) {
        throw new UnsupportedOperationException("the " + name() + " snapshotter cannot show a snapshot unmounted");
    }

    /**
     * Removes a snapshot's files. Idempotent.
     *
     * @param snapshotDir the directory given to {@link #prepare}
     */
    void remove(Path snapshotDir);
}
