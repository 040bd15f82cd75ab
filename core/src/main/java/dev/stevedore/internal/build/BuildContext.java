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
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The build context: the files of the context directory that {@code .dockerignore} does not leave
 * out, scanned once (one lstat each) into a tree, and hashed on demand
 * through the {@link StatCache}. Nothing here follows a symbolic link out of the context: links are
 * entries of their own, and a source named through one is followed only while its target stays inside.
 */
final class BuildContext {

    /** What a context entry is. */
    enum Kind { FILE, DIRECTORY, SYMLINK, OTHER }

    private static final Node[] NO_CHILDREN = {};

    /** One file system object of the context. */
    static final class Node {
        private final String path;
        private final Path file;
        private final Kind kind;
        private final int mode;
        private final StatCache.Stat stat;
        private final String linkTarget;
        /** A directory's entries that the context keeps, in name order; set by the scan (which publishes them). */
        private Node[] children = NO_CHILDREN;
        /** The content's sha256 once known: from the stat cache, or hashed in this build. */
        private volatile byte[] digest;

        Node(String path, Path file, Kind kind, int mode, StatCache.Stat stat, String linkTarget) {
            this.path = path;
            this.file = file;
            this.kind = kind;
            this.mode = mode;
            this.stat = stat;
            this.linkTarget = linkTarget;
        }

        /** @return its context-relative path, {@code /}-separated, empty for the context root */
        String path() {
            return path;
        }

        Path file() {
            return file;
        }

        Kind kind() {
            return kind;
        }

        /** @return the permission bits (07777) */
        int mode() {
            return mode;
        }

        StatCache.Stat stat() {
            return stat;
        }

        /** @return a symlink's target, else null */
        String linkTarget() {
            return linkTarget;
        }

        String name() {
            return path.substring(path.lastIndexOf('/') + 1);
        }

        /** The entry of this directory with the given context-relative path, by binary search. */
        private Node child(String childPath) {
            int lo = 0;
            int hi = children.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int c = children[mid].path.compareTo(childPath);
                if (c == 0) {
                    return children[mid];
                } else if (c < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return null;
        }
    }

