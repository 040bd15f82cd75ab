package dev.stevedore.linux;

import dev.stevedore.internal.layer.OverlayDiff;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The kernel overlayfs snapshotter: unpacked layers are the read-only lower directories, the
 * snapshot directory holds the upper and work directories. The mount is made by the helper inside
 * the container's mount namespace, with one {@code lowerdir+} option per layer (kernel 6.8+), so the
 * page-sized limit of a mount's option string never caps the number of layers. For a non-root
 * caller the mount is made in the container's user namespace (unprivileged overlayfs, Linux 5.11+)
 * with {@code userxattr}; layer files keep the caller as owner, the container's root.
 */
public final class OverlaySnapshotter implements Snapshotter {

    /** A non-root caller: the helper mounts overlays inside each container's user namespace. */
    private static final boolean ROOTLESS = LinuxBackend.effectiveUid() != 0;

    /** Kernel version that accepts {@code lowerdir+} through fsconfig(2). */
    private static final int[] LOWERDIR_PLUS = {6, 8};

    /** Creates the snapshotter; it touches nothing until used. */
    public OverlaySnapshotter() {
    }

    @Override
    public String name() {
        return "overlayfs";
    }

    @Override
    public String unavailableReason(Path stateDir) {
        try {
            // A loop and no regex here and in kernelAtLeast: an engine asks this while it opens, in a fresh JVM,
            // where a stream with its lambda, or a regex, costs milliseconds.
            boolean overlay = false;
            for (String line : Files.readAllLines(Path.of("/proc/filesystems"))) {
                overlay |= line.endsWith("\toverlay");
            }
            if (!overlay) {
                return "the kernel has no overlay filesystem (not in /proc/filesystems; try 'modprobe overlay')";
            }
        } catch (IOException e) {
            return "cannot read /proc/filesystems: " + e;
        }
        if (!kernelAtLeast(LOWERDIR_PLUS)) {
            return "overlayfs snapshots need Linux 6.8 or later for lowerdir+ (this is "
                    + System.getProperty("os.version") + ")";
        }
        return null;
    }

    @Override
    public List<RootfsMount> prepare(Path snapshotDir, List<Path> layers, boolean readOnly) {
        try {
            List<String> options = new ArrayList<>();
            List<Path> lowers = new ArrayList<>(layers);
            if (lowers.isEmpty()) {
                lowers.add(Files.createDirectories(snapshotDir.resolve("empty")));
            }
            if (readOnly && lowers.size() == 1) {
                // Overlay wants two lowers when there is no upper; one directory is just a read-only bind.
                return List.of(new RootfsMount("bind", lowers.get(0).toAbsolutePath().toString(), List.of("rbind", "ro")));
            }
            // The first lowerdir is the topmost layer.
            for (int i = lowers.size() - 1; i >= 0; i--) {
                options.add("lowerdir+=" + lowers.get(i).toAbsolutePath());
            }
            if (!readOnly) {
                Path upper = snapshotDir.resolve("upper");
                try {
                    Files.createDirectory(upper);
                } catch (NoSuchFileException e) {
                    Files.createDirectories(upper);
                } catch (FileAlreadyExistsException e) {
                    // Prepared before: the container's changes stay.
                    if (!Files.isDirectory(upper, LinkOption.NOFOLLOW_LINKS)) {
                        throw e;
                    }
                }
                options.add("upperdir=" + upper.toAbsolutePath());
                // The work directory is scratch space; a volatile mount leaves a marker there that
                // would refuse the next mount.
                Path work = snapshotDir.resolve("work");
                try {
                    Files.createDirectory(work);
                } catch (FileAlreadyExistsException e) {
                    remove(work);
                    Files.createDirectory(work);
                }
                options.add("workdir=" + work.toAbsolutePath());
                // A snapshot lives as long as its container, which a host crash ends anyway: skip the
                // sync of the upper file system at unmount, which would add milliseconds to every exit.
                options.add("volatile");
            }
            if (ROOTLESS) {
                // Mounted in the container's user namespace, where overlayfs may not use trusted.* attributes:
                // it keeps its own under user.overlay.*, and reads the layers' opaque marks there.
                options.add("userxattr");
            }
            return List.of(new RootfsMount("overlay", "overlay", options));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the overlay snapshot in '" + snapshotDir + "'", e);
        }
    }

