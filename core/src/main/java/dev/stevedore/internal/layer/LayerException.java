package dev.stevedore.internal.layer;

/** A layer could not be read, extracted or written; the message names the entry or file. */
public class LayerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LayerException(String message) {
        super(message);
    }

    public LayerException(String message, Throwable cause) {
        super(message, cause);
    }
}
