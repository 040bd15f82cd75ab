package dev.stevedore.internal.engine;

import dev.stevedore.internal.fs.TempFiles;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.oci.runtime.Mount;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Copies files into and out of a live container through {@code /proc/PID/root}. Container paths
 * are resolved component by component with the container's root as {@code /}, so a symbolic link
 * in the container (absolute or with {@code ..}) cannot lead to a host path; directory trees go
 * through the layer writer and the contained extractor. Once the container's process has exited
 * its mounts are gone, and files are read from its snapshot's unmounted view and from the
 * sources of its bind mounts (volumes and host directories) instead.
 */
final class ContainerFiles {
    private static final int MAX_LINKS = 40;

    private ContainerFiles() {
    }

    static void copyIn(Path containerRoot, Path host, String containerPath, Path scratch) {
        if (!Files.exists(host, LinkOption.NOFOLLOW_LINKS)) {
            throw new IllegalArgumentException("cannot copy '" + host + "' into the container: it does not exist");
        }
        String[] split = splitParent(containerPath);
        try {
            Path parent = resolve(containerRoot, split[0], true);
            Path target = parent.resolve(split[1]);
            if (Files.isDirectory(host, LinkOption.NOFOLLOW_LINKS)) {
                Path dir = resolve(containerRoot, containerPath, true);
                Path tar = TempFiles.create(scratch, "copy-", ".tar");
                try {
                    try (OutputStream out = Files.newOutputStream(tar)) {
                        LayerWriter.write(host, out, LayerWriteOptions.defaults().withCompression(LayerCompression.NONE)
                                .withMtime(null));
                    }
                    try (InputStream in = Files.newInputStream(tar)) {
                        LayerExtractor.extract(in, dir, ExtractOptions.defaults().withWriterThreads(0));
                    }
                } finally {
                    Files.deleteIfExists(tar);
                }
            } else {
                if (Files.isSymbolicLink(target)) {
                    Files.delete(target);
                }
                Files.copy(host, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy '" + host + "' to " + containerPath + " in the container", e);
        }
    }

    static void write(Path containerRoot, byte[] content, String containerPath, int mode) {
        String[] split = splitParent(containerPath);
        try {
            Path target = resolve(containerRoot, split[0], true).resolve(split[1]);
            if (Files.isSymbolicLink(target)) {
                Files.delete(target);
            }
            Files.write(target, content);
            Files.setPosixFilePermissions(target, Modes.toPermissions(mode));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + containerPath + " in the container", e);
        }
    }

    static void copyOut(Path containerRoot, String containerPath, Path host, Path scratch) {
        try {
            Path source = resolve(containerRoot, containerPath, false);
            if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(host);
                Path tar = TempFiles.create(scratch, "copy-", ".tar");
                try {
                    try (OutputStream out = Files.newOutputStream(tar)) {
                        LayerWriter.write(source, out, LayerWriteOptions.defaults()
                                .withCompression(LayerCompression.NONE).withMtime(null));
                    }
                    try (InputStream in = Files.newInputStream(tar)) {
                        LayerExtractor.extract(in, host, ExtractOptions.defaults().withWriterThreads(0));
                    }
                } finally {
                    Files.deleteIfExists(tar);
                }
            } else {
                Files.copy(source, host, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
                        LinkOption.NOFOLLOW_LINKS);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(containerPath + " does not exist in the container");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + containerPath + " from the container to '" + host + "'", e);
        }
    }

