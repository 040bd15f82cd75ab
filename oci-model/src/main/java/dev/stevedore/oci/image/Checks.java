package dev.stevedore.oci.image;

import dev.stevedore.oci.OciFormatException;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;


/** Validation shared by the image documents. */
final class Checks {

    private Checks() {
    }

    static void schemaVersion(int schemaVersion) {
        if (schemaVersion == 0) {
            throw OciFormatException.field("schemaVersion", "is required and must be 2");
        }
        if (schemaVersion != 2) {
            throw OciFormatException.field("schemaVersion", "must be 2, got " + schemaVersion);
        }
    }

    static void mediaType(String field, String mediaType) {
        String problem = MediaTypes.problem(mediaType);
        if (problem != null) {
            throw OciFormatException.field(field, problem);
        }
    }

    /** Parses an RFC 3339 date-time, or returns null when absent. */
    static Instant dateTime(String field, String text) {
        if (text == null) {
            return null;
        }
        Instant parsed = rfc3339(text);
        if (parsed == null) {
            throw OciFormatException.field(field, "\"" + text + "\" is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z");
        }
        return parsed;
    }

    private static final int[] SCALE = {1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000,
        1_000_000_000};

    /**
     * Reads {@code YYYY-MM-DDThh:mm:ss[.fraction](Z|+hh:mm|-hh:mm)} by hand: java.time's formatters
     * cost a fresh JVM several milliseconds to set up, and every config read has dates. As
     * java.time would, it takes a lower-case {@code t} and {@code z}, up to nine fraction digits
     * and offsets up to 18 hours, and refuses days a month does not have and leap seconds.
     *
     * @return the instant, or null when the text is not such a date-time
     */
    static Instant rfc3339(String s) {
        int n = s.length();
        if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || (s.charAt(10) != 'T' && s.charAt(10) != 't')
                || s.charAt(13) != ':' || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        int i = 19;
        int nanos = 0;
        if (s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                i++;
            }
            if (i == start || i - start > 9) {
                return null;
            }
            nanos = digits(s, start, i - start) * SCALE[9 - (i - start)];
        }
        int offset;
        char sign = i < n ? s.charAt(i) : ' ';
        if ((sign == 'Z' || sign == 'z') && i + 1 == n) {
            offset = 0;
        } else if ((sign == '+' || sign == '-') && i + 6 == n && s.charAt(i + 3) == ':') {
            int hours = digits(s, i + 1, 2);
            int minutes = digits(s, i + 4, 2);
            if (hours < 0 || hours > 18 || minutes < 0 || minutes > 59 || hours == 18 && minutes > 0) {
                return null;
            }
            offset = (sign == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
        } else {
            return null;
        }
        if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
                || second > 59) {
            return null;
        }
        long epochDay;
        try {
            epochDay = LocalDate.of(year, month, day).toEpochDay();
        } catch (DateTimeException e) {
            return null;
        }
        return Instant.ofEpochSecond(epochDay * 86_400 + hour * 3600 + minute * 60 + second - offset, nanos);
    }

    /** @return the number {@code count} decimal digits at {@code from} make, or -1 when one is no digit */
    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
