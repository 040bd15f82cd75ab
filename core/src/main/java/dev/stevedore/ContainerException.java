package dev.stevedore;

/**
 * A container could not be created, started, reached or stopped, for example
 * {@code container "web-1": exec "/bin/nope": no such file or directory}.
 */
public class ContainerException extends StevedoreException {

    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, which container, and the remedy
     */
    public ContainerException(String message) {
        super(message);
    }

    /**
     * @param message what failed, which container, and the remedy
     * @param cause the underlying failure
     */
    public ContainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
