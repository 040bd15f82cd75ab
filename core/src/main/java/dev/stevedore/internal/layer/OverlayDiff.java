package dev.stevedore.internal.layer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads what a container changed from an overlayfs upper directory: every object in it is
 * added or modified, a 0/0 character device is a deletion (overlayfs' whiteout), and a directory
 * with {@code trusted.overlay.opaque=y} hides everything lower layers had in it. Assumes the
 * overlay was mounted without {@code redirect_dir} and {@code metacopy}, which would make the
 * upper directory refer to lower files by other names.
 */
public final class OverlayDiff {
    private OverlayDiff() {}

    /** @return the changes in {@code upperDir}, parents before children */
    public static List<LayerChange> changes(Path upperDir) {
        List<LayerChange> changes = new ArrayList<>();
        try {
            if (isOpaque(upperDir)) {
                changes.add(LayerChange.opaque(""));
            }
            walk(upperDir, "", changes);
        } catch (IOException e) {
            throw new LayerException("cannot read overlay upper dir '" + upperDir + "': " + e, e);
        }
        return changes;
    }

    private static void walk(Path dir, String prefix, List<LayerChange> changes)
            throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            s.forEach(children::add);
        }
        children.sort(null);
        for (Path child : children) {
            String rel = prefix + child.getFileName();
            Map<String, Object> a = Files.readAttributes(child, "unix:mode,rdev",
                    LinkOption.NOFOLLOW_LINKS);
            int type = (Integer) a.get("mode") & Posix.S_IFMT;
            if (type == Posix.S_IFCHR && (Long) a.get("rdev") == 0L) {
                changes.add(LayerChange.deleted(rel));
            } else if (type == Posix.S_IFDIR) {
                changes.add(isOpaque(child) ? LayerChange.opaque(rel) : LayerChange.modified(rel));
                walk(child, rel + "/", changes);
            } else {
                changes.add(LayerChange.modified(rel));
            }
        }
    }

    /**
     * @param dir a directory of an overlayfs layer or upper directory
     * @return whether it hides what lower layers have in it: root's {@code trusted.overlay.opaque}
     *     or a rootless user's {@code user.overlay.opaque} is {@code y}
     */
    public static boolean isOpaque(Path dir) {
        return isY(Posix.xattr(dir, LayerExtractor.OVERLAY_OPAQUE_XATTR))
                || isY(Posix.xattr(dir, LayerExtractor.USER_OPAQUE_XATTR));
    }

    private static boolean isY(byte[] v) {
        return v != null && v.length == 1 && v[0] == 'y';
    }
}
