package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.stevedore.oci.OciFormatException;
import java.util.List;
import java.util.Map;

/**
 * A seccomp system call filter ({@code linux.seccomp}).
 *
 * @param defaultAction the action for system calls no rule matches; required
 * @param defaultErrnoRet the errno returned by a default action of {@code SCMP_ACT_ERRNO} or
 *     {@code SCMP_ACT_TRACE}
 * @param architectures the architectures the filter applies to, {@code SCMP_ARCH_*} names
 * @param flags {@code SECCOMP_FILTER_FLAG_*} names passed to {@code seccomp(2)}
 * @param listenerPath the Unix socket the runtime sends the notify file descriptor to, for
 *     {@code SCMP_ACT_NOTIFY}
 * @param listenerMetadata opaque data passed to the listener
 * @param syscalls the rules, matched in order
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Seccomp(
        @JsonProperty("defaultAction") Action defaultAction,
        @JsonProperty("defaultErrnoRet") Long defaultErrnoRet,
        @JsonProperty("architectures") List<String> architectures,
        @JsonProperty("flags") List<String> flags,
        @JsonProperty("listenerPath") String listenerPath,
        @JsonProperty("listenerMetadata") String listenerMetadata,
        @JsonProperty("syscalls") List<Syscall> syscalls,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param defaultAction the action for system calls no rule matches; required
     * @param defaultErrnoRet the errno returned by a default action of {@code SCMP_ACT_ERRNO} or
     *     {@code SCMP_ACT_TRACE}
     * @param architectures the architectures the filter applies to, {@code SCMP_ARCH_*} names
     * @param flags {@code SECCOMP_FILTER_FLAG_*} names passed to {@code seccomp(2)}
     * @param listenerPath the Unix socket the runtime sends the notify file descriptor to, for
     *     {@code SCMP_ACT_NOTIFY}
     * @param listenerMetadata opaque data passed to the listener
     * @param syscalls the rules, matched in order
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Seccomp {
        Checks.required(defaultAction, "defaultAction");
        Checks.notNegative(defaultErrnoRet, "defaultErrnoRet");
        architectures = Checks.list(architectures, "architectures");
        flags = Checks.list(flags, "flags");
        syscalls = Checks.list(syscalls, "syscalls");
        extensions = Checks.extensions(extensions);
    }

    /**
     * A filter from a default action and rules.
     *
     * @param defaultAction the action when no rule matches
     * @param syscalls the rules
     * @return the filter
     */
    public static Seccomp of(Action defaultAction, List<Syscall> syscalls) {
        return new Seccomp(defaultAction, null, null, null, null, null, syscalls, null);
    }

    /**
     * A rule: system calls by name, optional argument conditions, and the action taken.
     *
     * @param names the system call names; required, at least one
     * @param action the action when the rule matches; required
     * @param errnoRet the errno returned for {@code SCMP_ACT_ERRNO} or {@code SCMP_ACT_TRACE}
     * @param args conditions on the arguments, all of which must hold
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Syscall(
            @JsonProperty("names") List<String> names,
            @JsonProperty("action") Action action,
            @JsonProperty("errnoRet") Long errnoRet,
            @JsonProperty("args") List<Arg> args,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param names the system call names; required, at least one
         * @param action the action when the rule matches; required
         * @param errnoRet the errno returned for {@code SCMP_ACT_ERRNO} or {@code SCMP_ACT_TRACE}
         * @param args conditions on the arguments, all of which must hold
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Syscall {
            names = Checks.list(names, "names");
            if (names.isEmpty()) {
                throw OciFormatException.field("names", "must name at least one system call");
            }
            Checks.required(action, "action");
            Checks.notNegative(errnoRet, "errnoRet");
            args = Checks.list(args, "args");
            extensions = Checks.extensions(extensions);
        }

        /**
         * A rule without argument conditions.
         *
         * @param action the action
         * @param names the system call names
         * @return the rule
         */
        public static Syscall of(Action action, String... names) {
            return new Syscall(List.of(names), action, null, null, null);
        }
    }

    /**
     * A condition on one system call argument.
     *
     * @param index the argument's index, 0 to 5; required
     * @param value the value compared against; required
     * @param valueTwo the second value, the expected result of {@code SCMP_CMP_MASKED_EQ}
     * @param op the comparison; required
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Arg(
            @JsonProperty("index") Integer index,
            @JsonProperty("value") Long value,
            @JsonProperty("valueTwo") Long valueTwo,
            @JsonProperty("op") Operator op,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param index the argument's index, 0 to 5; required
         * @param value the value compared against; required
         * @param valueTwo the second value, the expected result of {@code SCMP_CMP_MASKED_EQ}
         * @param op the comparison; required
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Arg {
            Checks.range(Checks.required(index, "index"), 0, 5, "index");
            Checks.required(value, "value");
            Checks.required(op, "op");
            extensions = Checks.extensions(extensions);
        }
    }

    /** What happens when a rule matches. */
    public enum Action implements Checks.Named {
        /** Kill the thread (the historic name of {@link #KILL_THREAD}). */
        KILL("SCMP_ACT_KILL"),
        /** Kill the whole process. */
        KILL_PROCESS("SCMP_ACT_KILL_PROCESS"),
        /** Kill the thread. */
        KILL_THREAD("SCMP_ACT_KILL_THREAD"),
        /** Send SIGSYS. */
        TRAP("SCMP_ACT_TRAP"),
        /** Fail the call with an errno. */
        ERRNO("SCMP_ACT_ERRNO"),
        /** Notify a ptrace tracer. */
        TRACE("SCMP_ACT_TRACE"),
        /** Allow the call. */
        ALLOW("SCMP_ACT_ALLOW"),
        /** Allow the call and log it. */
        LOG("SCMP_ACT_LOG"),
        /** Let a user-space listener decide. */
        NOTIFY("SCMP_ACT_NOTIFY");

        private final String value;

        Action(String value) {
            this.value = value;
        }

        /** @return the name used in {@code config.json}, such as {@code SCMP_ACT_ERRNO} */
        @JsonValue
        public String value() {
            return value;
        }

        /**
         * Parses an action name.
         *
         * @param value a name such as {@code SCMP_ACT_ALLOW}
         * @return the action
         * @throws IllegalArgumentException listing the valid names when {@code value} is not one
         */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Action of(String value) {
            return Checks.oneOf(values(), value, "a seccomp action");
        }
    }

    /** How an argument is compared. */
    public enum Operator implements Checks.Named {
        /** Not equal. */
        NE("SCMP_CMP_NE"),
        /** Less than. */
        LT("SCMP_CMP_LT"),
        /** Less than or equal. */
        LE("SCMP_CMP_LE"),
        /** Equal. */
        EQ("SCMP_CMP_EQ"),
        /** Greater than or equal. */
        GE("SCMP_CMP_GE"),
        /** Greater than. */
        GT("SCMP_CMP_GT"),
        /** The argument masked with {@code value} equals {@code valueTwo}. */
        MASKED_EQ("SCMP_CMP_MASKED_EQ");

        private final String value;

        Operator(String value) {
            this.value = value;
        }

        /** @return the name used in {@code config.json}, such as {@code SCMP_CMP_EQ} */
        @JsonValue
        public String value() {
            return value;
        }

        /**
         * Parses an operator name.
         *
         * @param value a name such as {@code SCMP_CMP_EQ}
         * @return the operator
         * @throws IllegalArgumentException listing the valid names when {@code value} is not one
         */
        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Operator of(String value) {
            return Checks.oneOf(values(), value, "a seccomp operator");
        }
    }
}
