package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The resources a process rlimit can limit on Linux, as {@code getrlimit(2)} names them. */
public enum RlimitType implements Checks.Named {
    /** Address space size. */
    RLIMIT_AS,
    /** Core file size. */
    RLIMIT_CORE,
    /** CPU time in seconds. */
    RLIMIT_CPU,
    /** Data segment size. */
    RLIMIT_DATA,
    /** Size of files the process may create. */
    RLIMIT_FSIZE,
    /** Number of file locks. */
    RLIMIT_LOCKS,
    /** Locked memory. */
    RLIMIT_MEMLOCK,
    /** Bytes in POSIX message queues. */
    RLIMIT_MSGQUEUE,
    /** Ceiling of the nice value. */
    RLIMIT_NICE,
    /** Open file descriptors. */
    RLIMIT_NOFILE,
    /** Processes of the real user. */
    RLIMIT_NPROC,
    /** Resident set size. */
    RLIMIT_RSS,
    /** Ceiling of the real-time priority. */
    RLIMIT_RTPRIO,
    /** CPU time of real-time tasks without blocking, in microseconds. */
    RLIMIT_RTTIME,
    /** Queued signals. */
    RLIMIT_SIGPENDING,
    /** Stack size. */
    RLIMIT_STACK;

    /** @return the name used in {@code config.json}, which is the constant's name */
    @JsonValue
    public String value() {
        return name();
    }

    /**
     * Parses a type name.
     *
     * @param value a name such as {@code RLIMIT_NOFILE}
     * @return the type
     * @throws IllegalArgumentException listing the valid names when {@code value} is not one
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static RlimitType of(String value) {
        return Checks.oneOf(values(), value, "an rlimit type");
    }
}
