package dev.stevedore.internal.layer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A read-only view of an image's root file system as its unpacked layers stack up (or of a
 * snapshot's, with its changes on top, as {@link dev.stevedore.spi.Snapshotter#view} gives them), without
 * mounting anything: a path is looked up in the layers from the top down, honouring the overlayfs-form
 * whiteouts the unpacked-layer cache keeps (a 0/0 character device hides a name, a directory with
 * {@code trusted.overlay.opaque=y}, or a rootless user's {@code user.overlay.opaque=y}, hides the
 * lower layers' content). Symbolic links inside the image are followed within the image's root,
 * never out to the host.
 */
public final class RootfsView {

    /**
     * What a path is in the image.
     *
     * @param path its canonical path in the image
     * @param file the file of the layer it comes from
     * @param mode its type and permission bits, as stat(2) gives them
     * @param uid its owner
     * @param gid its group
     */
    public record Entry(String path, Path file, int mode, int uid, int gid) {
        /** @return whether it is a directory */
        public boolean isDirectory() {
            return (mode & 0170000) == 0040000;
        }

        /** @return whether it is a symbolic link */
        public boolean isSymlink() {
            return (mode & 0170000) == 0120000;
        }

        /** @return whether it is a regular file */
        public boolean isFile() {
            return (mode & 0170000) == 0100000;
        }
    }

    private static final int MAX_LINKS = 40;

    /** Layers, the topmost first. */
    private final List<Path> layers;

    /** @param layersBottomUp unpacked layer directories, the base image's first layer first */
    public RootfsView(List<Path> layersBottomUp) {
        List<Path> top = new ArrayList<>(layersBottomUp);
        java.util.Collections.reverse(top);
        this.layers = List.copyOf(top);
    }

    /**
     * Looks up a path, following symbolic links in its parents, and in its last component when
     * {@code follow} is set.
     *
     * @param path an absolute path in the image
     * @return the entry, or empty when the path does not exist
     */
    public Optional<Entry> lookup(String path, boolean follow) {
        return Optional.ofNullable(resolve(components(path), follow, 0));
    }

    /** The image path a path names after following symlinks in its parents (the last component kept). */
    public String canonicalParent(String path) {
        List<String> parts = components(path);
        if (parts.isEmpty()) {
            return "/";
        }
        String last = parts.remove(parts.size() - 1);
        Entry parent = resolve(parts, true, 0);
        String base = parent == null ? "/" + String.join("/", parts) : parent.path();
        return (base.equals("/") ? "" : base) + "/" + last;
    }

    /** @return the names in a directory of the image, sorted; empty when it is not a directory */
    public List<String> list(String dirPath) {
        Entry dir = resolve(components(dirPath), true, 0);
        if (dir == null || !dir.isDirectory()) {
            return List.of();
        }
        TreeSet<String> names = new TreeSet<>();
        TreeSet<String> hidden = new TreeSet<>();
        for (Path layerDir : dirLayers(components(dir.path()))) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(layerDir)) {
                for (Path child : s) {
                    String name = child.getFileName().toString();
                    if (hidden.contains(name) || names.contains(name)) {
                        continue;
                    }
                    if (isWhiteout(child)) {
                        hidden.add(name);
                    } else {
                        names.add(name);
                    }
                }
            } catch (NoSuchFileException e) {
                // Not a directory in this layer.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list '" + layerDir + "'", e);
            }
        }
        return List.copyOf(names);
    }

    /** @return a regular file's content, or empty when the path is not a regular file */
    public Optional<byte[]> read(String path) {
        Optional<Entry> e = lookup(path, true);
        if (e.isEmpty() || !e.get().isFile()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readAllBytes(e.get().file()));
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read '" + path + "' of the image: " + ex.getMessage(), ex);
        }
    }

    /** @return a file's content as text, or empty; the form the engine's user lookup reads */
    public Optional<String> readText(String path) {
        return read(path).map(b -> new String(b, java.nio.charset.StandardCharsets.UTF_8));
    }

    /** The layer directories that contribute to an (already resolved) directory, topmost first. */
    private List<Path> dirLayers(List<String> dirParts) {
        List<Path> result = new ArrayList<>();
        for (Path layer : layers) {
            Path p = layer;
            boolean opaque = isOpaque(p);
            boolean present = true;
            for (String part : dirParts) {
                p = p.resolve(part);
                Map<String, Object> a = stat(p);
                if (a == null) {
                    present = false;
                    break;
                }
                if (((Integer) a.get("mode") & 0170000) != 0040000) {
                    return result; // a file or whiteout here hides the lower layers' directory
                }
                opaque |= isOpaque(p);
            }
            if (present) {
                result.add(p);
            }
            if (opaque) {
                break;
            }
        }
        return result;
    }

    private Entry resolve(List<String> parts, boolean followLast, int links) {
        if (links > MAX_LINKS) {
            return null;
        }
        List<String> done = new ArrayList<>();
        Entry current = rootEntry();
        for (int i = 0; i < parts.size(); i++) {
            String name = parts.get(i);
            if (current == null || !current.isDirectory()) {
                return null;
            }
            done.add(name);
            Entry found = find(done);
            if (found == null) {
                return null;
            }
            boolean last = i == parts.size() - 1;
            if (found.isSymlink() && (!last || followLast)) {
                String target;
                try {
                    target = Files.readSymbolicLink(found.file()).toString();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read link '" + found.file() + "'", e);
                }
                List<String> next = new ArrayList<>();
                if (!target.startsWith("/")) {
                    next.addAll(done.subList(0, done.size() - 1));
                }
                next.addAll(List.of(target.split("/")));
                next.addAll(parts.subList(i + 1, parts.size()));
                return resolve(normalize(next), followLast, links + 1);
            }
            current = found;
        }
        return current;
    }

    private Entry rootEntry() {
        for (Path layer : layers) {
            Map<String, Object> a = stat(layer);
            if (a != null) {
                return new Entry("/", layer, (Integer) a.get("mode"), (Integer) a.get("uid"), (Integer) a.get("gid"));
            }
        }
        return new Entry("/", null, 0040755, 0, 0);
    }

    /** The topmost visible entry at a path whose parents are real directories of the image. */
    private Entry find(List<String> parts) {
        List<Path> parents = dirLayers(parts.subList(0, parts.size() - 1));
        String name = parts.get(parts.size() - 1);
        for (Path parent : parents) {
            Path p = parent.resolve(name);
            Map<String, Object> a = stat(p);
            if (a == null) {
                continue;
            }
            if (isWhiteout(a)) {
                return null;
            }
            return new Entry("/" + String.join("/", parts), p, (Integer) a.get("mode"), (Integer) a.get("uid"),
                    (Integer) a.get("gid"));
        }
        return null;
    }

    public static List<String> components(String path) {
        return normalize(List.of(path.split("/")));
    }

    private static List<String> normalize(List<String> parts) {
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (!out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                continue;
            }
            out.add(p);
        }
        return out;
    }

    private static Map<String, Object> stat(Path p) {
        try {
            return Files.readAttributes(p, "unix:mode,uid,gid,rdev", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    && f.getReason().contains("Not a directory")) {
                return null;
            }
            throw new UncheckedIOException("cannot read '" + p + "'", e);
        }
    }

    private static boolean isWhiteout(Map<String, Object> a) {
        return ((Integer) a.get("mode") & 0170000) == 0020000 && (Long) a.get("rdev") == 0;
    }

    private static boolean isWhiteout(Path p) {
        Map<String, Object> a = stat(p);
        return a != null && isWhiteout(a);
    }

    private static boolean isOpaque(Path dir) {
        return OverlayDiff.isOpaque(dir);
    }
}
