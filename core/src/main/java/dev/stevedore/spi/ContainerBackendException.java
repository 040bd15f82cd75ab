package dev.stevedore.spi;

import java.util.OptionalInt;

/**
 * A container could not be created, started or managed. The message names the failing step and
 * path, such as {@code mount "/host/dir" on "/data": no such file or directory}.
 */
public class ContainerBackendException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final Integer exitStatus;

    /**
     * @param message what failed, on which input
     * @param exitStatus the status the container's process ended with, or null if it did not run
     * @param cause the underlying failure, or null
     */
    public ContainerBackendException(String message, Integer exitStatus, Throwable cause) {
        super(message, cause);
        this.exitStatus = exitStatus;
    }

    /**
     * @param message what failed, on which input
     */
    public ContainerBackendException(String message) {
        this(message, null, null);
    }

    /** @return the status the container's process ended with (127 for a missing executable), if known */
    public OptionalInt exitStatus() {
        return exitStatus == null ? OptionalInt.empty() : OptionalInt.of(exitStatus);
    }
}
