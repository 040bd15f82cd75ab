package dev.stevedore.oci.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-made RFC 3339 reader against java.time's, which the model used before. */
class DateTimeTest {

    @Test
    void readsWhatJavaTimeReads() {
        for (String text : List.of("2024-05-01T12:00:00Z", "0001-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
                "2023-05-19T20:19:24.343715153Z", "2024-02-29T23:59:59.5+02:00", "2024-12-31t23:59:59.000000001z",
                "1999-12-31T23:59:59-18:00", "2000-01-01T00:00:00+18:00", "9999-12-31T23:59:59.999999999Z",
                "2024-05-01T12:00:00.1-00:30", "1900-03-01T01:02:03+05:45")) {
            assertThat(Checks.rfc3339(text)).as(text).isEqualTo(javaTime(text)).isNotNull();
        }
    }

    @Test
    void refusesWhatRfc3339DoesNot() {
        for (String text : List.of("", "2024-05-01", "2024-05-01 12:00:00Z", "2024-05-01T12:00Z",
                "2024-05-01T12:00:00", "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00+02", "2024-13-01T00:00:00Z",
                "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z", "2024-05-00T00:00:00Z", "2024-05-01T24:00:00Z",
                "2024-05-01T23:60:00Z", "2024-05-01T23:59:60Z", "2024-05-01T12:00:00.Z",
                "2024-05-01T12:00:00.1234567891Z", "2024-05-01T12:00:00+18:01", "2024-05-01T12:00:00+19:00",
                "2024-05-01T12:00:00ZZ", "+2024-05-01T12:00:00Z", "２０２４-05-01T12:00:00Z", "2024-05-01T12:00:00 Z",
                "2024-5-01T12:00:00Z", "2024-05-01T12:00:00+02:0x")) {
            assertThat(Checks.rfc3339(text)).as(text).isNull();
        }
    }

    @Test
    void agreesWithJavaTimeOnRandomInstantsAndOffsets() {
        Random random = new Random(3339);
        for (int i = 0; i < 2000; i++) {
            // Years 1 to 9999, which RFC 3339 writes with four digits.
            Instant instant = Instant.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_799L),
                    random.nextInt(1_000_000_000));
            String text = instant.atOffset(java.time.ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 60, 18 * 60 + 1) * 60))
                    .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            // java.time leaves out zero seconds, which RFC 3339 requires.
            boolean hasSeconds = text.charAt(16) == ':';
            assertThat(Checks.rfc3339(text)).as(text).isEqualTo(hasSeconds ? instant : null);
        }
    }

    private static Instant javaTime(String text) {
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
