package dev.stevedore.internal.layer;

import dev.stevedore.oci.Digest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Everything a layer should carry about a tree, one line per path, for comparing trees. */
final class TreeSnapshot {
    private TreeSnapshot() {}

    /**
     * @param withMtime include file mtimes (directories' too)
     * @return path relative to {@code root} to its description; hard links share an inode label
     */
    static Map<String, String> of(Path root, boolean withMtime) {
        Map<String, String> result = new TreeMap<>();
        Map<Object, String> inodes = new HashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(root)) {
                    continue;
                }
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                StringBuilder d = new StringBuilder();
                d.append(String.format("mode=%o uid=%s gid=%s", mode, a.get("uid"), a.get("gid")));
                int type = mode & Posix.S_IFMT;
                if (type == Posix.S_IFREG) {
                    d.append(" sha=").append(Digest.sha256(Files.readAllBytes(p)).encoded(), 0, 12);
                    if ((Integer) a.get("nlink") > 1) {
                        String first = inodes.putIfAbsent(a.get("ino"), root.relativize(p).toString());
                        d.append(" inode-of=").append(first == null ? root.relativize(p) : first);
                    }
                } else if (type == Posix.S_IFLNK) {
                    d.append(" -> ").append(Files.readSymbolicLink(p));
                } else if (type == Posix.S_IFCHR || type == Posix.S_IFBLK) {
                    long rdev = (Long) a.get("rdev");
                    d.append(" dev=").append(Posix.major(rdev)).append(':').append(Posix.minor(rdev));
                }
                for (Map.Entry<String, byte[]> x : new TreeMap<>(Posix.xattrs(p)).entrySet()) {
                    d.append(' ').append(x.getKey()).append('=')
                            .append(new String(x.getValue(), StandardCharsets.UTF_8));
                }
                if (withMtime && type != Posix.S_IFLNK) {
                    d.append(" mtime=").append(Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                            .toInstant().getEpochSecond());
                }
                result.put(root.relativize(p).toString(), d.toString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result;
    }
}
