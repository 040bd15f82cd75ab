package dev.stevedore.oci.image;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.internal.Immutable;
import dev.stevedore.oci.internal.KeySet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * An image config: what the image runs and how its layers stack up (image-spec
 * {@code config.md}), including the fields Docker adds ({@code Healthcheck}, {@code OnBuild},
 * {@code Shell}). A Docker container config ({@link MediaTypes#DOCKER_CONFIG}) reads into this type
 * too; its other fields ({@code container_config}, {@code docker_version}, ...) are kept as
 * extensions.
 *
 * <p>{@code created} is kept as the exact text of the document, so reading and writing a config
 * does not change it; {@link #createdInstant()} parses it.
 *
 * @param created when the image was created, an RFC 3339 date-time
 * @param author who created the image
 * @param architecture the CPU architecture, such as {@code amd64}; required
 * @param os the operating system, such as {@code linux}; required
 * @param osVersion the operating system version
 * @param osFeatures required operating system features
 * @param variant the CPU variant, such as {@code v8}
 * @param config the defaults for a container run from this image; never null, {@link Config#EMPTY}
 *        when absent (and then not written)
 * @param rootfs the layers' uncompressed digests; required
 * @param history how each layer was made, base layer first
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ImageConfig(
        @JsonProperty("created") String created,
        @JsonProperty("author") String author,
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant,
        @JsonProperty("config") @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ConfigIsEmpty.class)
        Config config,
        @JsonProperty("rootfs") RootFs rootfs,
        @JsonProperty("history") List<History> history,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    public ImageConfig {
        Checks.dateTime("created", created);
        if (architecture == null || architecture.isEmpty()) {
            throw OciFormatException.field("architecture", "is required");
        }
        if (os == null || os.isEmpty()) {
            throw OciFormatException.field("os", "is required");
        }
        if (rootfs == null) {
            throw OciFormatException.field("rootfs", "is required");
        }
        author = Immutable.emptyToNull(author);
        osVersion = Immutable.emptyToNull(osVersion);
        variant = Immutable.emptyToNull(variant);
        osFeatures = Immutable.list(osFeatures, "os.features");
        config = config == null ? Config.EMPTY : config;
        history = Immutable.list(history, "history");
        extensions = Immutable.extensions(extensions);
    }

    /**
     * A config with no layers, no history and no container defaults, to build an image from
     * scratch.
     *
     * @param os the operating system, such as {@code linux}
     * @param architecture the CPU architecture, such as {@code amd64}
     * @return the config
     */
    public static ImageConfig of(String os, String architecture) {
        return new ImageConfig(null, null, architecture, os, null, null, null, null, RootFs.of(List.of()), null, null);
    }

    /** @return {@code created} parsed, or empty when the config has none */
    public Optional<Instant> createdInstant() {
        return Optional.ofNullable(Checks.dateTime("created", created));
    }

    /** @return the platform this image runs on, as an index entry would state it */
    public Platform platform() {
        return new Platform(architecture, os, osVersion, osFeatures, variant, null);
    }

    /**
     * @param created the new creation time, written in RFC 3339 form
     * @return a copy of this config created then
     */
    public ImageConfig withCreated(Instant created) {
        return new ImageConfig(created.toString(), author, architecture, os, osVersion, osFeatures, variant,
                config, rootfs, history, extensions);
    }

    /**
     * @param config the new container defaults
     * @return a copy of this image config with them
     */
    public ImageConfig withConfig(Config config) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant,
                config, rootfs, history, extensions);
    }

    /**
     * @param rootfs the new layer digests
     * @return a copy of this image config with them
     */
    public ImageConfig withRootFs(RootFs rootfs) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant,
                config, rootfs, history, extensions);
    }

    /**
     * @param history the new history, base layer first
     * @return a copy of this image config with it
     */
    public ImageConfig withHistory(List<History> history) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant,
                config, rootfs, history, extensions);
    }

    /**
     * Stacks one more layer on top: appends its diff id to {@code rootfs} and its entry to
     * {@code history}.
     *
     * @param diffId the digest of the layer's uncompressed tar stream
     * @param entry how the layer was made; should not be an {@linkplain History#emptyLayer() empty
     *        layer} entry
     * @return a copy of this image config with the layer
     */
    public ImageConfig withAddedLayer(Digest diffId, History entry) {
        return new ImageConfig(created, author, architecture, os, osVersion, osFeatures, variant,
                config, new RootFs(rootfs.type(), Immutable.append(rootfs.diffIds(), diffId), rootfs.extensions()),
                Immutable.append(history, entry), extensions);
    }

    /** Jackson's value filter: a config equal to {@link Config#EMPTY} is not written. */
    static final class ConfigIsEmpty {
        @Override
        public boolean equals(Object value) {
            return value == null || Config.EMPTY.equals(value);
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /**
     * The defaults for a container run from the image. JSON field names are capitalised, as
     * Docker defines them.
     *
     * @param user the user (and group) to run as: {@code name}, {@code uid}, {@code name:group},
     *        {@code uid:gid}...
     * @param exposedPorts ports to expose, each {@code port}, {@code port/tcp}, {@code port/udp} or
     *        {@code port/sctp}; written as an object of empty objects
     * @param env environment variables, each {@code NAME=value}
     * @param entrypoint the command to run, before {@code cmd}
     * @param cmd the default arguments of the entrypoint, or the command when there is none
     * @param volumes the directories that should be volumes; written as an object of empty objects
     * @param workingDir the working directory of the process
     * @param labels arbitrary metadata
     * @param stopSignal the signal that stops the container, such as {@code SIGTERM} or {@code 15}
     * @param argsEscaped a Windows-only Docker flag: the command line is already escaped
     * @param healthcheck how to check that the container is healthy, or null to inherit
     * @param onBuild build instructions to run when this image is used as a base (Docker)
     * @param shell the shell that {@code RUN}, {@code CMD} and {@code ENTRYPOINT} in shell form use
     *        (Docker)
     * @param extensions fields this model does not know ({@code Hostname}, {@code Image}, ...)
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Config(
            @JsonProperty("User") String user,
            @JsonProperty("ExposedPorts")
            @JsonSerialize(using = KeySet.Serializer.class) @JsonDeserialize(using = KeySet.Deserializer.class)
            Set<String> exposedPorts,
            @JsonProperty("Env") List<String> env,
            @JsonProperty("Entrypoint") List<String> entrypoint,
            @JsonProperty("Cmd") List<String> cmd,
            @JsonProperty("Volumes")
            @JsonSerialize(using = KeySet.Serializer.class) @JsonDeserialize(using = KeySet.Deserializer.class)
            Set<String> volumes,
            @JsonProperty("WorkingDir") String workingDir,
            @JsonProperty("Labels") Map<String, String> labels,
            @JsonProperty("StopSignal") String stopSignal,
            @JsonProperty("ArgsEscaped") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            boolean argsEscaped,
            @JsonProperty("Healthcheck") Healthcheck healthcheck,
            @JsonProperty("OnBuild") List<String> onBuild,
            @JsonProperty("Shell") List<String> shell,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /** No defaults at all. */
        public static final Config EMPTY =
                new Config(null, null, null, null, null, null, null, null, null, false, null, null, null, null);

        public Config {
            user = Immutable.emptyToNull(user);
            workingDir = Immutable.emptyToNull(workingDir);
            stopSignal = Immutable.emptyToNull(stopSignal);
            exposedPorts = Immutable.set(exposedPorts, "ExposedPorts");
            for (String port : exposedPorts) {
                checkPort(port);
            }
            env = Immutable.list(env, "Env");
            for (int i = 0; i < env.size(); i++) {
                if (env.get(i).indexOf('=') <= 0) {
                    throw OciFormatException.field("Env[" + i + "]", "\"" + env.get(i) + "\" is not NAME=value");
                }
            }
            entrypoint = Immutable.list(entrypoint, "Entrypoint");
            cmd = Immutable.list(cmd, "Cmd");
            volumes = Immutable.set(volumes, "Volumes");
            labels = Immutable.map(labels, "Labels");
            onBuild = Immutable.list(onBuild, "OnBuild");
            shell = Immutable.list(shell, "Shell");
            extensions = Immutable.extensions(extensions);
        }

        /**
         * Component by component, as a record's equals, but written out: the generated one is linked on its
         * first call, milliseconds of a fresh JVM's start, and writing any image config calls it (a config
         * equal to {@link #EMPTY} is left out).
         *
         * @param o another object
         * @return whether it is a config with equal components
         */
        @Override
        public boolean equals(Object o) {
            return o instanceof Config c && argsEscaped == c.argsEscaped && Objects.equals(user, c.user)
                    && exposedPorts.equals(c.exposedPorts) && env.equals(c.env) && entrypoint.equals(c.entrypoint)
                    && cmd.equals(c.cmd) && volumes.equals(c.volumes) && Objects.equals(workingDir, c.workingDir)
                    && labels.equals(c.labels) && Objects.equals(stopSignal, c.stopSignal)
                    && Objects.equals(healthcheck, c.healthcheck) && onBuild.equals(c.onBuild) && shell.equals(c.shell)
                    && extensions.equals(c.extensions);
        }

        /** @return a hash of the components, consistent with {@link #equals} */
        @Override
        public int hashCode() {
            return Objects.hash(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        private static void checkPort(String port) {
            int number = isPort(port) ? Integer.parseInt(port, 0, portEnd(port), 10) : 0;
            if (number < 1 || number > 65535) {
                throw OciFormatException.field("ExposedPorts", "\"" + port
                        + "\" is not a port: expected port[/tcp|/udp|/sctp] with port from 1 to 65535");
            }
        }

        /**
         * {@code [0-9]{1,5}(?:/(?:tcp|udp|sctp))?}, matched by hand: compiling the expression in this class's
         * initializer cost every fresh JVM's first image config some ms of CPU. ConfigPortGrammarTest checks
         * it against the expression.
         */
        static boolean isPort(String port) {
            int end = portEnd(port);
            if (end < 1 || end > 5) {
                return false;
            }
            for (int i = 0; i < end; i++) {
                if (port.charAt(i) < '0' || port.charAt(i) > '9') {
                    return false;
                }
            }
            if (end == port.length()) {
                return true;
            }
            String protocol = port.substring(end + 1);
            return protocol.equals("tcp") || protocol.equals("udp") || protocol.equals("sctp");
        }

        /** @return where the number of a port ends: at its '/' or at the end */
        private static int portEnd(String port) {
            int slash = port.indexOf('/');
            return slash < 0 ? port.length() : slash;
        }

        /**
         * @param user the user to run as
         * @return a copy with this user
         */
        public Config withUser(String user) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param env the environment, each entry {@code NAME=value}
         * @return a copy with this environment
         */
        public Config withEnv(List<String> env) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * Sets one environment variable, replacing its entry in place or appending it.
         *
         * @param name the variable's name
         * @param value its value
         * @return a copy with the variable set
         */
        public Config withEnv(String name, String value) {
            List<String> copy = new ArrayList<>(env);
            String entry = name + "=" + value;
            int at = -1;
            for (int i = 0; i < copy.size() && at < 0; i++) {
                if (copy.get(i).startsWith(name + "=")) {
                    at = i;
                }
            }
            if (at >= 0) {
                copy.set(at, entry);
            } else {
                copy.add(entry);
            }
            return withEnv(copy);
        }

        /**
         * @param entrypoint the new entrypoint
         * @return a copy with this entrypoint
         */
        public Config withEntrypoint(List<String> entrypoint) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param cmd the new default command or arguments
         * @return a copy with this command
         */
        public Config withCmd(List<String> cmd) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param workingDir the new working directory
         * @return a copy with this working directory
         */
        public Config withWorkingDir(String workingDir) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param labels the new labels, replacing the old ones
         * @return a copy with these labels
         */
        public Config withLabels(Map<String, String> labels) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param exposedPorts the new exposed ports, such as {@code 80/tcp}
         * @return a copy with these ports
         */
        public Config withExposedPorts(Set<String> exposedPorts) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param volumes the new volume directories
         * @return a copy with these volumes
         */
        public Config withVolumes(Set<String> volumes) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param stopSignal the new stop signal
         * @return a copy with this stop signal
         */
        public Config withStopSignal(String stopSignal) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param healthcheck the new health check, or null to inherit
         * @return a copy with this health check
         */
        public Config withHealthcheck(Healthcheck healthcheck) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param onBuild the new build triggers
         * @return a copy with these triggers
         */
        public Config withOnBuild(List<String> onBuild) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }

        /**
         * @param shell the new shell, such as {@code ["/bin/sh", "-c"]}
         * @return a copy with this shell
         */
        public Config withShell(List<String> shell) {
            return new Config(user, exposedPorts, env, entrypoint, cmd, volumes, workingDir, labels, stopSignal,
                    argsEscaped, healthcheck, onBuild, shell, extensions);
        }
    }

    /**
     * Docker's container health check. Durations are in nanoseconds, as Docker writes them; zero
     * means inherit (and is not written).
     *
     * @param test {@code ["NONE"]} to disable, {@code ["CMD", arg...]} or
     *        {@code ["CMD-SHELL", command]}; empty to inherit
     * @param interval the time between checks, in nanoseconds
     * @param timeout how long a check may run before it counts as failed, in nanoseconds
     * @param startPeriod the start-up time during which failures do not count, in nanoseconds
     * @param startInterval the time between checks during the start period, in nanoseconds
     * @param retries how many consecutive failures make the container unhealthy
     * @param extensions fields this model does not know
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Healthcheck(
            @JsonProperty("Test") List<String> test,
            @JsonProperty("Interval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            long interval,
            @JsonProperty("Timeout") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            long timeout,
            @JsonProperty("StartPeriod") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            long startPeriod,
            @JsonProperty("StartInterval") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            long startInterval,
            @JsonProperty("Retries") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            int retries,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        public Healthcheck {
            test = Immutable.list(test, "Test");
            if (!test.isEmpty() && !List.of("NONE", "CMD", "CMD-SHELL").contains(test.get(0))) {
                throw OciFormatException.field("Test[0]", "\"" + test.get(0) + "\" is not NONE, CMD or CMD-SHELL");
            }
            notNegative("Interval", interval);
            notNegative("Timeout", timeout);
            notNegative("StartPeriod", startPeriod);
            notNegative("StartInterval", startInterval);
            notNegative("Retries", retries);
            extensions = Immutable.extensions(extensions);
        }

        private static void notNegative(String field, long value) {
            if (value < 0) {
                throw OciFormatException.field(field, "must not be negative, got " + value);
            }
        }
    }

    /**
     * The layers of the image's root filesystem, by the digests of their uncompressed tar streams.
     *
     * @param type always {@value #LAYERS}; required
     * @param diffIds the layers' diff ids, base layer first; always written, read as empty when
     *        absent or null
     * @param extensions fields this model does not know
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record RootFs(
            @JsonProperty("type") String type,
            @JsonProperty("diff_ids") @JsonInclude(JsonInclude.Include.ALWAYS) List<Digest> diffIds,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /** The only root filesystem type. */
        public static final String LAYERS = "layers";

        public RootFs {
            if (type == null) {
                throw OciFormatException.field("type", "is required");
            }
            if (!type.equals(LAYERS)) {
                throw OciFormatException.field("type", "must be \"layers\", got \"" + type + "\"");
            }
            diffIds = Immutable.list(diffIds, "diff_ids");
            extensions = Immutable.extensions(extensions);
        }

        /**
         * @param diffIds the layers' diff ids, base layer first
         * @return a root filesystem of type {@value #LAYERS}
         */
        public static RootFs of(List<Digest> diffIds) {
            return new RootFs(LAYERS, diffIds, null);
        }
    }

    /**
     * How one layer was made.
     *
     * @param created when, an RFC 3339 date-time, kept as written
     * @param createdBy the command that made it, such as a Dockerfile instruction
     * @param author who made it
     * @param comment a free comment
     * @param emptyLayer true when the step changed only the config and made no layer (not written
     *        when false)
     * @param extensions fields this model does not know
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record History(
            @JsonProperty("created") String created,
            @JsonProperty("created_by") String createdBy,
            @JsonProperty("author") String author,
            @JsonProperty("comment") String comment,
            @JsonProperty("empty_layer") @JsonInclude(JsonInclude.Include.NON_DEFAULT) @JsonSetter(nulls = Nulls.AS_EMPTY)
            boolean emptyLayer,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        public History {
            Checks.dateTime("created", created);
            createdBy = Immutable.emptyToNull(createdBy);
            author = Immutable.emptyToNull(author);
            comment = Immutable.emptyToNull(comment);
            extensions = Immutable.extensions(extensions);
        }

        /**
         * A history entry.
         *
         * @param created when the step ran, or null
         * @param createdBy the command, such as a Dockerfile instruction
         * @param emptyLayer true when the step made no layer
         * @return the entry
         */
        public static History of(Instant created, String createdBy, boolean emptyLayer) {
            return new History(created == null ? null : created.toString(), createdBy, null, null, emptyLayer, null);
        }

        /** @return {@code created} parsed, or empty when absent */
        public Optional<Instant> createdInstant() {
            return Optional.ofNullable(Checks.dateTime("created", created));
        }
    }
}
