package dev.stevedore.oci.runtime;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.stevedore.oci.OciFormatException;
import java.util.List;
import java.util.Map;

/**
 * Cgroup resource limits of a container ({@code linux.resources}). Every limit is optional: null
 * (or an empty list or map) leaves it to the runtime's default. Numbers are the spec's int64/uint64
 * values; where the spec allows it, -1 means unlimited.
 *
 * @param devices the device access rules, applied in order
 * @param memory memory limits
 * @param cpu CPU shares, quotas and sets
 * @param blockIO block I/O weights and throttles
 * @param hugepageLimits HugeTLB limits per page size
 * @param network network class and priorities
 * @param pids the process count limit
 * @param rdma RDMA limits by device name
 * @param unified cgroup v2 files to write, by file name, such as {@code memory.high}
 * @param extensions fields this model does not know, kept so they survive a round trip
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Resources(
        @JsonProperty("devices") List<DeviceRule> devices,
        @JsonProperty("memory") Memory memory,
        @JsonProperty("cpu") Cpu cpu,
        @JsonProperty("blockIO") BlockIo blockIO,
        @JsonProperty("hugepageLimits") List<HugepageLimit> hugepageLimits,
        @JsonProperty("network") Network network,
        @JsonProperty("pids") Pids pids,
        @JsonProperty("rdma") Map<String, Rdma> rdma,
        @JsonProperty("unified") Map<String, String> unified,
        @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

    /**
     * Checks the fields against the spec and copies the collections.
     *
     * @param devices the device access rules, applied in order
     * @param memory memory limits
     * @param cpu CPU shares, quotas and sets
     * @param blockIO block I/O weights and throttles
     * @param hugepageLimits HugeTLB limits per page size
     * @param network network class and priorities
     * @param pids the process count limit
     * @param rdma RDMA limits by device name
     * @param unified cgroup v2 files to write, by file name, such as {@code memory.high}
     * @param extensions fields this model does not know, kept so they survive a round trip
     * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
     */
    public Resources {
        devices = Checks.list(devices, "devices");
        hugepageLimits = Checks.list(hugepageLimits, "hugepageLimits");
        rdma = Checks.map(rdma, "rdma");
        unified = Checks.map(unified, "unified");
        extensions = Checks.extensions(extensions);
    }

    /** @return resources without any limit */
    public static Resources none() {
        return new Resources(null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * A copy with other memory limits.
     *
     * @param memory the limits, or null for none
     * @return the new resources
     */
    public Resources withMemory(Memory memory) {
        return new Resources(devices, memory, cpu, blockIO, hugepageLimits, network, pids, rdma, unified, extensions);
    }

    /**
     * A copy with other CPU limits.
     *
     * @param cpu the limits, or null for none
     * @return the new resources
     */
    public Resources withCpu(Cpu cpu) {
        return new Resources(devices, memory, cpu, blockIO, hugepageLimits, network, pids, rdma, unified, extensions);
    }

    /**
     * A copy with another process count limit.
     *
     * @param pids the limit, or null for none
     * @return the new resources
     */
    public Resources withPids(Pids pids) {
        return new Resources(devices, memory, cpu, blockIO, hugepageLimits, network, pids, rdma, unified, extensions);
    }

    /**
     * A copy with other device rules.
     *
     * @param devices the rules, in order
     * @return the new resources
     */
    public Resources withDevices(List<DeviceRule> devices) {
        return new Resources(devices, memory, cpu, blockIO, hugepageLimits, network, pids, rdma, unified, extensions);
    }

    /**
     * A device access rule of the devices cgroup.
     *
     * @param allow whether the rule allows or denies; required
     * @param type {@code a} (all), {@code c} (character) or {@code b} (block); null means all
     * @param major the major number; null means all
     * @param minor the minor number; null means all
     * @param access a combination of {@code r} (read), {@code w} (write) and {@code m} (mknod); null
     *     means all
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record DeviceRule(
            @JsonProperty("allow") Boolean allow,
            @JsonProperty("type") String type,
            @JsonProperty("major") Long major,
            @JsonProperty("minor") Long minor,
            @JsonProperty("access") String access,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        private static final List<String> TYPES = List.of("a", "c", "b");

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param allow whether the rule allows or denies; required
         * @param type {@code a} (all), {@code c} (character) or {@code b} (block); null means all
         * @param major the major number; null means all
         * @param minor the minor number; null means all
         * @param access a combination of {@code r} (read), {@code w} (write) and {@code m} (mknod); null
         *     means all
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public DeviceRule {
            Checks.required(allow, "allow");
            if (type != null && !TYPES.contains(type)) {
                throw OciFormatException.field("type", Checks.quote(type)
                        + " is not a device rule type; expected one of " + String.join(", ", TYPES));
            }
            if (access != null && !Checks.isDeviceAccess(access)) {
                throw OciFormatException.field("access", Checks.quote(access)
                        + " is not an access mode; expected letters of rwm");
            }
            extensions = Checks.extensions(extensions);
        }

        /**
         * A rule for all devices.
         *
         * @param allow whether the rule allows or denies
         * @param access letters of {@code rwm}
         * @return the rule
         */
        public static DeviceRule all(boolean allow, String access) {
            return new DeviceRule(allow, null, null, null, access, null);
        }
    }

    /**
     * Memory limits, in bytes.
     *
     * @param limit the memory usage limit; -1 for unlimited
     * @param reservation the soft limit
     * @param swap the memory plus swap limit; -1 for unlimited
     * @param kernel the kernel memory limit (deprecated by the spec)
     * @param kernelTCP the kernel TCP buffer limit
     * @param swappiness the swappiness, 0 to 100
     * @param disableOOMKiller whether to disable the OOM killer
     * @param useHierarchy whether to account hierarchically (cgroup v1)
     * @param checkBeforeUpdate whether to refuse lowering the limit below the current usage
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Memory(
            @JsonProperty("limit") Long limit,
            @JsonProperty("reservation") Long reservation,
            @JsonProperty("swap") Long swap,
            @JsonProperty("kernel") Long kernel,
            @JsonProperty("kernelTCP") Long kernelTCP,
            @JsonProperty("swappiness") Long swappiness,
            @JsonProperty("disableOOMKiller") Boolean disableOOMKiller,
            @JsonProperty("useHierarchy") Boolean useHierarchy,
            @JsonProperty("checkBeforeUpdate") Boolean checkBeforeUpdate,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param limit the memory usage limit; -1 for unlimited
         * @param reservation the soft limit
         * @param swap the memory plus swap limit; -1 for unlimited
         * @param kernel the kernel memory limit (deprecated by the spec)
         * @param kernelTCP the kernel TCP buffer limit
         * @param swappiness the swappiness, 0 to 100
         * @param disableOOMKiller whether to disable the OOM killer
         * @param useHierarchy whether to account hierarchically (cgroup v1)
         * @param checkBeforeUpdate whether to refuse lowering the limit below the current usage
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Memory {
            Checks.range(swappiness, 0, 100, "swappiness");
            extensions = Checks.extensions(extensions);
        }

        /**
         * A plain memory limit.
         *
         * @param limit the limit in bytes, -1 for unlimited
         * @return the memory limits
         */
        public static Memory limit(long limit) {
            return new Memory(limit, null, null, null, null, null, null, null, null, null);
        }
    }

    /**
     * CPU limits.
     *
     * @param shares the relative weight
     * @param quota microseconds of CPU time per period; -1 for unlimited
     * @param burst microseconds of accumulated quota a period may use beyond its quota
     * @param period the period of {@code quota}, in microseconds
     * @param realtimeRuntime microseconds of real-time CPU time per real-time period
     * @param realtimePeriod the real-time period, in microseconds
     * @param cpus the CPUs allowed, in list format such as {@code 0-3,7}
     * @param mems the memory nodes allowed, in list format
     * @param idle 1 to make the cgroup use the {@code SCHED_IDLE} policy, 0 otherwise
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Cpu(
            @JsonProperty("shares") Long shares,
            @JsonProperty("quota") Long quota,
            @JsonProperty("burst") Long burst,
            @JsonProperty("period") Long period,
            @JsonProperty("realtimeRuntime") Long realtimeRuntime,
            @JsonProperty("realtimePeriod") Long realtimePeriod,
            @JsonProperty("cpus") String cpus,
            @JsonProperty("mems") String mems,
            @JsonProperty("idle") Long idle,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param shares the relative weight
         * @param quota microseconds of CPU time per period; -1 for unlimited
         * @param burst microseconds of accumulated quota a period may use beyond its quota
         * @param period the period of {@code quota}, in microseconds
         * @param realtimeRuntime microseconds of real-time CPU time per real-time period
         * @param realtimePeriod the real-time period, in microseconds
         * @param cpus the CPUs allowed, in list format such as {@code 0-3,7}
         * @param mems the memory nodes allowed, in list format
         * @param idle 1 to make the cgroup use the {@code SCHED_IDLE} policy, 0 otherwise
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Cpu {
            extensions = Checks.extensions(extensions);
        }

        /**
         * A CPU quota.
         *
         * @param quota microseconds per period
         * @param period the period in microseconds
         * @return the CPU limits
         */
        public static Cpu quota(long quota, long period) {
            return new Cpu(null, quota, null, period, null, null, null, null, null, null);
        }
    }

    /**
     * Block I/O weights and throttles.
     *
     * @param weight the relative weight, 10 to 1000
     * @param leafWeight the weight of the cgroup's own tasks against its children (cgroup v1)
     * @param weightDevice per-device weights
     * @param throttleReadBpsDevice per-device read limits in bytes per second
     * @param throttleWriteBpsDevice per-device write limits in bytes per second
     * @param throttleReadIOPSDevice per-device read limits in operations per second
     * @param throttleWriteIOPSDevice per-device write limits in operations per second
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record BlockIo(
            @JsonProperty("weight") Integer weight,
            @JsonProperty("leafWeight") Integer leafWeight,
            @JsonProperty("weightDevice") List<WeightDevice> weightDevice,
            @JsonProperty("throttleReadBpsDevice") List<ThrottleDevice> throttleReadBpsDevice,
            @JsonProperty("throttleWriteBpsDevice") List<ThrottleDevice> throttleWriteBpsDevice,
            @JsonProperty("throttleReadIOPSDevice") List<ThrottleDevice> throttleReadIOPSDevice,
            @JsonProperty("throttleWriteIOPSDevice") List<ThrottleDevice> throttleWriteIOPSDevice,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param weight the relative weight, 10 to 1000
         * @param leafWeight the weight of the cgroup's own tasks against its children (cgroup v1)
         * @param weightDevice per-device weights
         * @param throttleReadBpsDevice per-device read limits in bytes per second
         * @param throttleWriteBpsDevice per-device write limits in bytes per second
         * @param throttleReadIOPSDevice per-device read limits in operations per second
         * @param throttleWriteIOPSDevice per-device write limits in operations per second
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public BlockIo {
            Checks.notNegative(weight, "weight");
            Checks.notNegative(leafWeight, "leafWeight");
            weightDevice = Checks.list(weightDevice, "weightDevice");
            throttleReadBpsDevice = Checks.list(throttleReadBpsDevice, "throttleReadBpsDevice");
            throttleWriteBpsDevice = Checks.list(throttleWriteBpsDevice, "throttleWriteBpsDevice");
            throttleReadIOPSDevice = Checks.list(throttleReadIOPSDevice, "throttleReadIOPSDevice");
            throttleWriteIOPSDevice = Checks.list(throttleWriteIOPSDevice, "throttleWriteIOPSDevice");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * The block I/O weight of one device.
     *
     * @param major the device's major number; required
     * @param minor the device's minor number; required
     * @param weight the relative weight; required when {@code leafWeight} is absent
     * @param leafWeight the weight of the cgroup's own tasks (cgroup v1)
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record WeightDevice(
            @JsonProperty("major") Long major,
            @JsonProperty("minor") Long minor,
            @JsonProperty("weight") Integer weight,
            @JsonProperty("leafWeight") Integer leafWeight,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param major the device's major number; required
         * @param minor the device's minor number; required
         * @param weight the relative weight; required when {@code leafWeight} is absent
         * @param leafWeight the weight of the cgroup's own tasks (cgroup v1)
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public WeightDevice {
            Checks.required(major, "major");
            Checks.required(minor, "minor");
            if (weight == null && leafWeight == null) {
                throw OciFormatException.field("weight", "is required when leafWeight is absent");
            }
            Checks.notNegative(weight, "weight");
            Checks.notNegative(leafWeight, "leafWeight");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * A block I/O throttle of one device.
     *
     * @param major the device's major number; required
     * @param minor the device's minor number; required
     * @param rate bytes or operations per second; required, not negative
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record ThrottleDevice(
            @JsonProperty("major") Long major,
            @JsonProperty("minor") Long minor,
            @JsonProperty("rate") Long rate,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param major the device's major number; required
         * @param minor the device's minor number; required
         * @param rate bytes or operations per second; required, not negative
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public ThrottleDevice {
            Checks.required(major, "major");
            Checks.required(minor, "minor");
            Checks.notNegative(Checks.required(rate, "rate"), "rate");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * A HugeTLB limit.
     *
     * @param pageSize the page size, such as {@code 2MB} or {@code 1GB}; required
     * @param limit the limit in bytes of huge pages of that size; required
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record HugepageLimit(
            @JsonProperty("pageSize") String pageSize,
            @JsonProperty("limit") Long limit,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param pageSize the page size, such as {@code 2MB} or {@code 1GB}; required
         * @param limit the limit in bytes of huge pages of that size; required
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public HugepageLimit {
            Checks.requiredText(pageSize, "pageSize");
            Checks.required(limit, "limit");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * Network class and interface priorities (cgroup v1 {@code net_cls} and {@code net_prio}).
     *
     * @param classID the class identifier tagged on the container's packets
     * @param priorities per-interface priorities
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Network(
            @JsonProperty("classID") Long classID,
            @JsonProperty("priorities") List<InterfacePriority> priorities,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param classID the class identifier tagged on the container's packets
         * @param priorities per-interface priorities
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Network {
            Checks.notNegative(classID, "classID");
            priorities = Checks.list(priorities, "priorities");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * The priority of a network interface.
     *
     * @param name the interface name; required
     * @param priority its priority; required
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record InterfacePriority(
            @JsonProperty("name") String name,
            @JsonProperty("priority") Long priority,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param name the interface name; required
         * @param priority its priority; required
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public InterfacePriority {
            Checks.requiredText(name, "name");
            Checks.notNegative(Checks.required(priority, "priority"), "priority");
            extensions = Checks.extensions(extensions);
        }
    }

    /**
     * The process count limit.
     *
     * @param limit the maximum number of tasks; required; 0 or -1 for unlimited
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Pids(
            @JsonProperty("limit") Long limit,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param limit the maximum number of tasks; required; 0 or -1 for unlimited
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Pids {
            Checks.required(limit, "limit");
            extensions = Checks.extensions(extensions);
        }

        /**
         * A process count limit.
         *
         * @param limit the maximum number of tasks
         * @return the limit
         */
        public static Pids of(long limit) {
            return new Pids(limit, null);
        }
    }

    /**
     * RDMA limits of one device.
     *
     * @param hcaHandles the maximum number of HCA handles; required when {@code hcaObjects} is
     *     absent
     * @param hcaObjects the maximum number of HCA objects
     * @param extensions fields this model does not know, kept so they survive a round trip
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Rdma(
            @JsonProperty("hcaHandles") Long hcaHandles,
            @JsonProperty("hcaObjects") Long hcaObjects,
            @JsonAnySetter @JsonAnyGetter Map<String, Object> extensions) {

        /**
         * Checks the fields against the spec and copies the collections.
         *
         * @param hcaHandles the maximum number of HCA handles; required when {@code hcaObjects} is
     *     absent
         * @param hcaObjects the maximum number of HCA objects
         * @param extensions fields this model does not know, kept so they survive a round trip
         * @throws dev.stevedore.oci.OciFormatException naming the first invalid field
         */
        public Rdma {
            if (hcaHandles == null && hcaObjects == null) {
                throw OciFormatException.field("hcaHandles", "is required when hcaObjects is absent");
            }
            Checks.notNegative(hcaHandles, "hcaHandles");
            Checks.notNegative(hcaObjects, "hcaObjects");
            extensions = Checks.extensions(extensions);
        }
    }
}
