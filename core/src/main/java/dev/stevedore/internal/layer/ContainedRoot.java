package dev.stevedore.internal.layer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Resolves tar names inside a root directory the way a chroot would: {@code ..} stops at the root,
 * and symlinks met on the way are followed by reading them and resolving their target again from
 * the root, never by letting the kernel follow them (the approach of Go's filepath-securejoin and
 * containerd's {@code fs.RootPath}). Whatever a tar or the lower layers contain, a resolved path
 * is below the root. The final component of a name is never followed: callers replace it.
 *
 * <p>Single-threaded: the extractor's parsing thread is the only one creating directories or
 * replacing entries; writer threads only fill in files whose parents were resolved here.
 */
final class ContainedRoot {
    private static final int MAX_LINKS = 255;
    static final int MAX_NAME_BYTES = 4096;
    static final int MAX_COMPONENT_BYTES = 255;

    private final Path root;
    /** Relative paths known to be real directories (no symlink on the way); see {@link #forget}. */
    private final NavigableSet<String> knownDirs = new TreeSet<>();

    ContainedRoot(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    Path path(String rel) {
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    /**
     * Splits a tar name into clean components: empty and {@code .} parts dropped, {@code ..}
     * removing the previous part and stopping at the root, absolute names made relative.
     *
     * @throws LayerException for names longer than PATH_MAX or components longer than NAME_MAX
     *     or containing NUL
     */
    static List<String> clean(String entry, String name) {
        if (utf8Length(name) > MAX_NAME_BYTES) {
            throw new LayerException("entry '" + abbreviate(name) + "': name is "
                    + utf8Length(name) + " bytes, longer than the " + MAX_NAME_BYTES
                    + " a Linux path may have");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/", -1)) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
                continue;
            }
            if (utf8Length(part) > MAX_COMPONENT_BYTES) {
                throw new LayerException("entry '" + abbreviate(entry) + "': component '"
                        + abbreviate(part) + "' is longer than " + MAX_COMPONENT_BYTES + " bytes");
            }
            if (part.indexOf('\0') >= 0) {
                throw new LayerException("entry '" + abbreviate(entry) + "': name contains NUL");
            }
            parts.add(part);
        }
        return parts;
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...(" + s.length() + " chars)";
    }

    private static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            n += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return n;
    }

    static String join(List<String> parts, int from, int to) {
        if (to - from == 1) {
            return parts.get(from);
        }
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (i > from) {
                b.append('/');
            }
            b.append(parts.get(i));
        }
        return b.toString();
    }

    /**
     * Resolves {@code parts} as a directory inside the root.
     *
     * @param entry the tar entry name, for error messages
     * @param create whether to create missing directories (mode 0755, like tar does)
     * @param beforeTouch called with each relative path about to be looked at on disk, so the
     *     extractor can wait for a pending write to it
     * @return the directory's real path relative to the root ("" for the root), or null when it
     *     does not exist and {@code create} is false
     * @throws LayerException when a component is not a directory or links loop
     */
    String resolveDirectory(String entry, List<String> parts, int count, boolean create,
            Consumer<String> beforeTouch) throws IOException {
        if (count == 0) {
            return "";
        }
        String direct = join(parts, 0, count);
        if (knownDirs.contains(direct)) {
            return direct;
        }
        Deque<String> todo = new ArrayDeque<>(parts.subList(0, count));
        List<String> current = new ArrayList<>();
        int links = 0;
        while (!todo.isEmpty()) {
            String part = todo.pollFirst();
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!current.isEmpty()) {
                    current.remove(current.size() - 1);
                }
                continue;
            }
            current.add(part);
            String rel = join(current, 0, current.size());
            if (knownDirs.contains(rel)) {
                continue;
            }
            beforeTouch.accept(rel);
            Path p = root.resolve(rel);
            BasicFileAttributes attrs = lstat(p);
            if (attrs == null) {
                if (!create) {
                    return null;
                }
                Files.createDirectory(p);
                knownDirs.add(rel);
            } else if (attrs.isDirectory()) {
                knownDirs.add(rel);
            } else if (attrs.isSymbolicLink()) {
                if (++links > MAX_LINKS) {
                    throw new LayerException("entry '" + abbreviate(entry)
                            + "': more than " + MAX_LINKS + " symlinks on the way (a loop?)");
                }
                String target = Files.readSymbolicLink(p).toString();
                current.remove(current.size() - 1);
                if (target.startsWith("/")) {
                    current.clear();
                }
                String[] targetParts = target.split("/");
                for (int i = targetParts.length - 1; i >= 0; i--) {
                    todo.addFirst(targetParts[i]);
                }
            } else {
                throw new LayerException("entry '" + abbreviate(entry) + "': '" + rel
                        + "' is a " + kind(attrs) + ", not a directory");
            }
        }
        return join(current, 0, current.size());
    }

    /** Records that {@code rel} was just made a real directory by the extractor. */
    void knownDirectory(String rel) {
        knownDirs.add(rel);
    }

    /** Forgets what was known about {@code rel} and below, before it is removed or replaced. */
    void forget(String rel) {
        if (rel.isEmpty()) {
            knownDirs.clear();
            return;
        }
        knownDirs.remove(rel);
        knownDirs.subSet(rel + "/", true, rel + "0", false).clear();
    }

    boolean isKnownDirectory(String rel) {
        return knownDirs.contains(rel);
    }

    static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    static String kind(BasicFileAttributes a) {
        return a.isRegularFile() ? "regular file" : a.isSymbolicLink() ? "symlink"
                : a.isDirectory() ? "directory" : "special file";
    }
}
