package dev.stevedore;

import java.nio.file.Path;

/**
 * No image in the store answers to a name or digest, for example
 * {@code image "busybx" not found in store /var/lib/stevedore; pull it or check the name}.
 */
public final class ImageNotFoundException extends StevedoreException {

    private static final long serialVersionUID = 1L;

    /** The name or digest asked for. */
    private final String image;
    private final transient Path store;

    /**
     * @param image the name or digest asked for
     * @param store the store's root
     * @param detail what the store holds instead, or null
     */
    public ImageNotFoundException(String image, Path store, String detail) {
        super("image \"" + image + "\" not found in store " + store + "; "
                + (detail == null ? "" : detail + "; ") + "pull, load or build it, or check the name");
        this.image = image;
        this.store = store;
    }

    /** @return the name or digest that was asked for */
    public String image() {
        return image;
    }

    /** @return the root of the store that was searched */
    public Path store() {
        return store;
    }
}
