package dev.stevedore.internal.layer;

import com.github.luben.zstd.ZstdInputStream;
import com.github.luben.zstd.ZstdOutputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/** How a layer blob's tar is compressed, recognised by the blob's first bytes. */
public enum LayerCompression {
    NONE,
    GZIP,
    ZSTD;

    private static final int BUFFER = 64 * 1024;

    /**
     * Looks at the first bytes of {@code in} without consuming them.
     *
     * @throws LayerException for bzip2 and xz, which OCI layers do not use
     */
    public static LayerCompression detect(BufferedInputStream in) throws IOException {
        in.mark(6);
        byte[] b = in.readNBytes(6);
        in.reset();
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            return GZIP;
        }
        if (b.length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5
                && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd) {
            return ZSTD;
        }
        if (b.length >= 6 && (b[0] & 0xff) == 0xfd && b[1] == '7' && b[2] == 'z' && b[3] == 'X'
                && b[4] == 'Z' && b[5] == 0) {
            throw new LayerException("layer is xz-compressed, which OCI layers do not use; "
                    + "recompress it with gzip or zstd");
        }
        if (b.length >= 3 && b[0] == 'B' && b[1] == 'Z' && b[2] == 'h') {
            throw new LayerException("layer is bzip2-compressed, which OCI layers do not use; "
                    + "recompress it with gzip or zstd");
        }
        return NONE;
    }

    /** Wraps {@code in} (the compressed blob) so that it reads the tar. */
    public InputStream decompress(InputStream in) {
        try {
            switch (this) {
                case GZIP:
                    return new GZIPInputStream(in, BUFFER);
                case ZSTD:
                    return new ZstdInputStream(in);
                default:
                    return in;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + this + " header of layer", e);
        }
    }

    /** {@link #compress(OutputStream, int)} at the default level of {@link LayerWriteOptions}. */
    public OutputStream compress(OutputStream out) {
        return compress(out, this == ZSTD ? LayerWriteOptions.DEFAULT_ZSTD_LEVEL
                : LayerWriteOptions.DEFAULT_GZIP_LEVEL);
    }

    /**
     * Wraps {@code out} so that what is written to it arrives compressed. Closing the returned
     * stream finishes the compressed stream and closes {@code out}. Gzip output is deflated on
     * several threads (see {@link ParallelGzipOutputStream}) and is the same bytes whatever the
     * thread count.
     *
     * @param level gzip 1..9 or zstd 1..19; ignored for {@link #NONE}
     */
    public OutputStream compress(OutputStream out, int level) {
        try {
            switch (this) {
                case GZIP:
                    return new ParallelGzipOutputStream(out, level);
                case ZSTD:
                    return new ZstdOutputStream(out, level);
                default:
                    return out;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + this + " stream", e);
        }
    }

    /** @return the OCI layer media type of a tar compressed this way */
    public String ociMediaType() {
        switch (this) {
            case GZIP:
                return "application/vnd.oci.image.layer.v1.tar+gzip";
            case ZSTD:
                return "application/vnd.oci.image.layer.v1.tar+zstd";
            default:
                return "application/vnd.oci.image.layer.v1.tar";
        }
    }
}
