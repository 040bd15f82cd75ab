package dev.stevedore.internal.snapshot;

import dev.stevedore.internal.layer.LayerChange;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The identity of every path of a freshly prepared root filesystem (inode and change time), and
 * the changes found by comparing a later state with it. The kernel sets a file's ctime on every
 * change of content or metadata and no system call lets a container set it back, so an equal
 * (inode, ctime) pair means an unchanged file.
 */
final class SnapshotState {

    private record Identity(long inode, long ctimeNanos, boolean directory) {
    }

    private SnapshotState() {
    }

    static void record(Path rootfs, Path stateFile) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(stateFile)))) {
            walk(rootfs, "", (path, identity) -> {
                out.writeUTF(path);
                out.writeLong(identity.inode());
                out.writeLong(identity.ctimeNanos());
                out.writeBoolean(identity.directory());
            });
        }
    }

    static List<LayerChange> changes(Path rootfs, Path stateFile) {
        Map<String, Identity> before = new HashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(stateFile)))) {
            while (true) {
                String path;
                try {
                    path = in.readUTF();
                } catch (EOFException end) {
                    break;
                }
                before.put(path, new Identity(in.readLong(), in.readLong(), in.readBoolean()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the snapshot state '" + stateFile + "'", e);
        }
        List<LayerChange> changes = new ArrayList<>();
        Map<String, Boolean> nowDirectory = new HashMap<>();
        try {
            walk(rootfs, "", (path, now) -> {
                nowDirectory.put(path, now.directory());
                Identity old = before.remove(path);
                if (old == null) {
                    changes.add(LayerChange.added(path));
                } else if (old.inode() != now.inode() || old.ctimeNanos() != now.ctimeNanos()) {
                    changes.add(LayerChange.modified(path));
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the snapshot '" + rootfs + "'", e);
        }
        // What is left was deleted. Only the topmost path of a deleted tree needs a whiteout, and
        // nothing below a directory that became another kind of file (its entry replaces it).
        for (String path : new TreeMap<>(before).keySet()) {
            int slash = path.lastIndexOf('/');
            String parent = slash < 0 ? "" : path.substring(0, slash);
            if (parent.isEmpty() || Boolean.TRUE.equals(nowDirectory.get(parent))) {
                changes.add(LayerChange.deleted(path));
            }
        }
        return changes;
    }

    private interface Visitor {
        void visit(String path, Identity identity) throws IOException;
    }

    private static void walk(Path dir, String prefix, Visitor visitor) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            entries.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String path = prefix + child.getFileName();
            Map<String, Object> a = Files.readAttributes(child, "unix:ino,ctime,mode", LinkOption.NOFOLLOW_LINKS);
            boolean directory = ((Integer) a.get("mode") & 0170000) == 0040000;
            visitor.visit(path, new Identity((Long) a.get("ino"), ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS),
                    directory));
            if (directory) {
                walk(child, path + "/", visitor);
            }
        }
    }
}
