package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The Linux namespace types a container can create or join ({@code config-linux.md}). */
public enum NamespaceType implements Checks.Named {
    /** Process IDs. */
    PID("pid"),
    /** Network devices, stacks and ports. */
    NETWORK("network"),
    /** Mount points. */
    MOUNT("mount"),
    /** System V IPC and POSIX message queues. */
    IPC("ipc"),
    /** Hostname and NIS domain name. */
    UTS("uts"),
    /** User and group IDs. */
    USER("user"),
    /** The cgroup root directory. */
    CGROUP("cgroup"),
    /** Boot and monotonic clocks. */
    TIME("time");

    private final String value;

    NamespaceType(String value) {
        this.value = value;
    }

    /** @return the name used in {@code config.json}, such as {@code pid} */
    @JsonValue
    public String value() {
        return value;
    }

    /**
     * Parses a namespace type name.
     *
     * @param value a name such as {@code network}
     * @return the type
     * @throws IllegalArgumentException listing the valid names when {@code value} is not one
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static NamespaceType of(String value) {
        return Checks.oneOf(values(), value, "a namespace type");
    }
}
