package dev.stevedore.internal.build;

import dev.stevedore.internal.layer.RootfsView;
import dev.stevedore.internal.layer.ExtractOptions;
import dev.stevedore.internal.layer.LayerExtractor;
import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a COPY or ADD puts where: a list of operations on absolute image paths, planned before
 * anything is written so that the cache key can be computed from it (paths, types, modes and the
 * content digests of the files, never their times), then applied into an empty directory that becomes
 * the step's layer. Ownership is the step's ({@code --chown}, else root); modes are the sources' unless
 * {@code --chmod} says otherwise.
 */
final class CopyPlan {

    /** Where a file's content comes from. */
    interface Content {
        /** Writes the content to a new file. */
        void writeTo(Path target) throws IOException;

        /** A digest of the content for the cache key. */
        byte[] digest();
    }

    /** A file in the host file system (context or unpacked layer), digested lazily by the given function. */
    record HostFile(Path file, java.util.function.Supplier<byte[]> digester) implements Content {
        @Override
        public void writeTo(Path target) throws IOException {
            Files.copy(file, target);
        }

        @Override
        public byte[] digest() {
            return digester.get();
        }
    }

    /** Bytes known in memory, such as a here-document. */
    record Bytes(byte[] bytes) implements Content {
        @Override
        public void writeTo(Path target) throws IOException {
            Files.write(target, bytes);
        }

        @Override
        public byte[] digest() {
            return Digest.newMessageDigest(Digest.SHA256).digest(bytes);
        }
    }

    /**
     * Files of an earlier layer of the same step that may be hard-linked instead of copied: unpacked
     * layers never change, and a link shares content, mode, owner and (fixed) time, which match.
     */
    interface Reuse {
        /**
         * @param digest the content's digest, asked only when an earlier file has this destination and
         *     mode (hashing a file the step has not hashed yet is cheaper than copying it)
         * @return the earlier file with this destination, mode and content, or null
         */
        Path find(String dest, int mode, java.util.function.Supplier<byte[]> digest);
    }

    /** One thing to create. */
    sealed interface Op {
        String dest();
    }

    record MakeDir(String dest, int mode) implements Op {}

    record PutFile(String dest, int mode, Content content) implements Op {}

    record PutLink(String dest, String target) implements Op {}

    /** An archive ADD unpacks into a directory; its entries keep the archive's owners and modes. */
    record Unpack(String dest, Path archive, java.util.function.Supplier<byte[]> digester) implements Op {}

    private final List<Op> ops = new ArrayList<>();

    void add(Op op) {
        ops.add(op);
    }

    List<Op> ops() {
        return ops;
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }

