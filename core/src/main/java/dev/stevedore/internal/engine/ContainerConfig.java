package dev.stevedore.internal.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything a user set on a container, before the image's defaults apply. Immutable: {@link #edit}
 * gives a mutable copy to change and {@link Builder#build} again. Not an edit function passed in: each
 * setting would be a lambda, and the first lambda a fresh JVM meets costs its thread the lambda
 * machinery's start, several ms on the first container's path. Null means "not set: take the image's value or the default".
 */
public final class ContainerConfig {

    /** How the container reaches the network. */
    public enum Network {
        /** Its own network namespace with only a loopback interface. */
        NONE,
        /** The host's network namespace. */
        HOST
    }

    /** A mount the user asked for. */
    public record Volume(Kind kind, String source, String target, boolean readOnly, long sizeBytes) {
        /** Where a volume's content lives. */
        public enum Kind {
            /** a host directory or file */
            BIND,
            /** a directory the engine manages, by name */
            NAMED,
            /** memory */
            TMPFS
        }
    }

    /**
     * A pseudo-terminal as the process's standard streams, as {@code docker run -t} gives.
     *
     * @param columns its width in characters
     * @param rows its height in lines
     */
    public record Terminal(int columns, int rows) {
        /** @throws IllegalArgumentException when a dimension is outside 1..65535 */
        public Terminal {
            check(columns, rows);
        }

        /**
         * @param columns a terminal width to check
         * @param rows a terminal height to check
         * @throws IllegalArgumentException when a dimension is outside 1..65535, as a terminal's size is
         */
        public static void check(int columns, int rows) {
            if (columns < 1 || columns > 0xffff || rows < 1 || rows > 0xffff) {
                throw new IllegalArgumentException("terminal size " + columns + "x" + rows + " is invalid: columns "
                        + "and rows go from 1 to 65535");
            }
        }
    }

    /** Content put into the container before its process runs. */
    public record FileCopy(Path hostPath, byte[] content, String target, int mode) {
    }

    public final String image;
    public final String name;
    public final List<String> command;
    public final List<String> entrypoint;
    public final Map<String, String> env;
    public final String workingDir;
    public final String user;
    public final List<Volume> volumes;
    public final List<FileCopy> files;
    public final Long memoryBytes;
    public final Double cpus;
    public final Long pidsLimit;
    public final String hostname;
    public final Map<String, String> labels;
    public final boolean readOnlyRootfs;
    public final Set<String> capAdd;
    public final Set<String> capDrop;
    public final boolean privileged;
    public final Network network;
    public final byte[] stdin;
    /** The terminal the process gets, or null for pipes. */
    public final Terminal terminal;
    public final Duration timeout;
    public final boolean autoRemove;
    public final String stopSignal;
    /** Bridge networks to join, by name, in order (the first carries the default route). */
    public final List<String> networks;
    /** Extra names the container has on its networks. */
    public final List<String> networkAliases;
    /** Published ports. */
    public final List<dev.stevedore.internal.network.PortBinding> ports;
    /** The container whose network namespace to share, or null. */
    public final String networkOf;

    private ContainerConfig(Builder b) {
        image = b.image;
        name = b.name;
        command = b.command == null ? null : List.copyOf(b.command);
        entrypoint = b.entrypoint == null ? null : List.copyOf(b.entrypoint);
        env = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.env));
        workingDir = b.workingDir;
        user = b.user;
        volumes = List.copyOf(b.volumes);
        files = List.copyOf(b.files);
        memoryBytes = b.memoryBytes;
        cpus = b.cpus;
        pidsLimit = b.pidsLimit;
        hostname = b.hostname;
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(b.labels));
        readOnlyRootfs = b.readOnlyRootfs;
        capAdd = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.capAdd));
        capDrop = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(b.capDrop));
        privileged = b.privileged;
        network = b.network;
        stdin = b.stdin;
        terminal = b.terminal;
        timeout = b.timeout;
        autoRemove = b.autoRemove;
        stopSignal = b.stopSignal;
        networks = List.copyOf(b.networks);
        networkAliases = List.copyOf(b.networkAliases);
        ports = List.copyOf(b.ports);
        networkOf = b.networkOf;
    }

    /**
     * @param image the image: a name, digest or digest prefix the store resolves
     * @return settings with nothing but the image
     */
    public static ContainerConfig of(String image) {
        Builder b = new Builder();
        b.image = image;
        return new ContainerConfig(b);
    }

    /** @return a mutable copy of these settings */
    public Builder edit() {
        Builder b = new Builder();
        b.image = image;
        b.name = name;
        b.command = command;
        b.entrypoint = entrypoint;
        b.env.putAll(env);
        b.workingDir = workingDir;
        b.user = user;
        b.volumes.addAll(volumes);
        b.files.addAll(files);
        b.memoryBytes = memoryBytes;
        b.cpus = cpus;
        b.pidsLimit = pidsLimit;
        b.hostname = hostname;
        b.labels.putAll(labels);
        b.readOnlyRootfs = readOnlyRootfs;
        b.capAdd.addAll(capAdd);
        b.capDrop.addAll(capDrop);
        b.privileged = privileged;
        b.network = network;
        b.stdin = stdin;
        b.terminal = terminal;
        b.timeout = timeout;
        b.autoRemove = autoRemove;
        b.stopSignal = stopSignal;
        b.networks.addAll(networks);
        b.networkAliases.addAll(networkAliases);
        b.ports.addAll(ports);
        b.networkOf = networkOf;
        return b;
    }

    /** The mutable form, made by {@link #edit}. */
    public static final class Builder {
        public String image;
        public String name;
        public List<String> command;
        public List<String> entrypoint;
        public final Map<String, String> env = new LinkedHashMap<>();
        public String workingDir;
        public String user;
        public final List<Volume> volumes = new ArrayList<>();
        public final List<FileCopy> files = new ArrayList<>();
        public Long memoryBytes;
        public Double cpus;
        public Long pidsLimit;
        public String hostname;
        public final Map<String, String> labels = new LinkedHashMap<>();
        public boolean readOnlyRootfs;
        public final Set<String> capAdd = new LinkedHashSet<>();
        public final Set<String> capDrop = new LinkedHashSet<>();
        public boolean privileged;
        public Network network = Network.NONE;
        public byte[] stdin;
        public Terminal terminal;
        public Duration timeout;
        public boolean autoRemove;
        public String stopSignal;
        public final List<String> networks = new ArrayList<>();
        public final List<String> networkAliases = new ArrayList<>();
        public final List<dev.stevedore.internal.network.PortBinding> ports = new ArrayList<>();
        public String networkOf;

        private Builder() {
        }

        /** @return the settings as they now are */
        public ContainerConfig build() {
            return new ContainerConfig(this);
        }
    }
}
