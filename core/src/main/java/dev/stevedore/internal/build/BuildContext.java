package dev.stevedore.internal.build;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The build context: the files of the context directory that {@code .dockerignore} does not leave
 * out, scanned once (lstat only) and hashed on demand through the {@link StatCache}. Nothing here
 * follows a symbolic link out of the context: links are entries of their own, and a source named
 * through one is followed only while its target stays inside.
 */
final class BuildContext {

    /** What a context entry is. */
    enum Kind { FILE, DIRECTORY, SYMLINK, OTHER }

    /**
     * One file system object of the context.
     *
     * @param path its context-relative path, {@code /}-separated, empty for the context root
     * @param mode the permission bits (07777)
     * @param linkTarget a symlink's target, else null
     */
    record Node(String path, Path file, Kind kind, int mode, StatCache.Stat stat, String linkTarget) {
        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }
    }

    private final Path dir;
    private final DockerIgnore ignore;
    private final StatCache statCache;
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, List<String>> children = new LinkedHashMap<>();
    private final Map<String, byte[]> digests = new java.util.concurrent.ConcurrentHashMap<>();
    /** One read buffer per hashing thread: thousands of small files would otherwise each allocate one. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[1 << 16]);

    BuildContext(Path dir, DockerIgnore ignore, StatCache statCache) {
        this.dir = dir;
        this.ignore = ignore;
        this.statCache = statCache;
        try {
            nodes.put("", node("", dir));
            scan(dir, "");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the build context '" + dir + "': " + e.getMessage(), e);
        }
    }

    Path directory() {
        return dir;
    }

    private void scan(Path d, String rel) throws IOException {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(d)) {
            for (Path p : entries) {
                names.add(p.getFileName().toString());
            }
        }
        Collections.sort(names);
        List<String> kept = new ArrayList<>(names.size());
        for (String name : names) {
            String childRel = rel.isEmpty() ? name : rel + "/" + name;
            Path child = d.resolve(name);
            boolean excluded = ignore.excludes(childRel);
            Node n = null;
            if (!excluded) {
                n = node(childRel, child);
                nodes.put(childRel, n);
                kept.add(name);
            }
            boolean isDir = n != null ? n.kind() == Kind.DIRECTORY
                    : Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS);
            if (isDir && (!excluded || !ignore.skipsWholly(childRel))) {
                if (excluded) {
                    // An excluded directory whose content a ! pattern takes back: it exists for its children.
                    nodes.put(childRel, node(childRel, child));
                    kept.add(name);
                }
                scan(child, childRel);
            }
        }
        children.put(rel, kept);
    }

    private static Node node(String rel, Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,ino,size,lastModifiedTime,ctime",
                LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        Kind kind = switch (mode & 0170000) {
            case 0100000 -> Kind.FILE;
            case 0040000 -> Kind.DIRECTORY;
            case 0120000 -> Kind.SYMLINK;
            default -> Kind.OTHER;
        };
        StatCache.Stat stat = new StatCache.Stat((Long) a.get("size"),
                ((FileTime) a.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS),
                ((FileTime) a.get("ctime")).to(TimeUnit.NANOSECONDS), (Long) a.get("ino"));
        return new Node(rel, p, kind, mode & 07777, stat,
                kind == Kind.SYMLINK ? Files.readSymbolicLink(p).toString() : null);
    }

    /** @return the entry at a context-relative path, or null when missing or ignored */
    Node get(String path) {
        return nodes.get(path);
    }

    /** @return the names in a context directory, sorted */
    List<String> list(String path) {
        return children.getOrDefault(path, List.of());
    }

    /** @return whether a pattern has glob characters */
    static boolean isPattern(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    /**
     * The entries a COPY or ADD source names: {@code /} and {@code ./} are the context root, {@code ..}
     * may not climb above it, glob characters match within one component.
     *
     * @throws IllegalArgumentException when the source leaves the context
     */
    List<Node> match(String source) {
        String clean = cleanSource(source);
        if (clean.isEmpty()) {
            return List.of(nodes.get(""));
        }
        if (!isPattern(clean)) {
            Node n = resolveInside(clean);
            return n == null ? List.of() : List.of(n);
        }
        List<Node> result = new ArrayList<>();
        matchFrom("", clean.split("/"), 0, result);
        return result;
    }

    /** A source path relative to the context root. */
    static String cleanSource(String source) {
        List<String> parts = new ArrayList<>();
        for (String part : source.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (parts.isEmpty()) {
                    throw new IllegalArgumentException("source '" + source + "' is outside the build context: "
                            + "only files inside the context directory can be copied");
                }
                parts.remove(parts.size() - 1);
                continue;
            }
            parts.add(part);
        }
        return String.join("/", parts);
    }

    private void matchFrom(String base, String[] parts, int i, List<Node> out) {
        if (i == parts.length) {
            out.add(nodes.get(base));
            return;
        }
        Node baseNode = nodes.get(base);
        if (baseNode == null || baseNode.kind() != Kind.DIRECTORY) {
            return;
        }
        if (!isPattern(parts[i])) {
            String next = base.isEmpty() ? parts[i] : base + "/" + parts[i];
            if (nodes.containsKey(next)) {
                matchFrom(next, parts, i + 1, out);
            }
            return;
        }
        Pattern p = Pattern.compile(DockerIgnore.regex(parts[i]));
        for (String name : list(base)) {
            if (p.matcher(name).matches()) {
                matchFrom(base.isEmpty() ? name : base + "/" + name, parts, i + 1, out);
            }
        }
    }

    /**
     * The entry at a path, following symlinks met on the way (and at the end) only while they
     * resolve inside the context; a link that would lead out is returned as the link itself.
     */
    private Node resolveInside(String clean) {
        Node n = nodes.get(clean);
        if (n != null && n.kind() != Kind.SYMLINK) {
            return n;
        }
        String resolved = resolveLinks(clean, 0);
        if (resolved == null) {
            return n;
        }
        Node target = nodes.get(resolved);
        return target != null ? target : n;
    }

    private String resolveLinks(String path, int depth) {
        if (depth > 40) {
            return null;
        }
        String[] parts = path.split("/");
        String current = "";
        for (int i = 0; i < parts.length; i++) {
            String next = current.isEmpty() ? parts[i] : current + "/" + parts[i];
            Node n = nodes.get(next);
            if (n == null) {
                return null;
            }
            if (n.kind() == Kind.SYMLINK) {
                String target = n.linkTarget();
                String joined = target.startsWith("/") ? target : (current.isEmpty() ? "" : current + "/") + target;
                String rest = String.join("/", java.util.Arrays.asList(parts).subList(i + 1, parts.length));
                String cleaned;
                try {
                    cleaned = cleanSource(rest.isEmpty() ? joined : joined + "/" + rest);
                } catch (IllegalArgumentException outside) {
                    return null;
                }
                if (target.startsWith("/")) {
                    // An absolute target means the host's path, which the context cannot follow.
                    return null;
                }
                return resolveLinks(cleaned, depth + 1);
            }
            current = next;
        }
        return current;
    }

    /** Every entry below a directory, depth first in name order (the directory itself not included). */
    List<Node> tree(Node directory) {
        List<Node> out = new ArrayList<>();
        collect(directory.path(), out);
        return out;
    }

    private void collect(String path, List<Node> out) {
        for (String name : list(path)) {
            Node child = nodes.get(path.isEmpty() ? name : path + "/" + name);
            out.add(child);
            if (child.kind() == Kind.DIRECTORY) {
                collect(child.path(), out);
            }
        }
    }

    /** Makes sure every given file has its content digest, hashing the ones the stat cache does not know, in parallel. */
    void hashAll(List<Node> files) {
        List<Node> missing = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (Node n : files) {
            if (n.kind() == Kind.FILE && !digests.containsKey(n.path()) && seen.add(n.path())) {
                byte[] known = statCache.get(n.path(), n.stat());
                if (known != null) {
                    digests.put(n.path(), known);
                } else {
                    missing.add(n);
                }
            }
        }
        ImageBuilder.onFileThreads(() -> missing.parallelStream().forEach(n -> digests.put(n.path(), hash(n))));
    }

    /** @return a file's sha256, as raw bytes */
    byte[] digest(Node file) {
        byte[] d = digests.get(file.path());
        if (d == null) {
            hashAll(List.of(file));
            d = digests.get(file.path());
        }
        return d;
    }

    /** @return whether a file's digest is known without reading it (hashed in this build, or in the stat cache) */
    boolean hasDigest(Node file) {
        return knownDigest(file) != null;
    }

    private byte[] knownDigest(Node n) {
        byte[] d = digests.get(n.path());
        if (d == null) {
            d = statCache.get(n.path(), n.stat());
            if (d != null) {
                digests.put(n.path(), d);
            }
        }
        return d;
    }

    /** A file as the content of a copy: copying it hashes it when its digest is not known yet. */
    CopyPlan.Content content(Node file) {
        return new CopyPlan.Content() {
            @Override
            public void writeTo(Path target) throws IOException {
                if (knownDigest(file) != null) {
                    Files.copy(file.file(), target, LinkOption.NOFOLLOW_LINKS);
                } else {
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        digests.put(file.path(), hash(file, out));
                    }
                }
            }

            @Override
            public byte[] digest() {
                return BuildContext.this.digest(file);
            }
        };
    }

    private byte[] hash(Node n) {
        try {
            return hash(n, null);
        } catch (IOException e) {
            throw unreadable(n, e);
        }
    }

    /** Hashes a file, copying it to {@code copy} on the way when that is not null. */
    private byte[] hash(Node n, OutputStream copy) throws IOException {
        long before = System.currentTimeMillis();
        MessageDigest md = Digest.newMessageDigest(Digest.SHA256);
        byte[] buffer = BUFFER.get();
        InputStream in;
        try {
            in = Files.newInputStream(n.file(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw unreadable(n, e);
        }
        try (in) {
            for (int r; (r = read(in, buffer, n)) > 0;) {
                md.update(buffer, 0, r);
                if (copy != null) {
                    copy.write(buffer, 0, r);
                }
            }
        }
        byte[] sha = md.digest();
        // A change within the file system's clock tick after this read could keep size and times: such a
        // recent file is hashed again next time rather than trusted.
        boolean trusted = n.stat().ctimeNanos() / 1_000_000 < before - 50 && n.stat().mtimeNanos() / 1_000_000 < before - 50;
        statCache.put(n.path(), n.stat(), sha, trusted);
        return sha;
    }

    private int read(InputStream in, byte[] buffer, Node n) {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw unreadable(n, e);
        }
    }

    private UncheckedIOException unreadable(Node n, IOException e) {
        return new UncheckedIOException("cannot read '" + n.path() + "' in the build context '" + dir + "': "
                + e.getMessage(), e);
    }

    /** Persists new digests, forgetting files no longer in the context. */
    void saveStatCache() {
        statCache.save(nodes.keySet());
    }
}
