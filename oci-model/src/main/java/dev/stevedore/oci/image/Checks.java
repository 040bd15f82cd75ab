package dev.stevedore.oci.image;

import dev.stevedore.oci.OciFormatException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

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
        try {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw OciFormatException.field(field, "\"" + text + "\" is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z");
        }
    }
}