    /** A digest of every operation, for the cache key. */
    String digest(Optional<Integer> chmod) {
        MessageDigest md = Digest.newMessageDigest(Digest.SHA256);
        for (Op op : ops) {
            StringBuilder line = new StringBuilder();
            if (op instanceof MakeDir d) {
                line.append("D ").append(d.dest()).append(' ').append(Integer.toOctalString(chmod.orElse(d.mode())));
            } else if (op instanceof PutFile f) {
                line.append("F ").append(f.dest()).append(' ').append(Integer.toOctalString(chmod.orElse(f.mode())))
                        .append(' ').append(HexFormat.of().formatHex(f.content().digest()));
            } else if (op instanceof PutLink l) {
                line.append("L ").append(l.dest()).append(' ').append(l.target());
            } else if (op instanceof Unpack u) {
                line.append("A ").append(u.dest()).append(' ').append(HexFormat.of().formatHex(u.digester().get()));
            }
            md.update(line.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Creates everything under {@code root}. Parent directories that exist in the image get its
     * owner and mode (a layer entry replaces them); new ones get the step's owner and mode 0755.
     */
    void apply(Path root, RootfsView image, Users.Ids owner, Optional<Integer> chmod, Instant mtime, Reuse reuse) {
        Map<String, Boolean> made = new LinkedHashMap<>();
        Map<String, PutFile> files = new LinkedHashMap<>();
        // What exists in the fresh directory, so that a new path costs no check: links made, and whether
        // an archive put files no one planned.
        java.util.Set<String> links = new java.util.HashSet<>();
        boolean unpacked = false;
        try {
            for (Op op : ops) {
                String rel = op.dest().substring(1);
                Path target = root.resolve(rel);
                files.remove(op.dest()); // a later operation on the same path wins
                parents(root, rel, image, owner, made);
                if (op instanceof MakeDir d) {
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(target);
                        Files.createDirectory(target);
                    }
                    setOwnerAndMode(target, owner, chmod.orElse(d.mode()));
                    made.put(rel, true);
                } else if (op instanceof PutFile f) {
                    replaceable(target, rel, made, links, unpacked);
                    files.put(f.dest(), f);
                } else if (op instanceof PutLink l) {
                    replaceable(target, rel, made, links, unpacked);
                    Files.createSymbolicLink(target, Path.of(l.target()));
                    links.add(rel);
                    Files.setAttribute(target, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
                    Files.setAttribute(target, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
                } else if (op instanceof Unpack u) {
                    if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createDirectory(target);
                        setOwnerAndMode(target, owner, 0755);
                    }
                    made.put(rel, true);
                    unpacked = true;
                    try (var in = Files.newInputStream(u.archive())) {
                        LayerExtractor.extract(in, target, ExtractOptions.defaults().withWriterThreads(0));
                    }
                }
            }
            FileTime time = FileTime.from(mtime);
            // File contents are independent of each other: write them in parallel, the copying is I/O.
            ImageBuilder.onFileThreads(() -> files.values().parallelStream().forEach(f -> {
                Path target = root.resolve(f.dest().substring(1));
                int mode = chmod.orElse(f.mode());
                try {
                    Path earlier = reuse.find(f.dest(), mode, f.content()::digest);
                    if (earlier != null) {
                        try {
                            Files.createLink(target, earlier);
                            return;
                        } catch (IOException e) {
                            // Gone since, or another file system: copy instead.
                        }
                    }
                    f.content().writeTo(target);
                    setOwnerAndMode(target, owner, mode);
                    Files.setLastModifiedTime(target, time);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write '" + f.dest() + "': " + e.getMessage(), e);
                }
            }));
            fixTimes(root, time);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot assemble the copied files in '" + root + "': " + e.getMessage(), e);
        }
    }

    /** Clears the way for a file or link at {@code rel}; a directory there is an error. */
    private static void replaceable(Path target, String rel, Map<String, Boolean> made, java.util.Set<String> links,
            boolean unpacked) throws IOException {
        if (made.containsKey(rel) || unpacked && Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("cannot replace directory " + target.getFileName() + " with a file");
        }
        if (links.remove(rel) || unpacked) {
            Files.deleteIfExists(target);
        }
    }

    private static void parents(Path root, String rel, RootfsView image, Users.Ids owner, Map<String, Boolean> made)
            throws IOException {
        int slash = -1;
        while ((slash = rel.indexOf('/', slash + 1)) > 0) {
            String parent = rel.substring(0, slash);
            Path dir = root.resolve(parent);
            if (made.containsKey(parent) || Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            Files.createDirectory(dir);
            Optional<RootfsView.Entry> existing = image.lookup("/" + parent, false);
            if (existing.isPresent() && existing.get().isDirectory()) {
                RootfsView.Entry e = existing.get();
                setOwnerAndMode(dir, new Users.Ids(e.uid(), e.gid()), e.mode() & 07777);
            } else {
                setOwnerAndMode(dir, owner, 0755);
            }
            made.put(parent, true);
        }
    }

    private static final Users.Ids CREATOR = ImageBuilder.isRoot() ? new Users.Ids(0, 0) : null;

    private static void setOwnerAndMode(Path p, Users.Ids owner, int mode) throws IOException {
        if (!owner.equals(CREATOR)) {
            Files.setAttribute(p, "unix:uid", owner.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", owner.gid(), LinkOption.NOFOLLOW_LINKS);
        }
        // After chown, which clears set-id bits.
        Files.setAttribute(p, "unix:mode", mode & 07777);
    }

    /** Fixed directory times, set last (creating entries changes them), as extracting the layer would leave them. */
    private static void fixTimes(Path dir, FileTime time) throws IOException {
        try (var entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            for (Path p : entries) {
                if (!Files.isSymbolicLink(p)) {
                    fixTimes(p, time);
                }
            }
        }
        Files.setLastModifiedTime(dir, time);
    }
}
