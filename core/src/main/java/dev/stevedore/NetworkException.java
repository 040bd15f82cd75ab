package dev.stevedore;

/**
 * A network could not be created, found, joined or removed, or a port not published, for example
 * {@code subnet 10.89.0.0/24 overlaps network "backend" (10.89.0.0/16)} or
 * {@code host port 127.0.0.1:8080 is in use}. Nothing of the failed operation is left behind.
 */
public class NetworkException extends StevedoreException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what failed, which network, subnet or port, and the remedy
     */
    public NetworkException(String message) {
        super(message);
    }

    /**
     * @param message what failed, which network, subnet or port, and the remedy
     * @param cause the underlying failure
     */
    public NetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
