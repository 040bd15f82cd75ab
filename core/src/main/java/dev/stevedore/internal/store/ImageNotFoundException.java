package dev.stevedore.internal.store;

/** A name, digest or digest prefix that no image in the store answers to, or more than one does. */
public final class ImageNotFoundException extends RuntimeException {

    private final String query;

    ImageNotFoundException(String query, String message) {
        super(message);
        this.query = query;
    }

    /** @return the name, digest or prefix that was looked up */
    public String query() {
        return query;
    }
}
