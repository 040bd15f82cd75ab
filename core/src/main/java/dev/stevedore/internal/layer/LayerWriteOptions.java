package dev.stevedore.internal.layer;

import java.time.Instant;

/**
 * How {@link LayerWriter} writes a layer.
 *
 * @param compression how the tar is compressed
 * @param mtime the timestamp every entry gets, for reproducible layers; null keeps each file's own
 * @param xattrs whether extended attributes are written (as PAX {@code SCHILY.xattr.*})
 * @param level compression level (gzip 1..9, zstd 1..19); part of what makes the digest
 */
public record LayerWriteOptions(LayerCompression compression, Instant mtime, boolean xattrs,
        int level) {
    /**
     * Gzip level 1: zlib's level 6 is about six times slower for about 12% smaller output on
     * typical layers; at level 1 deflating on two cores keeps up with umoci's Go-native pgzip.
     */
    public static final int DEFAULT_GZIP_LEVEL = 1;
    public static final int DEFAULT_ZSTD_LEVEL = 3;

    public LayerWriteOptions {
        if (compression == null) {
            throw new NullPointerException("compression");
        }
        int max = compression == LayerCompression.ZSTD ? 19 : 9;
        if (compression != LayerCompression.NONE && (level < 1 || level > max)) {
            throw new IllegalArgumentException(compression + " level must be 1.." + max + ": "
                    + level);
        }
    }

    /**
     * Gzip at {@link #DEFAULT_GZIP_LEVEL}, xattrs kept, every timestamp set to {@code SOURCE_DATE_EPOCH} (seconds since the epoch)
     * when that environment variable is set, to the epoch otherwise.
     */
    public static LayerWriteOptions defaults() {
        return new LayerWriteOptions(LayerCompression.GZIP, sourceDateEpoch(), true,
                DEFAULT_GZIP_LEVEL);
    }

    private static Instant sourceDateEpoch() {
        String value = System.getenv("SOURCE_DATE_EPOCH");
        if (value == null || value.isBlank()) {
            return Instant.EPOCH;
        }
        try {
            return Instant.ofEpochSecond(Long.parseLong(value.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("SOURCE_DATE_EPOCH must be seconds since the epoch: '"
                    + value + "'", e);
        }
    }

    /** Switches compression, with that compression's default level. */
    public LayerWriteOptions withCompression(LayerCompression c) {
        return new LayerWriteOptions(c, mtime, xattrs,
                c == LayerCompression.ZSTD ? DEFAULT_ZSTD_LEVEL : DEFAULT_GZIP_LEVEL);
    }

    public LayerWriteOptions withLevel(int compressionLevel) {
        return new LayerWriteOptions(compression, mtime, xattrs, compressionLevel);
    }

    /** @param time the timestamp for every entry, or null to keep each file's own */
    public LayerWriteOptions withMtime(Instant time) {
        return new LayerWriteOptions(compression, time, xattrs, level);
    }

    public LayerWriteOptions withXattrs(boolean keep) {
        return new LayerWriteOptions(compression, mtime, keep, level);
    }
}
