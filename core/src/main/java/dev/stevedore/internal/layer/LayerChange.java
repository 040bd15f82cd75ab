package dev.stevedore.internal.layer;

/**
 * One change of a file system relative to the layers below it, as {@link LayerWriter#writeChanges}
 * writes it.
 *
 * @param kind what happened
 * @param path the path relative to the root, with {@code /} separators and no leading slash
 */
public record LayerChange(Kind kind, String path) {

    /** What happened to a path. */
    public enum Kind {
        /** new: written as an entry taken from the directory. */
        ADDED,
        /** changed content or metadata: written as an entry taken from the directory. */
        MODIFIED,
        /** removed: written as a {@code .wh.NAME} whiteout. */
        DELETED,
        /**
         * a directory whose lower contents are all hidden (replaced wholesale): written as
         * {@code .wh..wh..opq} right after the directory's own entry.
         */
        OPAQUE
    }

    public LayerChange {
        if (kind == null || path == null) {
            throw new NullPointerException("kind and path");
        }
        String clean = String.join("/", ContainedRoot.clean(path, path));
        if (clean.isEmpty() && kind != Kind.OPAQUE && kind != Kind.MODIFIED) {
            throw new IllegalArgumentException("change " + kind + " needs a path below the root: '"
                    + path + "'");
        }
        path = clean;
    }

    public static LayerChange added(String path) {
        return new LayerChange(Kind.ADDED, path);
    }

    public static LayerChange modified(String path) {
        return new LayerChange(Kind.MODIFIED, path);
    }

    public static LayerChange deleted(String path) {
        return new LayerChange(Kind.DELETED, path);
    }

    public static LayerChange opaque(String directory) {
        return new LayerChange(Kind.OPAQUE, directory);
    }
}