    private final Path dir;
    private final DockerIgnore ignore;
    private final StatCache statCache;
    /** What a context-relative path starts at in the text of a scanned path. */
    private final int relativeFrom;
    private final Node root;
    /** One read buffer per hashing thread: thousands of small files would otherwise each allocate one. */
    private static final ThreadLocal<byte[]> BUFFER = new ThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[1 << 16];
        }
    };
    /** Siblings share their parent's path: ordering the paths orders the names. A class, not a lambda: see Build. */
    private static final Comparator<Node> BY_PATH = new Comparator<>() {
        @Override
        public int compare(Node a, Node b) {
            return a.path.compareTo(b.path);
        }
    };
    /** Below this many bytes to hash (and files), hashing stays on the calling thread: a touch needs no pool. */
    private static final long PARALLEL_FROM_BYTES = 1 << 20;
    private static final int PARALLEL_FROM_FILES = 64;

    /** A context whose root is made and whose entries a {@link Scan} lists. */
    private BuildContext(Path dir, DockerIgnore ignore, StatCache statCache) throws IOException {
        this.dir = dir;
        this.ignore = ignore;
        this.statCache = statCache;
        String text = dir.toString();
        this.relativeFrom = text.endsWith("/") ? text.length() : text.length() + 1;
        this.root = node("", dir);
    }

    /**
     * Scans a context directory on the calling thread.
     *
     * @throws UncheckedIOException when the directory cannot be read
     */
    static BuildContext scan(Path dir, DockerIgnore ignore, StatCache statCache) {
        Scan scan = new Scan(dir, () -> ignore, () -> statCache);
        scan.run();
        return scan.result();
    }

    /**
     * A scan of a context directory that more than one thread works on. It runs on a file thread, and a
     * thread that needs the context before it is listed takes directories from the same queue instead of
     * waiting: in a fresh JVM thousands of entries take tens of milliseconds, which a build otherwise
     * spends waiting at its first COPY.
     */
    static final class Scan implements Runnable {
        private final Path dir;
        private final Supplier<DockerIgnore> ignore;
        private final Supplier<StatCache> statCache;
        private final CountDownLatch begun = new CountDownLatch(1);
        /** Directories whose entries are not listed yet. */
        private final Queue<Node> pending = new ConcurrentLinkedQueue<>();
        /** Directories queued or being listed: the scan is over at zero. */
        private final AtomicInteger unfinished = new AtomicInteger();
        private volatile BuildContext context;
        private volatile RuntimeException failure;

        /**
         * @param dir the context directory
         * @param ignore its {@code .dockerignore}, read on the scanning thread
         * @param statCache the statistics cache, loaded on the scanning thread
         */
        Scan(Path dir, Supplier<DockerIgnore> ignore, Supplier<StatCache> statCache) {
            this.dir = dir;
            this.ignore = ignore;
            this.statCache = statCache;
        }

        @Override
        public void run() {
            try {
                BuildContext c = new BuildContext(dir, ignore.get(), statCache.get());
                context = c;
                queue(c.root);
            } catch (IOException e) {
                failure = unreadable(e);
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                begun.countDown();
            }
            work();
        }

        /**
         * @return the context, listed by this thread too when the scan is not over
         * @throws UncheckedIOException when the directory cannot be read
         */
        BuildContext result() {
            boolean interrupted = false;
            while (true) {
                try {
                    begun.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            work();
            if (failure != null) {
                throw failure;
            }
            return context;
        }

        private void work() {
            while (failure == null && unfinished.get() > 0) {
                Node directory = pending.poll();
                if (directory == null) {
                    // The last directories are being listed by another thread.
                    LockSupport.parkNanos(20_000);
                    continue;
                }
                try {
                    directory.children = context.list(directory, this);
                } catch (IOException e) {
                    failure = unreadable(e);
                } catch (RuntimeException e) {
                    failure = e;
                } finally {
                    unfinished.decrementAndGet();
                }
            }
        }

        void queue(Node directory) {
            unfinished.incrementAndGet();
            pending.add(directory);
        }

        private UncheckedIOException unreadable(IOException e) {
            return new UncheckedIOException("cannot read the build context '" + dir + "': " + e.getMessage(), e);
        }
    }

    Path directory() {
        return dir;
    }

    /** The kept entries of a directory, sorted; its directories are queued on the scan. */
    private Node[] list(Node directory, Scan scan) throws IOException {
        List<Node> kept = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory.file)) {
            for (Path child : entries) {
                // The stream's paths are the directory's path and the name: the text after the context's is the relative path.
                String rel = child.toString().substring(relativeFrom);
                if (!ignore.isEmpty() && ignore.excludes(rel)) {
                    if (!ignore.skipsWholly(rel)) {
                        // An excluded directory whose content a ! pattern takes back: it exists for its children.
                        Node n = node(rel, child);
                        if (n.kind == Kind.DIRECTORY) {
                            kept.add(n);
                        }
                    }
                    continue;
                }
                kept.add(node(rel, child));
            }
        }
        Node[] sorted = kept.toArray(NO_CHILDREN);
        Arrays.sort(sorted, BY_PATH);
        for (Node n : sorted) {
            if (n.kind == Kind.DIRECTORY) {
                scan.queue(n);
            }
        }
        return sorted;
    }

    private Node node(String rel, Path p) throws IOException {
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
        Node n = new Node(rel, p, kind, mode & 07777, stat,
                kind == Kind.SYMLINK ? Files.readSymbolicLink(p).toString() : null);
        if (kind == Kind.FILE) {
            n.digest = statCache.get(rel, stat);
        }
        return n;
    }

    /** @return the entry at a context-relative path, or null when missing or ignored */
    Node get(String path) {
        Node n = root;
        for (int slash = path.indexOf('/'); n != null && !path.isEmpty(); slash = path.indexOf('/', slash + 1)) {
            n = n.child(slash < 0 ? path : path.substring(0, slash));
            if (slash < 0) {
                break;
            }
        }
        return n;
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
            return List.of(root);
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
            out.add(get(base));
            return;
        }
        Node baseNode = get(base);
        if (baseNode == null || baseNode.kind() != Kind.DIRECTORY) {
            return;
        }
        if (!isPattern(parts[i])) {
            String next = base.isEmpty() ? parts[i] : base + "/" + parts[i];
            if (baseNode.child(next) != null) {
                matchFrom(next, parts, i + 1, out);
            }
            return;
        }
        Pattern p = Pattern.compile(DockerIgnore.regex(parts[i]));
        for (Node child : baseNode.children) {
            if (p.matcher(child.name()).matches()) {
                matchFrom(child.path, parts, i + 1, out);
            }
        }
    }

    /**
     * The entry at a path, following symlinks met on the way (and at the end) only while they
     * resolve inside the context; a link that would lead out is returned as the link itself.
     */
    private Node resolveInside(String clean) {
        Node n = get(clean);
        if (n != null && n.kind() != Kind.SYMLINK) {
            return n;
        }
        String resolved = resolveLinks(clean, 0);
        if (resolved == null) {
            return n;
        }
        Node target = get(resolved);
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
            Node n = get(next);
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
        collect(directory, out);
        return out;
    }

    private static void collect(Node directory, List<Node> out) {
        for (Node child : directory.children) {
            out.add(child);
            if (child.kind == Kind.DIRECTORY) {
                collect(child, out);
            }
        }
    }

    /**
     * Makes sure every given file has its content digest, hashing the ones the stat cache does not know:
     * in parallel when there are many, or much, to read.
     */
    void hashAll(List<Node> files) {
        Set<Node> missing = new LinkedHashSet<>();
        long bytes = 0;
        for (Node n : files) {
            if (n.kind == Kind.FILE && knownDigest(n) == null && missing.add(n)) {
                bytes += n.stat.size();
            }
        }
        if (missing.size() < PARALLEL_FROM_FILES && bytes < PARALLEL_FROM_BYTES) {
            for (Node n : missing) {
                n.digest = hash(n);
            }
        } else {
            ImageBuilder.onFileThreads(() -> missing.parallelStream().forEach(n -> n.digest = hash(n)));
        }
    }

    /** @return a file's sha256, as raw bytes */
    byte[] digest(Node file) {
        byte[] d = knownDigest(file);
        if (d == null) {
            hashAll(List.of(file));
            d = file.digest;
        }
        return d;
    }

    /** @return whether a file's digest is known without reading it (hashed in this build, or in the stat cache) */
    boolean hasDigest(Node file) {
        return knownDigest(file) != null;
    }

    /** The digest hashed in this build or found at the scan, else one another build of the same builder recorded since. */
    private byte[] knownDigest(Node n) {
        byte[] d = n.digest;
        if (d == null) {
            d = statCache.get(n.path, n.stat);
            if (d != null) {
                n.digest = d;
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
                    Files.copy(file.file, target, LinkOption.NOFOLLOW_LINKS);
                } else {
                    try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        file.digest = hash(file, out);
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

    private static void collectFiles(Node directory, List<String> out) {
        for (Node child : directory.children) {
            if (child.kind == Kind.FILE) {
                out.add(child.path);
            } else if (child.kind == Kind.DIRECTORY) {
                collectFiles(child, out);
            }
        }
    }

    /** @return whether {@link #saveStatCache} has anything to write */
    boolean statCacheChanged() {
        return statCache.changed();
    }

    /** Persists new digests, forgetting files no longer in the context. */
    void saveStatCache() {
        if (statCache.changed()) {
            List<String> files = new ArrayList<>();
            collectFiles(root, files);
            statCache.save(files);
        }
    }
}