    static byte[] read(Path containerRoot, String containerPath) {
        try {
            return Files.readAllBytes(resolve(containerRoot, containerPath, false));
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(containerPath + " does not exist in the container");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + containerPath + " in the container", e);
        }
    }

    static void copyOut(RootfsView view, List<Mount> mounts, String containerPath, Path host, Path scratch) {
        String path = view.canonicalParent(absolute(containerPath));
        Mount bind = mountAt(mounts, path, containerPath);
        if (bind != null) {
            copyOut(Path.of(bind.source()), below(bind, path), host, scratch);
            return;
        }
        RootfsView.Entry entry = view.lookup(path, true)
                .orElseThrow(() -> new IllegalArgumentException(containerPath + " does not exist in the container"));
        try {
            if (entry.isDirectory()) {
                copyTree(view, entry, host);
            } else {
                Files.copy(entry.file(), host, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + containerPath + " from the container to '" + host + "'", e);
        }
    }

    static byte[] read(RootfsView view, List<Mount> mounts, String containerPath) {
        String path = view.canonicalParent(absolute(containerPath));
        Mount bind = mountAt(mounts, path, containerPath);
        if (bind != null) {
            return read(Path.of(bind.source()), below(bind, path));
        }
        RootfsView.Entry entry = view.lookup(path, true)
                .orElseThrow(() -> new IllegalArgumentException(containerPath + " does not exist in the container"));
        try {
            return Files.readAllBytes(entry.file());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + containerPath + " in the container", e);
        }
    }

    private static String absolute(String containerPath) {
        if (!containerPath.startsWith("/")) {
            throw new IllegalArgumentException("container path \"" + containerPath + "\" must be absolute");
        }
        return containerPath;
    }

    /**
     * The mount the container saw at a path, the innermost one; null when the path is on the root
     * filesystem. Only bind mounts outlive the container.
     */
    private static Mount mountAt(List<Mount> mounts, String canonical, String asked) {
        Mount found = null;
        for (Mount m : mounts) {
            String d = m.destination();
            if ((canonical.equals(d) || canonical.startsWith(d.endsWith("/") ? d : d + "/"))
                    && (found == null || d.length() >= found.destination().length())) {
                found = m;
            }
        }
        if (found == null || found.destination().equals("/")) {
            return null;
        }
        if (!"bind".equals(found.type()) && !found.options().contains("bind") && !found.options().contains("rbind")) {
            throw new IllegalArgumentException(asked + " was on a " + found.type() + " mount at "
                    + found.destination() + ", whose content ended with the container; copy it out before the"
                    + " container exits");
        }
        return found;
    }

    private static String below(Mount bind, String canonical) {
        String rest = canonical.substring(bind.destination().length());
        return rest.isEmpty() ? "/" : rest;
    }

    /**
     * Copies a directory of the view with its modes, and its owners when the caller is root (a
     * rootless caller could not give files away); sockets, fifos and devices are left out.
     */
    private static void copyTree(RootfsView view, RootfsView.Entry dir, Path target) throws IOException {
        copyTree(view, dir, target, HostChecks.effectiveUid() == 0);
    }

    private static void copyTree(RootfsView view, RootfsView.Entry dir, Path target, boolean owners)
            throws IOException {
        Files.createDirectories(target);
        for (String name : view.list(dir.path())) {
            String child = (dir.path().equals("/") ? "" : dir.path()) + "/" + name;
            RootfsView.Entry e = view.lookup(child, false).orElseThrow();
            Path to = target.resolve(name);
            if (e.isDirectory()) {
                copyTree(view, e, to, owners);
            } else if (e.isSymlink()) {
                Files.deleteIfExists(to);
                Files.createSymbolicLink(to, Files.readSymbolicLink(e.file()));
                owner(to, e, owners);
            } else if (e.isFile()) {
                Files.copy(e.file(), to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                owner(to, e, owners);
            }
        }
        Files.setPosixFilePermissions(target, Modes.toPermissions(dir.mode() & 0777));
        owner(target, dir, owners);
    }

    private static void owner(Path p, RootfsView.Entry e, boolean owners) throws IOException {
        if (owners) {
            Files.setAttribute(p, "unix:uid", e.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", e.gid(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    private static String[] splitParent(String containerPath) {
        if (!containerPath.startsWith("/")) {
            throw new IllegalArgumentException("container path \"" + containerPath + "\" must be absolute");
        }
        String clean = Path.of(containerPath).normalize().toString();
        int slash = clean.lastIndexOf('/');
        if (slash < 0 || clean.length() == 1) {
            throw new IllegalArgumentException("container path \"" + containerPath + "\" must name a file, not /");
        }
        return new String[] {slash == 0 ? "/" : clean.substring(0, slash), clean.substring(slash + 1)};
    }

    /**
     * Resolves a container path below {@code root}, following the container's symbolic links as
     * the container would see them. With {@code create}, missing directories are made (0755).
     */
    static Path resolve(Path root, String path, boolean create) throws IOException {
        Deque<String> todo = new ArrayDeque<>(List.of(path.split("/")));
        List<String> done = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!done.isEmpty()) {
                    done.remove(done.size() - 1);
                }
                continue;
            }
            Path p = join(root, done).resolve(c);
            if (Files.isSymbolicLink(p)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symbolic links resolving " + path);
                }
                String target = Files.readSymbolicLink(p).toString();
                if (target.startsWith("/")) {
                    done.clear();
                }
                List<String> parts = List.of(target.split("/"));
                for (int i = parts.size() - 1; i >= 0; i--) {
                    todo.push(parts.get(i));
                }
                continue;
            }
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                if (!create) {
                    throw new NoSuchFileException(path);
                }
                Files.createDirectory(p);
            }
            done.add(c);
        }
        return join(root, done);
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
