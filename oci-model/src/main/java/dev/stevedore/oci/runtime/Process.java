package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.stevedore.oci.OciFormatException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The container's process ({@code process} in {@code config.json}).
 *
 * <p>Either {@code args} is non-empty or (Windows only) {@code commandLine} is given; {@code cwd} is
 * an absolute path; rlimit types are unique.
 *
 * @param terminal whether a terminal is attached; null when absent (false)
 * @param consoleSize the terminal's size, when one is attached
 * @param user the user the process runs as
 * @param args the argv of the process, executable first
 * @param commandLine the whole command line, Windows only
 * @param env the environment, {@code NAME=value} entries
 * @param cwd the working directory, an absolute path inside the container; required
 * @param capabilities the capability sets
 * @param rlimits resource limits, at most one per type
 * @param noNewPrivileges whether the process may not gain privileges (set-user-ID, file
 *     capabilities); null when absent (false)
 * @param apparmorProfile the AppArmor profile
 * @param oomScoreAdj the OOM killer adjustment
 * @param scheduler the scheduling policy and its parameters
 * @param selinuxLabel the SELinux label
 * @param ioPriority the I/O priority
 * @param execCPUAffinity the CPUs the process may run on while it is being started
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Process(
        @JsonProperty("terminal") Boolean terminal,
        @JsonProperty("consoleSize") ConsoleSize consoleSize,
        @JsonProperty("user") User user,
        @JsonProperty("args") List<String> args,
        @JsonProperty("commandLine") String commandLine,
        @JsonProperty("env") List<String> env,
        @JsonProperty("cwd") String cwd,
        @JsonProperty("capabilities") Capabilities capabilities,
        @JsonProperty("rlimits") List<Rlimit> rlimits,
        @JsonProperty("noNewPrivileges") Boolean noNewPrivileges,
        @JsonProperty("apparmorProfile") String apparmorProfile,
        @JsonProperty("oomScoreAdj") Integer oomScoreAdj,
        @JsonProperty("scheduler") Scheduler scheduler,
        @JsonProperty("selinuxLabel") String selinuxLabel,
        @JsonProperty("ioPriority") IoPriority ioPriority,
        @JsonProperty("execCPUAffinity") ExecCpuAffinity execCPUAffinity,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param terminal whether a terminal is attached; null when absent (false)
     * @param consoleSize the terminal's size, when one is attached
     * @param user the user the process runs as
     * @param args the argv of the process, executable first
     * @param commandLine the whole command line, Windows only
     * @param env the environment, {@code NAME=value} entries
     * @param cwd the working directory, an absolute path inside the container; required
     * @param capabilities the capability sets
     * @param rlimits resource limits, at most one per type
     * @param noNewPrivileges whether the process may not gain privileges (set-user-ID, file
     *     capabilities); null when absent (false)
     * @param apparmorProfile the AppArmor profile
     * @param oomScoreAdj the OOM killer adjustment
     * @param scheduler the scheduling policy and its parameters
     * @param selinuxLabel the SELinux label
     * @param ioPriority the I/O priority
     * @param execCPUAffinity the CPUs the process may run on while it is being started
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Process {
        args = Checks.list(args, "args");
        if (args.isEmpty() && (commandLine == null || commandLine.isEmpty())) {
            throw OciFormatException.field("args", "must name at least the executable");
        }
        env = Checks.env(env, "env");
        Checks.requiredText(cwd, "cwd");
        Checks.absolute(cwd, "cwd");
        rlimits = Checks.list(rlimits, "rlimits");
        Set<RlimitType> seen = EnumSet.noneOf(RlimitType.class);
        for (int i = 0; i < rlimits.size(); i++) {
            if (!seen.add(rlimits.get(i).type())) {
                throw OciFormatException.field("rlimits[" + i + "].type",
                        rlimits.get(i).type() + " appears more than once");
            }
        }
        extensions = Checks.extensions(extensions);
    }

    /**
     * A process running as root in {@code /} with no environment.
     *
     * @param args its argv, executable first
     * @return the process
     */
    public static Process of(List<String> args) {
        return new Process(null, null, User.of(0, 0), args, null, null, "/", null, null, null, null, null, null,
                null, null, null, null);
    }

    /**
     * A process running as root in {@code /} with no environment.
     *
     * @param args its argv, executable first
     * @return the process
     */
    public static Process of(String... args) {
        return of(List.of(args));
    }

    /**
     * A copy with other arguments.
     *
     * @param args the argv, executable first
     * @return the new process
     */
    public Process withArgs(List<String> args) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with other arguments.
     *
     * @param args the argv, executable first
     * @return the new process
     */
    public Process withArgs(String... args) {
        return withArgs(List.of(args));
    }

    /**
     * A copy with another environment.
     *
     * @param env {@code NAME=value} entries
     * @return the new process
     */
    public Process withEnv(List<String> env) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with one variable set: it replaces an entry of the same name in place, or is appended.
     *
     * @param name the variable's name, without {@code =}
     * @param value its value
     * @return the new process
     */
    public Process withEnv(String name, String value) {
        if (name.isEmpty() || name.indexOf('=') >= 0) {
            throw new IllegalArgumentException("\"" + name + "\" is not an environment variable name");
        }
        String entry = name + "=" + value;
        List<String> copy = new ArrayList<>(env);
        int index = -1;
        for (int i = 0; i < copy.size() && index < 0; i++) {
            if (copy.get(i).startsWith(name + "=")) {
                index = i;
            }
        }
        if (index >= 0) {
            copy.set(index, entry);
        } else {
            copy.add(entry);
        }
        return withEnv(copy);
    }

    /**
     * A copy with another working directory.
     *
     * @param cwd an absolute path inside the container
     * @return the new process
     */
    public Process withCwd(String cwd) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy running as another user.
     *
     * @param user the user
     * @return the new process
     */
    public Process withUser(User user) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with or without a terminal.
     *
     * @param terminal whether a terminal is attached
     * @return the new process
     */
    public Process withTerminal(boolean terminal) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with another terminal size.
     *
     * @param consoleSize the size of the terminal, or null to leave it to the runtime
     * @return the new process
     */
    public Process withConsoleSize(ConsoleSize consoleSize) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with other capability sets.
     *
     * @param capabilities the capability sets, or null for none specified
     * @return the new process
     */
    public Process withCapabilities(Capabilities capabilities) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with other rlimits.
     *
     * @param rlimits the limits, at most one per type
     * @return the new process
     */
    public Process withRlimits(List<Rlimit> rlimits) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * A copy with {@code noNewPrivileges} set.
     *
     * @param noNewPrivileges whether the process may not gain privileges
     * @return the new process
     */
    public Process withNoNewPrivileges(boolean noNewPrivileges) {
        return new Process(terminal, consoleSize, user, args, commandLine, env, cwd, capabilities, rlimits,
                noNewPrivileges, apparmorProfile, oomScoreAdj, scheduler, selinuxLabel, ioPriority, execCPUAffinity,
                extensions);
    }

    /**
     * The size of the process's terminal.
     *
     * @param height rows; required, not negative
     * @param width columns; required, not negative
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record ConsoleSize(
            @JsonProperty("height") Long height,
            @JsonProperty("width") Long width,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param height rows; required, not negative
         * @param width columns; required, not negative
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public ConsoleSize {
            Checks.notNegative(Checks.required(height, "height"), "height");
            Checks.notNegative(Checks.required(width, "width"), "width");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * The user a process runs as (POSIX platforms).
     *
     * @param uid the user ID in the container; required, 0 to 2<sup>32</sup>-1
     * @param gid the group ID in the container; required, 0 to 2<sup>32</sup>-1
     * @param umask the umask; when present, 0 to 0777
     * @param additionalGids supplementary group IDs in the container
     * @param username the user name, Windows only
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record User(
            @JsonProperty("uid") Long uid,
            @JsonProperty("gid") Long gid,
            @JsonProperty("umask") Integer umask,
            @JsonProperty("additionalGids") List<Long> additionalGids,
            @JsonProperty("username") String username,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param uid the user ID in the container; required, 0 to 2<sup>32</sup>-1
         * @param gid the group ID in the container; required, 0 to 2<sup>32</sup>-1
         * @param umask the umask; when present, 0 to 0777
         * @param additionalGids supplementary group IDs in the container
         * @param username the user name, Windows only
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public User {
            Checks.range(Checks.required(uid, "uid"), 0, Checks.UINT32_MAX, "uid");
            Checks.range(Checks.required(gid, "gid"), 0, Checks.UINT32_MAX, "gid");
            Checks.range(umask, 0, 0777, "umask");
            additionalGids = Checks.list(additionalGids, "additionalGids");
            for (int i = 0; i < additionalGids.size(); i++) {
                Checks.range(additionalGids.get(i), 0, Checks.UINT32_MAX, "additionalGids[" + i + "]");
            }
            extensions = Checks.extensions(extensions);
        }

        /**
         * A user by IDs.
         *
         * @param uid the user ID
         * @param gid the group ID
         * @return the user
         */
        public static User of(long uid, long gid) {
            return new User(uid, gid, null, null, null, null);
        }
    }

    /**
     * The Linux capability sets of a process. Each set is null when absent, which the spec
     * distinguishes from an empty set written out, so both survive a round trip. Names are
     * {@code CAP_} followed by upper-case letters, digits and underscores.
     *
     * @param bounding the bounding set
     * @param effective the effective set
     * @param inheritable the inheritable set
     * @param permitted the permitted set
     * @param ambient the ambient set
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capabilities(
            @JsonProperty("bounding") List<String> bounding,
            @JsonProperty("effective") List<String> effective,
            @JsonProperty("inheritable") List<String> inheritable,
            @JsonProperty("permitted") List<String> permitted,
            @JsonProperty("ambient") List<String> ambient,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param bounding the bounding set
         * @param effective the effective set
         * @param inheritable the inheritable set
         * @param permitted the permitted set
         * @param ambient the ambient set
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Capabilities {
            bounding = names(bounding, "bounding");
            effective = names(effective, "effective");
            inheritable = names(inheritable, "inheritable");
            permitted = names(permitted, "permitted");
            ambient = names(ambient, "ambient");
            extensions = Checks.extensions(extensions);
        }

        /**
         * The same capabilities in the bounding, effective, permitted and ambient sets, as
         * {@code runc spec} writes them; the inheritable set stays absent.
         *
         * @param names capability names such as {@code CAP_KILL}
         * @return the capability sets
         */
        public static Capabilities of(List<String> names) {
            return new Capabilities(names, names, null, names, names, null);
        }

        private static List<String> names(List<String> names, String field) {
            List<String> copy = Checks.listOrNull(names, field);
            if (copy != null) {
                for (int i = 0; i < copy.size(); i++) {
                    if (!Checks.isCapabilityName(copy.get(i))) {
                        throw OciFormatException.field(field + "[" + i + "]",
                                Checks.quote(copy.get(i)) + " is not a capability name (CAP_...)");
                    }
                }
            }
            return copy;
        }
    }

    /**
     * A resource limit of the process.
     *
     * @param type the limited resource; required
     * @param soft the limit the kernel enforces; required
     * @param hard the ceiling an unprivileged process may raise the soft limit to; required
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Rlimit(
            @JsonProperty("type") RlimitType type,
            @JsonProperty("soft") Long soft,
            @JsonProperty("hard") Long hard,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param type the limited resource; required
         * @param soft the limit the kernel enforces; required
         * @param hard the ceiling an unprivileged process may raise the soft limit to; required
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Rlimit {
            Checks.required(type, "type");
            Checks.required(soft, "soft");
            Checks.required(hard, "hard");
            extensions = Checks.extensions(extensions);
        }

        /**
         * A limit without extensions.
         *
         * @param type the resource
         * @param soft the soft limit
         * @param hard the hard limit
         * @return the limit
         */
        public static Rlimit of(RlimitType type, long soft, long hard) {
            return new Rlimit(type, soft, hard, null);
        }
    }

    /**
     * The scheduling policy of the process ({@code sched_setattr(2)}).
     *
     * @param policy the policy; required
     * @param nice the nice value for {@code SCHED_OTHER} and {@code SCHED_BATCH}
     * @param priority the static priority for {@code SCHED_FIFO} and {@code SCHED_RR}
     * @param flags {@code SCHED_FLAG_*} names
     * @param runtime the runtime parameter of {@code SCHED_DEADLINE}, in nanoseconds
     * @param deadline the deadline parameter of {@code SCHED_DEADLINE}, in nanoseconds
     * @param period the period parameter of {@code SCHED_DEADLINE}, in nanoseconds
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Scheduler(
            @JsonProperty("policy") Policy policy,
            @JsonProperty("nice") Integer nice,
            @JsonProperty("priority") Integer priority,
            @JsonProperty("flags") List<String> flags,
            @JsonProperty("runtime") Long runtime,
            @JsonProperty("deadline") Long deadline,
            @JsonProperty("period") Long period,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param policy the policy; required
         * @param nice the nice value for {@code SCHED_OTHER} and {@code SCHED_BATCH}
         * @param priority the static priority for {@code SCHED_FIFO} and {@code SCHED_RR}
         * @param flags {@code SCHED_FLAG_*} names
         * @param runtime the runtime parameter of {@code SCHED_DEADLINE}, in nanoseconds
         * @param deadline the deadline parameter of {@code SCHED_DEADLINE}, in nanoseconds
         * @param period the period parameter of {@code SCHED_DEADLINE}, in nanoseconds
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Scheduler {
            Checks.required(policy, "policy");
            flags = Checks.list(flags, "flags");
            Checks.notNegative(runtime, "runtime");
            Checks.notNegative(deadline, "deadline");
            Checks.notNegative(period, "period");
            extensions = Checks.extensions(extensions);
        }

        /** Scheduling policies. */
        public enum Policy implements Checks.Named {
            /** The default time-sharing policy. */
            SCHED_OTHER,
            /** First in, first out real-time. */
            SCHED_FIFO,
            /** Round-robin real-time. */
            SCHED_RR,
            /** Batch processing. */
            SCHED_BATCH,
            /** Isochronous (not in mainline kernels). */
            SCHED_ISO,
            /** Very low priority background jobs. */
            SCHED_IDLE,
            /** Earliest deadline first. */
            SCHED_DEADLINE;

            /** @return the name used in {@code config.json}, which is the constant's name */
            @JsonValue
            public String value() {
                return name();
            }

            /**
             * Parses a policy name.
             *
             * @param value a name such as {@code SCHED_BATCH}
             * @return the policy
             * @throws IllegalArgumentException listing the valid names when {@code value} is not one
             */
            @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
            public static Policy of(String value) {
                return Checks.oneOf(values(), value, "a scheduling policy");
            }
        }
    }

    /**
     * The I/O priority of the process ({@code ioprio_set(2)}).
     *
     * @param ioClass the scheduling class ({@code class} in JSON); required
     * @param priority the priority within the class, 0 (highest) to 7; required
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record IoPriority(
            @JsonProperty("class") IoClass ioClass,
            @JsonProperty("priority") Integer priority,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param ioClass the scheduling class ({@code class} in JSON); required
         * @param priority the priority within the class, 0 (highest) to 7; required
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public IoPriority {
            Checks.required(ioClass, "class");
            Checks.range(Checks.required(priority, "priority"), 0, 7, "priority");
            extensions = Checks.extensions(extensions);
        }

        /** I/O scheduling classes. */
        public enum IoClass implements Checks.Named {
            /** Real-time. */
            IOPRIO_CLASS_RT,
            /** Best effort. */
            IOPRIO_CLASS_BE,
            /** Only when the disk is otherwise idle. */
            IOPRIO_CLASS_IDLE;

            /** @return the name used in {@code config.json}, which is the constant's name */
            @JsonValue
            public String value() {
                return name();
            }

            /**
             * Parses a class name.
             *
             * @param value a name such as {@code IOPRIO_CLASS_BE}
             * @return the class
             * @throws IllegalArgumentException listing the valid names when {@code value} is not one
             */
            @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
            public static IoClass of(String value) {
                return Checks.oneOf(values(), value, "an I/O priority class");
            }
        }
    }

    /**
     * The CPUs the runtime pins the process to while it starts it, in {@code cpuset} list format
     * such as {@code 0-3,7}.
     *
     * @param initial the CPUs while the process is moved into its cgroup
     * @param finalCpus the CPUs after ({@code final} in JSON)
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record ExecCpuAffinity(
            @JsonProperty("initial") String initial,
            @JsonProperty("final") String finalCpus,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param initial the CPUs while the process is moved into its cgroup
         * @param finalCpus the CPUs after ({@code final} in JSON)
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public ExecCpuAffinity {
            extensions = Checks.extensions(extensions);
        }
    }
}