    /** The layers and, for a writable snapshot, its upper directory, which holds overlayfs' own whiteouts. */
    @Override
    public List<Path> view(Path snapshotDir, List<Path> layers) {
        Path upper = snapshotDir.resolve("upper");
        if (!Files.isDirectory(upper)) {
            return List.copyOf(layers);
        }
        List<Path> all = new ArrayList<>(layers);
        all.add(upper);
        return all;
    }

    @Override
    public void writeChanges(Path snapshotDir, List<Path> layers, OutputStream tar) {
        Path upper = snapshotDir.resolve("upper");
        try (Stream<Path> walk = Files.walk(upper)) {
            List<Path> paths = walk.filter(p -> !p.equals(upper)).sorted(Comparator.comparing(Path::toString)).toList();
            TarArchiveOutputStream out = new TarArchiveOutputStream(new NonClosing(tar));
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Path p : paths) {
                writeEntry(out, upper, p);
            }
            out.finish();
            out.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the changes of snapshot '" + snapshotDir + "'", e);
        }
    }

    private static void writeEntry(TarArchiveOutputStream out, Path upper, Path p) throws IOException {
        String name = upper.relativize(p).toString();
        Map<String, Object> attrs = Files.readAttributes(p, "unix:mode,uid,gid,rdev,size", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) attrs.get("mode");
        int type = mode & 0170000;
        if (type == Kernel.S_IFCHR && (Long) attrs.get("rdev") == 0) {
            // overlayfs records a deletion as a 0/0 character device; OCI as a .wh. file.
            Path parent = Path.of(name).getParent();
            String wh = ".wh." + p.getFileName();
            out.putArchiveEntry(fixed(new TarArchiveEntry(parent == null ? wh : parent + "/" + wh)));
            out.closeArchiveEntry();
            return;
        }
        TarArchiveEntry entry;
        boolean regular = type == 0100000;
        if (Files.isSymbolicLink(p)) {
            entry = new TarArchiveEntry(name, TarConstants.LF_SYMLINK);
            entry.setLinkName(Files.readSymbolicLink(p).toString());
        } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            entry = new TarArchiveEntry(name + "/");
        } else if (regular) {
            entry = new TarArchiveEntry(name);
            entry.setSize((Long) attrs.get("size"));
        } else {
            return;  // sockets, fifos and devices are not part of an image
        }
        entry.setMode(mode);
        entry.setIds((Integer) attrs.get("uid"), (Integer) attrs.get("gid"));
        out.putArchiveEntry(fixed(entry));
        if (regular) {
            Files.copy(p, out);
        }
        out.closeArchiveEntry();
        if (entry.isDirectory() && isOpaque(p)) {
            out.putArchiveEntry(fixed(new TarArchiveEntry(name + "/.wh..wh..opq")));
            out.closeArchiveEntry();
        }
    }

    private static TarArchiveEntry fixed(TarArchiveEntry e) {
        e.setModTime(0);
        return e;
    }

    /** A directory that hides the lower layers' contents carries an opaque mark. */
    private static boolean isOpaque(Path dir) {
        return OverlayDiff.isOpaque(dir);
    }

    @Override
    public void remove(Path snapshotDir) {
        try {
            FileTrees.delete(snapshotDir);
        } catch (IOException e) {
            Rootless rootless = ROOTLESS ? Rootless.detect() : null;
            if (rootless == null || !rootless.usesTools()) {
                throw new UncheckedIOException("cannot remove snapshot '" + snapshotDir + "'", e);
            }
            // Users of subordinate ids in the container made files there that only a namespace's root may remove.
            rootless.removeAsNamespaceRoot(snapshotDir);
        }
    }

    static boolean kernelAtLeast(int[] version) {
        return releaseAtLeast(System.getProperty("os.version"), version);
    }

    /** @param release a kernel release such as {@code 6.8.0-45-generic} */
    static boolean releaseAtLeast(String release, int[] version) {
        int at = 0;
        for (int i = 0; i < version.length; i++) {
            // Each dot- or dash-separated part that is a number; any other part, or a missing one, counts as 0.
            at = Math.min(at, release.length());
            int end = at;
            while (end < release.length() && release.charAt(end) != '.' && release.charAt(end) != '-') {
                end++;
            }
            String part = release.substring(at, end);
            at = end + 1;
            boolean digits = !part.isEmpty();
            for (int c = 0; c < part.length(); c++) {
                digits &= part.charAt(c) >= '0' && part.charAt(c) <= '9';
            }
            int actual = digits ? Integer.parseInt(part) : 0;
            if (actual != version[i]) {
                return actual > version[i];
            }
        }
        return true;
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
