package dev.stevedore.internal.layer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Watches the tar's block structure as the parser reads it and refuses a PAX or GNU long-name
 * header bigger than {@link #MAX_META} before the parser buffers it: commons-compress reads
 * those headers whole into memory, so one crafted multi-gigabyte header would exhaust the heap.
 * Follows data sizes (including PAX {@code size} overrides and old GNU sparse extension
 * blocks) to know where each header starts; stops watching at the end-of-archive marker or at
 * a block that is not a valid header, leaving that error to the parser.
 *
 * <p>It also keeps each entry's {@code SCHILY.xattr.*} values as raw bytes: commons-compress
 * decodes PAX values as UTF-8, which mangles binary values such as {@code security.capability}.
 * The parser reads header records exactly as it needs them, so when it returns an entry the
 * last header seen here is that entry's.
 */
final class TarHeaderGuard extends ObservingInputStream {
    static final int MAX_META = 1 << 20;
    private static final int BLOCK = 512;
    private static final String XATTR_PAX = "SCHILY.xattr.";

    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private long remainingData;
    private long offset;
    private long headerOffset;
    private boolean done;
    private int zeroBlocks;
    private boolean collectingPax;
    private final ByteArrayOutputStream pax = new ByteArrayOutputStream();
    private long paxSize = -1;
    private Map<String, byte[]> paxXattrs = Map.of();
    private Map<String, byte[]> entryXattrs = Map.of();
    private boolean sparseExtensions;
    private long sparseDataSize;

    TarHeaderGuard(InputStream in) {
        super(in);
    }

    @Override
    void observe(byte[] b, int off, int len) {
        while (len > 0 && !done) {
            if (remainingData > 0) {
                int n = (int) Math.min(len, remainingData);
                if (collectingPax) {
                    pax.write(b, off, n);
                }
                remainingData -= n;
                off += n;
                len -= n;
                offset += n;
                if (remainingData == 0 && collectingPax) {
                    collectingPax = false;
                    parsePax(pax.toByteArray());
                    pax.reset();
                }
                continue;
            }
            if (headerFill == 0) {
                headerOffset = offset;
            }
            int n = Math.min(len, BLOCK - headerFill);
            System.arraycopy(b, off, header, headerFill, n);
            headerFill += n;
            off += n;
            len -= n;
            offset += n;
            if (headerFill == BLOCK) {
                headerFill = 0;
                processHeader();
            }
        }
    }

    private void processHeader() {
        if (sparseExtensions) {
            if (header[504] == 0) {
                sparseExtensions = false;
                remainingData = padded(sparseDataSize);
            }
            return;
        }
        if (isZero()) {
            if (++zeroBlocks == 2) {
                done = true;
            }
            return;
        }
        zeroBlocks = 0;
        if (!checksumOk()) {
            done = true;
            return;
        }
        byte type = header[156];
        long size = number(124, 12);
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            if (size > MAX_META || size < 0) {
                throw new LayerException("tar header at byte " + headerOffset + ": a "
                        + (type == 'x' || type == 'g' ? "PAX" : "GNU long name") + " header of "
                        + size + " bytes, more than the " + MAX_META + " allowed for names and "
                        + "attributes; the layer is corrupt or hostile");
            }
            collectingPax = type == 'x' && size > 0;
            remainingData = padded(size);
            return;
        }
        long dataSize = paxSize >= 0 ? paxSize : size;
        paxSize = -1;
        entryXattrs = paxXattrs;
        paxXattrs = Map.of();
        if (type == 'S' && header[482] != 0) {
            sparseExtensions = true;
            sparseDataSize = dataSize;
            return;
        }
        remainingData = padded(dataSize);
    }

    private static long padded(long size) {
        return (size + BLOCK - 1) / BLOCK * BLOCK;
    }

    private boolean isZero() {
        for (byte x : header) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private boolean checksumOk() {
        long stored = number(148, 8);
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte x = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += x & 0xff;
            signed += x;
        }
        return stored == unsigned || stored == signed;
    }

    /** Octal, or GNU base-256 when the first byte's high bit is set. */
    private long number(int at, int length) {
        if ((header[at] & 0x80) != 0) {
            long v = header[at] & 0x7f;
            for (int i = 1; i < length; i++) {
                if (v > (Long.MAX_VALUE >> 8)) {
                    return -1;
                }
                v = (v << 8) | (header[at + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = at; i < at + length; i++) {
            byte c = header[i];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                break;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }

    /** The xattrs of the entry the parser returned last, by name, as raw bytes. */
    Map<String, byte[]> entryXattrs() {
        return entryXattrs;
    }

    /** Reads the {@code size} and {@code SCHILY.xattr.*} records; records are "LEN key=value\n". */
    private void parsePax(byte[] records) {
        Map<String, byte[]> xattrs = new LinkedHashMap<>();
        int i = 0;
        while (i < records.length) {
            int space = i;
            while (space < records.length && records[space] != ' ') {
                space++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(records, i, space - i, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                break;
            }
            if (len <= space - i || i + len > records.length) {
                break;
            }
            int end = i + len - 1; // the record's trailing newline
            int eq = space + 1;
            while (eq < end && records[eq] != '=') {
                eq++;
            }
            String key = new String(records, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            if (key.equals("size")) {
                try {
                    paxSize = Long.parseLong(new String(records, eq + 1, end - eq - 1,
                            StandardCharsets.US_ASCII).strip());
                } catch (NumberFormatException e) {
                    paxSize = -1;
                }
            } else if (key.startsWith(XATTR_PAX) && eq < end) {
                xattrs.put(key.substring(XATTR_PAX.length()),
                        Arrays.copyOfRange(records, eq + 1, end));
            }
            i += len;
        }
        paxXattrs = xattrs;
    }
}
