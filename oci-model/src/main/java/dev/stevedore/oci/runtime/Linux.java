package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.stevedore.oci.OciFormatException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Linux-specific configuration ({@code linux} in {@code config.json}, {@code config-linux.md}).
 *
 * <p>Namespace types are unique; masked and read-only paths are absolute.
 *
 * @param namespaces namespaces to create or join
 * @param uidMappings user ID mappings of the user namespace
 * @param gidMappings group ID mappings of the user namespace
 * @param timeOffsets offsets of the time namespace's clocks, by clock name ({@code boottime},
 *     {@code monotonic})
 * @param devices device nodes to create in the container
 * @param cgroupsPath the container's cgroup path
 * @param resources cgroup resource limits
 * @param sysctl kernel parameters to set in the container
 * @param seccomp the system call filter
 * @param rootfsPropagation the propagation of the root mount: {@code shared}, {@code slave},
 *     {@code private} or {@code unbindable}
 * @param maskedPaths paths in the container made inaccessible
 * @param readonlyPaths paths in the container made read-only
 * @param mountLabel the SELinux context of the container's mounts
 * @param personality the execution domain
 * @param intelRdt Intel Resource Director Technology settings
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Linux(
        @JsonProperty("namespaces") List<Namespace> namespaces,
        @JsonProperty("uidMappings") List<IdMapping> uidMappings,
        @JsonProperty("gidMappings") List<IdMapping> gidMappings,
        @JsonProperty("timeOffsets") Map<String, TimeOffset> timeOffsets,
        @JsonProperty("devices") List<Device> devices,
        @JsonProperty("cgroupsPath") String cgroupsPath,
        @JsonProperty("resources") Resources resources,
        @JsonProperty("sysctl") Map<String, String> sysctl,
        @JsonProperty("seccomp") Seccomp seccomp,
        @JsonProperty("rootfsPropagation") String rootfsPropagation,
        @JsonProperty("maskedPaths") List<String> maskedPaths,
        @JsonProperty("readonlyPaths") List<String> readonlyPaths,
        @JsonProperty("mountLabel") String mountLabel,
        @JsonProperty("personality") Personality personality,
        @JsonProperty("intelRdt") IntelRdt intelRdt,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    private static final List<String> PROPAGATIONS = List.of("shared", "slave", "private", "unbindable");

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param namespaces namespaces to create or join
     * @param uidMappings user ID mappings of the user namespace
     * @param gidMappings group ID mappings of the user namespace
     * @param timeOffsets offsets of the time namespace's clocks, by clock name ({@code boottime},
     *     {@code monotonic})
     * @param devices device nodes to create in the container
     * @param cgroupsPath the container's cgroup path
     * @param resources cgroup resource limits
     * @param sysctl kernel parameters to set in the container
     * @param seccomp the system call filter
     * @param rootfsPropagation the propagation of the root mount: {@code shared}, {@code slave},
     *     {@code private} or {@code unbindable}
     * @param maskedPaths paths in the container made inaccessible
     * @param readonlyPaths paths in the container made read-only
     * @param mountLabel the SELinux context of the container's mounts
     * @param personality the execution domain
     * @param intelRdt Intel Resource Director Technology settings
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Linux {
        namespaces = Checks.list(namespaces, "namespaces");
        Set<NamespaceType> seen = EnumSet.noneOf(NamespaceType.class);
        for (int i = 0; i < namespaces.size(); i++) {
            NamespaceType type = namespaces.get(i).type();
            if (!seen.add(type)) {
                throw OciFormatException.field("namespaces[" + i + "].type",
                        Checks.quote(type.value()) + " appears more than once");
            }
        }
        uidMappings = Checks.list(uidMappings, "uidMappings");
        gidMappings = Checks.list(gidMappings, "gidMappings");
        timeOffsets = Checks.map(timeOffsets, "timeOffsets");
        devices = Checks.list(devices, "devices");
        sysctl = Checks.map(sysctl, "sysctl");
        if (rootfsPropagation != null && !PROPAGATIONS.contains(rootfsPropagation)) {
            throw OciFormatException.field("rootfsPropagation", Checks.quote(rootfsPropagation)
                    + " is not a propagation type; expected one of " + String.join(", ", PROPAGATIONS));
        }
        maskedPaths = Checks.list(maskedPaths, "maskedPaths");
        Checks.absoluteEach(maskedPaths, "maskedPaths");
        readonlyPaths = Checks.list(readonlyPaths, "readonlyPaths");
        Checks.absoluteEach(readonlyPaths, "readonlyPaths");
        extensions = Checks.extensions(extensions);
    }

    /**
     * Linux configuration with only namespaces.
     *
     * @param namespaces the namespaces to create or join
     * @return the configuration
     */
    public static Linux of(List<Namespace> namespaces) {
        return new Linux(namespaces, null, null, null, null, null, null, null, null, null, null, null, null, null,
                null, null);
    }

    /**
     * A copy with other namespaces.
     *
     * @param namespaces the namespaces, at most one per type
     * @return the new configuration
     */
    public Linux withNamespaces(List<Namespace> namespaces) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, sysctl,
                seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt, extensions);
    }

    /**
     * A copy with other user and group ID mappings.
     *
     * @param uidMappings the user ID mappings
     * @param gidMappings the group ID mappings
     * @return the new configuration
     */
    public Linux withIdMappings(List<IdMapping> uidMappings, List<IdMapping> gidMappings) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, sysctl,
                seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt, extensions);
    }

    /**
     * A copy with other resource limits.
     *
     * @param resources the limits, or null for none
     * @return the new configuration
     */
    public Linux withResources(Resources resources) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, sysctl,
                seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt, extensions);
    }

    /**
     * A copy with another cgroup path.
     *
     * @param cgroupsPath the cgroup path, or null to let the runtime choose
     * @return the new configuration
     */
    public Linux withCgroupsPath(String cgroupsPath) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, sysctl,
                seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt, extensions);
    }

    /**
     * A copy with another system call filter.
     *
     * @param seccomp the filter, or null for none
     * @return the new configuration
     */
    public Linux withSeccomp(Seccomp seccomp) {
        return new Linux(namespaces, uidMappings, gidMappings, timeOffsets, devices, cgroupsPath, resources, sysctl,
                seccomp, rootfsPropagation, maskedPaths, readonlyPaths, mountLabel, personality, intelRdt, extensions);
    }

    /**
     * The namespace of a type, if the configuration has one.
     *
     * @param type the type
     * @return the namespace, or null when the container shares the runtime's namespace of that type
     */
    public Namespace namespace(NamespaceType type) {
        return namespaces.stream().filter(n -> n.type() == type).findFirst().orElse(null);
    }

    /**
     * The offset of a clock in the time namespace.
     *
     * @param secs whole seconds
     * @param nanosecs additional nanoseconds, 0 to 999999999
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record TimeOffset(
            @JsonProperty("secs") Long secs,
            @JsonProperty("nanosecs") Long nanosecs,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param secs whole seconds
         * @param nanosecs additional nanoseconds, 0 to 999999999
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public TimeOffset {
            Checks.range(nanosecs, 0, 999_999_999, "nanosecs");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * A device node created in the container.
     *
     * @param type {@code c} (character), {@code b} (block), {@code u} (unbuffered character) or
     *     {@code p} (FIFO); required
     * @param path its absolute path in the container; required
     * @param major the major number; required except for FIFOs
     * @param minor the minor number; required except for FIFOs
     * @param fileMode the permission bits
     * @param uid the owner in the container
     * @param gid the group in the container
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Device(
            @JsonProperty("type") String type,
            @JsonProperty("path") String path,
            @JsonProperty("major") Long major,
            @JsonProperty("minor") Long minor,
            @JsonProperty("fileMode") Integer fileMode,
            @JsonProperty("uid") Long uid,
            @JsonProperty("gid") Long gid,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        private static final List<String> TYPES = List.of("c", "b", "u", "p");

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param type {@code c} (character), {@code b} (block), {@code u} (unbuffered character) or
         *     {@code p} (FIFO); required
         * @param path its absolute path in the container; required
         * @param major the major number; required except for FIFOs
         * @param minor the minor number; required except for FIFOs
         * @param fileMode the permission bits
         * @param uid the owner in the container
         * @param gid the group in the container
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Device {
            Checks.required(type, "type");
            if (!TYPES.contains(type)) {
                throw OciFormatException.field("type", Checks.quote(type)
                        + " is not a device type; expected one of " + String.join(", ", TYPES));
            }
            Checks.requiredText(path, "path");
            Checks.absolute(path, "path");
            if (!type.equals("p")) {
                Checks.required(major, "major");
                Checks.required(minor, "minor");
            }
            Checks.notNegative(uid, "uid");
            Checks.notNegative(gid, "gid");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * The execution domain ({@code personality(2)}).
     *
     * @param domain the domain; required
     * @param flags additional personality flags
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Personality(
            @JsonProperty("domain") Domain domain,
            @JsonProperty("flags") List<String> flags,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param domain the domain; required
         * @param flags additional personality flags
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Personality {
            Checks.required(domain, "domain");
            flags = Checks.list(flags, "flags");
            extensions = Checks.extensions(extensions);
        }

        /** Execution domains. */
        public enum Domain implements Checks.Named {
            /** The native 64-bit domain. */
            LINUX,
            /** 32-bit, as {@code linux32} sets it ({@code uname -m} reports i686). */
            LINUX32;

            /** @return the name used in {@code config.json}, which is the constant's name */
            @JsonValue
            public String value() {
                return name();
            }

            /**
             * Parses a domain name.
             *
             * @param value {@code LINUX} or {@code LINUX32}
             * @return the domain
             * @throws IllegalArgumentException listing the valid names when {@code value} is not one
             */
            @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
            public static Domain of(String value) {
                return Checks.oneOf(values(), value, "a personality domain");
            }
        }
    }

    /**
     * Intel Resource Director Technology settings (the {@code resctrl} filesystem).
     *
     * @param closID the class of service, the resctrl group's name
     * @param l3CacheSchema the L3 cache allocation schema
     * @param memBwSchema the memory bandwidth allocation schema, one line starting with {@code MB:}
     * @param enableCMT whether to enable cache monitoring
     * @param enableMBM whether to enable memory bandwidth monitoring
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record IntelRdt(
            @JsonProperty("closID") String closID,
            @JsonProperty("l3CacheSchema") String l3CacheSchema,
            @JsonProperty("memBwSchema") String memBwSchema,
            @JsonProperty("enableCMT") Boolean enableCMT,
            @JsonProperty("enableMBM") Boolean enableMBM,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param closID the class of service, the resctrl group's name
         * @param l3CacheSchema the L3 cache allocation schema
         * @param memBwSchema the memory bandwidth allocation schema, one line starting with {@code MB:}
         * @param enableCMT whether to enable cache monitoring
         * @param enableMBM whether to enable memory bandwidth monitoring
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public IntelRdt {
            if (memBwSchema != null && (!memBwSchema.startsWith("MB:") || memBwSchema.contains("\n"))) {
                throw OciFormatException.field("memBwSchema",
                        Checks.quote(memBwSchema) + " must start with MB: and be a single line");
            }
            extensions = Checks.extensions(extensions);
        }
    }
}
