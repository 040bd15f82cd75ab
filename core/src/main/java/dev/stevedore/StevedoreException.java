package dev.stevedore;

/**
 * Something Stevedore was asked to do failed. The message names what failed, on which input, and
 * what to do about it. Unchecked, so fluent chains stay readable.
 */
public class StevedoreException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, which input, and the remedy
     */
    public StevedoreException(String message) {
        super(message);
    }

    /**
     * @param message what failed, which input, and the remedy
     * @param cause the underlying failure
     */
    public StevedoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
