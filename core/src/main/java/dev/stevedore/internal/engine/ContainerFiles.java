package dev.stevedore.internal.engine;

import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerCompression;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.internal.layer.LayerWriteOptions;
import dev.stevedore.internal.layer.LayerWriter;
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
 * through the layer writer and the contained extractor.
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
                Path tar = Files.createTempFile(scratch, "copy-", ".tar");
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
                Path tar = Files.createTempFile(scratch, "copy-", ".tar");
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
