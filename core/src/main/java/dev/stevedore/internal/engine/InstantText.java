package dev.stevedore.internal.engine;

import java.time.Instant;
import java.time.LocalDate;

/**
 * {@link Instant#toString()}'s text, written by hand. Owner files record a process's start this way and
 * are compared as text by every version of the engine, so the text must stay exactly Instant's; but
 * Instant formats through java.time's formatter machinery, which costs a fresh JVM a few ms on the first
 * container's path.
 */
final class InstantText {

    /** 0000-01-01T00:00:00Z: before it, Instant writes years with a sign. */
    private static final long FIRST = -62_167_219_200L;
    /** 9999-12-31T23:59:59Z: after it, Instant writes years with a sign and more than four digits. */
    private static final long LAST = 253_402_300_799L;

    private InstantText() {
    }

    /**
     * @param t an instant
     * @return the same text as {@code t.toString()}
     */
    static String of(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds < FIRST || seconds > LAST) {
            // No process started then: rare enough for Instant to write.
            return t.toString();
        }
        LocalDate day = LocalDate.ofEpochDay(Math.floorDiv(seconds, 86_400));
        int ofDay = (int) Math.floorMod(seconds, 86_400);
        StringBuilder b = new StringBuilder(30);
        pad(b, day.getYear(), 4).append('-');
        pad(b, day.getMonthValue(), 2).append('-');
        pad(b, day.getDayOfMonth(), 2).append('T');
        pad(b, ofDay / 3600, 2).append(':');
        pad(b, ofDay / 60 % 60, 2).append(':');
        pad(b, ofDay % 60, 2);
        int nanos = t.getNano();
        // As Instant: no fraction when whole, else milli-, micro- or nanoseconds, whichever is exact.
        if (nanos > 0) {
            b.append('.');
            if (nanos % 1_000_000 == 0) {
                pad(b, nanos / 1_000_000, 3);
            } else if (nanos % 1000 == 0) {
                pad(b, nanos / 1000, 6);
            } else {
                pad(b, nanos, 9);
            }
        }
        return b.append('Z').toString();
    }

    private static StringBuilder pad(StringBuilder b, int value, int width) {
        for (int limit = 10, i = 1; i < width; i++, limit *= 10) {
            if (value < limit) {
                b.append('0');
            }
        }
        return b.append(value);
    }
}
