package dev.stevedore.internal.archive;

/**
 * An archive or layout that cannot be imported or exported: malformed, incomplete or
 * inconsistent. The message names the archive, the entry and the problem.
 */
public final class ArchiveException extends RuntimeException {

    ArchiveException(String message) {
        super(message);
    }

    ArchiveException(String message, Throwable cause) {
        super(message, cause);
    }
}
