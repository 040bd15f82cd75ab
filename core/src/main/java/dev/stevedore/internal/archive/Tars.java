package dev.stevedore.internal.archive;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * The tar conventions of the archives we write: entries owned by root, mode 0644 (0755 for
 * directories), timestamps at the epoch, PAX headers for long names and big sizes, so the same
 * images give the same archive bytes.
 */
final class Tars {

    private Tars() {
    }

    static TarArchiveOutputStream writer(OutputStream out) {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name());
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        return tar;
    }

    static TarArchiveInputStream reader(InputStream in) {
        return new TarArchiveInputStream(in, StandardCharsets.UTF_8.name());
    }

    static void directory(TarArchiveOutputStream tar, String name) throws IOException {
        TarArchiveEntry entry = entry(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, 040755);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    static void file(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, 0100644);
        entry.setSize(content.length);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    /** Writes a file entry whose content must be exactly {@code size} bytes of {@code content}. */
    static void file(TarArchiveOutputStream tar, String name, long size, InputStream content) throws IOException {
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL, 0100644);
        entry.setSize(size);
        tar.putArchiveEntry(entry);
        long copied = content.transferTo(tar);
        if (copied != size) {
            throw new IOException("'" + name + "' gave " + copied + " bytes, " + size + " were announced");
        }
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setMode(mode);
        entry.setModTime(0);
        entry.setIds(0, 0);
        entry.setNames("", "");
        return entry;
    }

    /**
     * The current entry's content, whose read failures (a tar that breaks off, say) become an
     * {@link ArchiveException} naming the archive and the entry, rather than an I/O error a
     * caller would blame on where the bytes were going.
     */
    static InputStream content(TarArchiveInputStream tar, TarArchiveEntry entry, String archive) {
        return new FilterInputStream(tar) {
            @Override
            public int read() {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                try {
                    return in.read(b, off, len);
                } catch (IOException e) {
                    throw new ArchiveException(archive + ": entry '" + entry.getName() + "' cannot be read ("
                            + e.getMessage() + "); the archive is truncated or corrupt", e);
                }
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * An entry name as a relative path without {@code ./}, refusing names that climb out
     * ({@code ..}) or are absolute, which an archive of images never needs.
     */
    static String normalize(String archive, String name) {
        String n = name;
        while (n.startsWith("./")) {
            n = n.substring(2);
        }
        if (n.startsWith("/") || n.equals("..") || n.startsWith("../") || n.contains("/../") || n.endsWith("/..")) {
            throw new ArchiveException(archive + ": entry '" + name + "' points outside the archive");
        }
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }
}
