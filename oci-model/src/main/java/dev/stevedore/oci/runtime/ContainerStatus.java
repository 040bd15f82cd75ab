package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The lifecycle status of a container, as its {@link State} reports it. */
public enum ContainerStatus implements Checks.Named {
    /** The container is being created. */
    CREATING("creating"),
    /** Created, the user process not started yet. */
    CREATED("created"),
    /** The user process is running. */
    RUNNING("running"),
    /** The user process has exited. */
    STOPPED("stopped");

    private final String value;

    ContainerStatus(String value) {
        this.value = value;
    }

    /** @return the name used in the state document, such as {@code running} */
    @JsonValue
    public String value() {
        return value;
    }

    /**
     * Parses a status name.
     *
     * @param value a name such as {@code created}
     * @return the status
     * @throws IllegalArgumentException listing the valid names when {@code value} is not one
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static ContainerStatus of(String value) {
        return Checks.oneOf(values(), value, "a container status");
    }
}
