package dev.stevedore.linux;

import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Snapshotter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jnr.ffi.LibraryLoader;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The kernel overlayfs snapshotter: unpacked layers are the read-only lower directories, the
 * snapshot directory holds the upper and work directories. The mount is made by the helper inside
 * the container's mount namespace, with one {@code lowerdir+} option per layer (kernel 6.8+), so the
 * page-sized limit of a mount's option string never caps the number of layers.
 */
public final class OverlaySnapshotter implements Snapshotter {

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
        if (LinuxBackend.effectiveUid() != 0) {
            return "overlayfs snapshots need root (euid=" + LinuxBackend.effectiveUid() + ")";
        }
        try {
            if (Files.readAllLines(Path.of("/proc/filesystems")).stream().noneMatch(l -> l.endsWith("\toverlay"))) {
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
                options.add("upperdir=" + Files.createDirectories(snapshotDir.resolve("upper")).toAbsolutePath());
                // The work directory is scratch space; a volatile mount leaves a marker there that
                // would refuse the next mount.
                Path work = snapshotDir.resolve("work");
                remove(work);
                options.add("workdir=" + Files.createDirectories(work).toAbsolutePath());
                // A snapshot lives as long as its container, which a host crash ends anyway: skip the
                // sync of the upper file system at unmount, which would add milliseconds to every exit.
                options.add("volatile");
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

    /** A directory that hides the lower layers' contents carries this xattr. */
    private static boolean isOpaque(Path dir) {
        byte[] value = new byte[1];
        long n = Xattr.LIBC.lgetxattr(dir.toString(), "trusted.overlay.opaque", value, 1);
        return n == 1 && value[0] == 'y';
    }

    /** Only what the snapshotter needs from libc. */
    public interface Xattr {
        /** Loaded on first use. */
        Xattr LIBC = LibraryLoader.create(Xattr.class).load("c");

        /**
         * @param path a path, not followed if a symlink
         * @param name the attribute
         * @param value the buffer
         * @param size the buffer's size
         * @return the value's length, or -1
         */
        long lgetxattr(String path, String name, byte[] value, long size);
    }

    @Override
    public void remove(Path snapshotDir) {
        if (!Files.exists(snapshotDir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(snapshotDir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove snapshot '" + snapshotDir + "'", e);
        }
    }

    static boolean kernelAtLeast(int[] version) {
        String[] parts = System.getProperty("os.version").split("[.-]");
        for (int i = 0; i < version.length; i++) {
            int actual = i < parts.length && parts[i].matches("\\d+") ? Integer.parseInt(parts[i]) : 0;
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
