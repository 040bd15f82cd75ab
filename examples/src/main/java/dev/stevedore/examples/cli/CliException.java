package dev.stevedore.examples.cli;

/** A usage error: printed without a stack trace, exit status 125 as Docker uses. */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CliException(String message) {
        super(message);
    }
}
