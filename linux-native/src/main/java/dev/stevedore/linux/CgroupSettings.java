package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Resources;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A container's {@code linux.resources} as cgroup file writes, for v1 or v2 per controller as the
 * host has them. Every value is checked here, before anything is created; what only the kernel can
 * tell (a file this kernel lacks) is reported when written, naming the field.
 *
 * <p>Choices where runtimes differ: {@code memory.kernel} is ignored with a warning, as runc does,
 * since kernels from 5.16 on no longer limit kernel memory apart; {@code memory.kernelTCP},
 * {@code swappiness} and {@code disableOOMKiller} exist only on v1 and are refused on v2. Device
 * rules are followed, as runc and crun do, by rules allowing the devices the runtime itself creates
 * in {@code /dev} (and {@code linux.devices}), so a container's own {@code /dev/null} always works;
 * on v2, which has no devices controller, the same rules become an eBPF {@link DeviceFilter}.
 *
 * @param controllers the controllers (v1 names) the container needs beyond {@link Cgroups#DEFAULTS}
 * @param writes the files to write, in order
 * @param devices the device rules for a cgroup on v2, attached after the writes; null when none
 */
record CgroupSettings(Set<String> controllers, List<Write> writes, DeviceFilter devices) {

    /**
     * One write: the first of {@code files} that exists in the container's cgroup of
     * {@code controller} gets {@code value}.
     *
     * @param field the JSON path of the setting, for errors
     * @param hint what a missing file or a refused value means, or empty
     */
    record Write(String controller, List<String> files, String value, String field, String hint) {
    }

    /** What the host offers that values are checked against. */
    record Host(BitSet cpus, BitSet mems, Set<String> hugepageSizes) {
        static Host detect() {
            Set<String> sizes = new TreeSet<>();
            // Names matched by hand, not by a glob or a regex: this runs as a runtime opens, in a fresh JVM.
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/sys/kernel/mm/hugepages"))) {
                for (Path p : dir) {
                    String name = p.getFileName().toString();
                    if (name.startsWith("hugepages-") && name.endsWith("kB")) {
                        sizes.add(pageSize(Long.parseLong(name.substring("hugepages-".length(), name.length() - 2))));
                    }
                }
            } catch (IOException e) {
                // No huge pages on this kernel: every page size is then refused.
            }
            return new Host(list(readOr("/sys/devices/system/cpu/online", "0")),
                    list(readOr("/sys/devices/system/node/online", "0")), sizes);
        }

        private static String readOr(String file, String fallback) {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                return fallback;
            }
        }

        /** The kernel's name of a huge page size: 2048 kB is {@code 2MB}. */
        static String pageSize(long kb) {
            return kb >= 1 << 20 ? (kb >> 20) + "GB" : kb >= 1 << 10 ? (kb >> 10) + "MB" : kb + "KB";
        }
    }

    /** Devices the runtime creates in a container's /dev, allowed after the spec's rules as runc does. */
    private static final List<DeviceFilter.Rule> ALLOWED_DEVICES = allowed("c *:* m", "b *:* m", "c 1:3 rwm",
            "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm");

    /** A loop, not a stream: this is loaded on the first container's path, where a stream pipeline costs milliseconds. */
    private static List<DeviceFilter.Rule> allowed(String... lines) {
        List<DeviceFilter.Rule> rules = new ArrayList<>(lines.length);
        for (String line : lines) {
            rules.add(DeviceFilter.Rule.parse(true, line));
        }
        return List.copyOf(rules);
    }

    private static final String WEIGHT_HINT = "weights need the BFQ I/O scheduler (CFQ before Linux 5.0) on the "
            + "device";

    /** Translates a container's resources; nothing is written yet. */
    static CgroupSettings of(Resources resources, List<Linux.Device> devices, Cgroups cgroups, Host host) {
        Builder b = new Builder(cgroups);
        if (resources != null) {
            b.memory(resources.memory());
            b.cpu(resources.cpu(), host);
            b.pids(resources.pids());
            b.blockIo(resources.blockIO());
            b.hugetlb(resources.hugepageLimits(), host);
            b.devices(resources.devices(), devices);
            b.network(resources.network());
            b.rdma(resources.rdma());
            b.unified(resources.unified());
        }
        return new CgroupSettings(Set.copyOf(b.controllers), List.copyOf(b.writes), b.deviceFilter);
    }

    private static final class Builder {
        private final Cgroups cgroups;
        private final Set<String> controllers = new TreeSet<>();
        private final List<Write> writes = new ArrayList<>();
        private DeviceFilter deviceFilter;

        Builder(Cgroups cgroups) {
            this.cgroups = cgroups;
        }

        /** @return whether the controller is on v2; fails, naming the field, when the host has it nowhere */
        private boolean need(String controller, String field) {
            if (!cgroups.has(controller)) {
                throw refuse(field, "this host has no " + controller + " cgroup controller mounted");
            }
            controllers.add(controller);
            return cgroups.isV2(controller);
        }

        private void write(String controller, String field, String value, String hint, String... files) {
            writes.add(new Write(controller, List.of(files), value, field, hint));
        }

        void memory(Resources.Memory m) {
            if (m == null) {
                return;
            }
            String f = "linux.resources.memory";
            boolean v2 = need("memory", f);
            Long limit = limitOrNull(m.limit(), f + ".limit");
            Long swap = limitOrNull(m.swap(), f + ".swap");
            if (limit != null) {
                write("memory", f + ".limit", v2 ? max(limit) : Long.toString(limit), "", v2 ? "memory.max"
                        : "memory.limit_in_bytes");
            }
            Long reservation = limitOrNull(m.reservation(), f + ".reservation");
            if (reservation != null) {
                write("memory", f + ".reservation", v2 ? max(reservation) : Long.toString(reservation), "",
                        v2 ? "memory.low" : "memory.soft_limit_in_bytes");
            }
            if (swap != null) {
                // The spec's swap is memory plus swap, as v1's memsw; v2 limits swap alone.
                if (swap >= 0 && (limit == null || limit < 0)) {
                    throw refuse(f + ".swap", "is memory plus swap, so it needs a memory limit too");
                }
                if (swap >= 0 && swap < limit) {
                    throw refuse(f + ".swap", swap + " is below the memory limit " + limit
                            + "; it counts memory plus swap");
                }
                String hint = "swap accounting is off in this kernel; boot it with swapaccount=1";
                if (v2) {
                    write("memory", f + ".swap", swap < 0 ? "max" : Long.toString(swap - limit), hint,
                            "memory.swap.max");
                } else {
                    write("memory", f + ".swap", Long.toString(swap), hint, "memory.memsw.limit_in_bytes");
                }
            }
            if (m.kernel() != null && m.kernel() != 0) {
                log().log(Level.WARNING, "{0}.kernel is ignored: kernels no longer limit kernel memory apart "
                        + "(it is counted in the memory limit)", f);
            }
            Long tcp = limitOrNull(m.kernelTCP(), f + ".kernelTCP");
            if (tcp != null) {
                onlyV1(v2, f + ".kernelTCP");
                write("memory", f + ".kernelTCP", Long.toString(tcp), "", "memory.kmem.tcp.limit_in_bytes");
            }
            if (m.swappiness() != null) {
                onlyV1(v2, f + ".swappiness");
                write("memory", f + ".swappiness", Long.toString(m.swappiness()), "", "memory.swappiness");
            }
            if (Boolean.TRUE.equals(m.disableOOMKiller())) {
                onlyV1(v2, f + ".disableOOMKiller");
                write("memory", f + ".disableOOMKiller", "1", "", "memory.oom_control");
            }
            if (m.useHierarchy() != null && !v2) {
                write("memory", f + ".useHierarchy", m.useHierarchy() ? "1" : "0",
                        "kernels from 5.x on always account hierarchically", "memory.use_hierarchy");
            }
        }

        void cpu(Resources.Cpu c, Host host) {
            if (c == null) {
                return;
            }
            String f = "linux.resources.cpu";
            if (c.shares() != null && c.shares() != 0) {
                long shares = c.shares();
                if (shares < 2 || shares > 262144) {
                    throw refuse(f + ".shares", shares + " is outside 2..262144");
                }
                // runc's mapping of v1 shares [2, 262144] onto v2 weights [1, 10000].
                boolean v2 = need("cpu", f + ".shares");
                write("cpu", f + ".shares", v2 ? Long.toString(1 + ((shares - 2) * 9999) / 262142)
                        : Long.toString(shares), "", v2 ? "cpu.weight" : "cpu.shares");
            }
            Long quota = c.quota() == null || c.quota() == 0 ? null : c.quota();
            Long period = c.period() == null || c.period() == 0 ? null : c.period();
            if (quota != null && quota != -1 && quota < 1000) {
                throw refuse(f + ".quota", quota + " is neither -1 (unlimited) nor at least 1000 microseconds");
            }
            if (period != null && (period < 1000 || period > 1_000_000)) {
                throw refuse(f + ".period", period + " is outside 1000..1000000 microseconds");
            }
            if (quota != null || period != null) {
                boolean v2 = need("cpu", f + ".quota");
                if (v2) {
                    write("cpu", f + ".quota", (quota == null || quota < 0 ? "max" : quota) + " "
                            + (period == null ? 100000 : period), "", "cpu.max");
                } else {
                    if (period != null) {
                        write("cpu", f + ".period", Long.toString(period), "", "cpu.cfs_period_us");
                    }
                    if (quota != null) {
                        write("cpu", f + ".quota", Long.toString(quota), "", "cpu.cfs_quota_us");
                    }
                }
            }
            if (c.burst() != null) {
                long burst = c.burst();
                if (burst < 0 || quota == null || quota < 0 || burst > quota) {
                    throw refuse(f + ".burst", burst + " must be between 0 and a set quota");
                }
                boolean v2 = need("cpu", f + ".burst");
                write("cpu", f + ".burst", Long.toString(burst), "the kernel lacks CFS burst (5.14 or later)",
                        v2 ? "cpu.max.burst" : "cpu.cfs_burst_us");
            }
            if (c.realtimePeriod() != null || c.realtimeRuntime() != null) {
                boolean v2 = need("cpu", f + ".realtimeRuntime");
                if (v2) {
                    throw refuse(f + ".realtimeRuntime", "cgroup v2 has no real-time CPU budget");
                }
                long rtPeriod = c.realtimePeriod() == null ? 1_000_000 : c.realtimePeriod();
                if (rtPeriod < 1 || rtPeriod > 1_000_000) {
                    throw refuse(f + ".realtimePeriod", rtPeriod + " is outside 1..1000000 microseconds");
                }
                if (c.realtimeRuntime() != null && (c.realtimeRuntime() < 0 || c.realtimeRuntime() > rtPeriod)) {
                    throw refuse(f + ".realtimeRuntime", c.realtimeRuntime() + " is outside 0.." + rtPeriod
                            + " microseconds (the period); only the root cgroup may have -1");
                }
                if (c.realtimePeriod() != null) {
                    write("cpu", f + ".realtimePeriod", Long.toString(c.realtimePeriod()), "", "cpu.rt_period_us");
                }
                if (c.realtimeRuntime() != null) {
                    write("cpu", f + ".realtimeRuntime", Long.toString(c.realtimeRuntime()), "the kernel needs "
                            + "real-time group scheduling (CONFIG_RT_GROUP_SCHED), and the host's real-time budget "
                            + "(cpu.rt_runtime_us of the root cgroup) room for it", "cpu.rt_runtime_us");
                }
            }
            if (c.idle() != null) {
                if (c.idle() != 0 && c.idle() != 1) {
                    throw refuse(f + ".idle", c.idle() + " is neither 0 nor 1");
                }
                need("cpu", f + ".idle");
                write("cpu", f + ".idle", Long.toString(c.idle()), "the kernel lacks SCHED_IDLE groups (5.15 or later)",
                        "cpu.idle");
            }
            cpuset(c.cpus(), host.cpus(), f + ".cpus", "cpuset.cpus", "CPUs");
            cpuset(c.mems(), host.mems(), f + ".mems", "cpuset.mems", "memory nodes");
        }

        private void cpuset(String value, BitSet online, String field, String file, String what) {
            if (value == null || value.isBlank()) {
                return;
            }
            BitSet wanted;
            try {
                wanted = list(value);
            } catch (IllegalArgumentException e) {
                throw refuse(field, "'" + value + "' is not a list such as 0-3,7: " + e.getMessage());
            }
            BitSet outside = (BitSet) wanted.clone();
            outside.andNot(online);
            if (!outside.isEmpty()) {
                throw refuse(field, "'" + value + "' names " + what + " this host does not have online ("
                        + outside + "; it has " + online + ")");
            }
            need("cpuset", field);
            write("cpuset", field, value.trim(), "", file);
        }

        void pids(Resources.Pids p) {
            if (p == null) {
                return;
            }
            String f = "linux.resources.pids.limit";
            long limit = p.limit();
            if (limit < -1) {
                throw refuse(f, limit + " is neither -1 (unlimited) nor a count");
            }
            need("pids", f);
            // The helper sits in the cgroup as the container's parent, so it gets one more slot.
            write("pids", f, limit <= 0 ? "max" : Long.toString(limit + 1), "", "pids.max");
        }

        void blockIo(Resources.BlockIo io) {
            if (io == null) {
                return;
            }
            String f = "linux.resources.blockIO";
            boolean v2 = need("blkio", f);
            if (io.weight() != null && io.weight() != 0) {
                int w = weight(io.weight(), f + ".weight");
                if (v2) {
                    write("blkio", f + ".weight", Long.toString(w), "", "io.bfq.weight");
                } else {
                    write("blkio", f + ".weight", Long.toString(w), WEIGHT_HINT, "blkio.weight", "blkio.bfq.weight");
                }
            }
            if (io.leafWeight() != null && io.leafWeight() != 0) {
                onlyV1(v2, f + ".leafWeight");
                write("blkio", f + ".leafWeight", Long.toString(weight(io.leafWeight(), f + ".leafWeight")),
                        "leaf weights came with CFQ, which kernels from 5.0 on lack", "blkio.leaf_weight");
            }
            for (int i = 0; i < io.weightDevice().size(); i++) {
                Resources.WeightDevice d = io.weightDevice().get(i);
                String fd = f + ".weightDevice[" + i + "]";
                String dev = d.major() + ":" + d.minor();
                if (d.weight() != null) {
                    int w = weight(d.weight(), fd + ".weight");
                    if (v2) {
                        write("blkio", fd + ".weight", dev + " " + w, "", "io.bfq.weight");
                    } else {
                        write("blkio", fd + ".weight", dev + " " + w, WEIGHT_HINT, "blkio.weight_device",
                                "blkio.bfq.weight_device");
                    }
                }
                if (d.leafWeight() != null) {
                    onlyV1(v2, fd + ".leafWeight");
                    write("blkio", fd + ".leafWeight", dev + " " + weight(d.leafWeight(), fd + ".leafWeight"),
                            "leaf weights came with CFQ, which kernels from 5.0 on lack", "blkio.leaf_weight_device");
                }
            }
            throttle(io.throttleReadBpsDevice(), v2, f + ".throttleReadBpsDevice", "read_bps_device", "rbps");
            throttle(io.throttleWriteBpsDevice(), v2, f + ".throttleWriteBpsDevice", "write_bps_device", "wbps");
            throttle(io.throttleReadIOPSDevice(), v2, f + ".throttleReadIOPSDevice", "read_iops_device", "riops");
            throttle(io.throttleWriteIOPSDevice(), v2, f + ".throttleWriteIOPSDevice", "write_iops_device", "wiops");
        }

        private void throttle(List<Resources.ThrottleDevice> list, boolean v2, String field, String v1File,
                String v2Key) {
            for (int i = 0; i < list.size(); i++) {
                Resources.ThrottleDevice d = list.get(i);
                String dev = d.major() + ":" + d.minor();
                String hint = "the device " + dev + " must exist as a block device";
                if (v2) {
                    write("blkio", field + "[" + i + "]", dev + " " + v2Key + "=" + (d.rate() == 0 ? "max" : d.rate()),
                            hint, "io.max");
                } else {
                    write("blkio", field + "[" + i + "]", dev + " " + d.rate(), hint, "blkio.throttle." + v1File);
                }
            }
        }

        private static int weight(int weight, String field) {
            if (weight < 10 || weight > 1000) {
                throw refuse(field, weight + " is outside 10..1000");
            }
            return weight;
        }

        void hugetlb(List<Resources.HugepageLimit> limits, Host host) {
            for (int i = 0; i < limits.size(); i++) {
                Resources.HugepageLimit h = limits.get(i);
                String f = "linux.resources.hugepageLimits[" + i + "]";
                if (!host.hugepageSizes().contains(h.pageSize())) {
                    throw refuse(f + ".pageSize", "'" + h.pageSize() + "' is not a huge page size of this host (it has "
                            + (host.hugepageSizes().isEmpty() ? "none"
                                    : String.join(", ", new TreeSet<>(host.hugepageSizes()))) + ")");
                }
                long limit = h.limit();
                if (limit < -1) {
                    throw refuse(f + ".limit", limit + " is neither -1 (unlimited) nor a size in bytes");
                }
                boolean v2 = need("hugetlb", f);
                String value = v2 ? max(limit) : Long.toString(limit);
                write("hugetlb", f + ".limit", value, "", v2 ? "hugetlb." + h.pageSize() + ".max"
                        : "hugetlb." + h.pageSize() + ".limit_in_bytes");
            }
        }

        void devices(List<Resources.DeviceRule> rules, List<Linux.Device> created) {
            if (rules.isEmpty()) {
                return;
            }
            String f = "linux.resources.devices";
            boolean v2 = need("devices", f);
            List<DeviceFilter.Rule> all = new ArrayList<>();
            List<String> fields = new ArrayList<>();
            for (int i = 0; i < rules.size(); i++) {
                Resources.DeviceRule r = rules.get(i);
                char type = r.type() == null ? 'a' : r.type().charAt(0);
                all.add(new DeviceFilter.Rule(r.allow(), type, number(r.major()), number(r.minor()),
                        DeviceFilter.Rule.access(r.access() == null ? "rwm" : r.access())));
                fields.add(f + "[" + i + "]");
            }
            for (DeviceFilter.Rule r : ALLOWED_DEVICES) {
                all.add(r);
                fields.add(f);
            }
            for (Linux.Device d : created) {
                // A FIFO is no device: the controller knows only c and b, and opening a FIFO is not checked.
                if (d.type().equals("p")) {
                    continue;
                }
                all.add(new DeviceFilter.Rule(true, d.type().equals("u") ? 'c' : d.type().charAt(0), d.major(),
                        d.minor(), DeviceFilter.Rule.access("rwm")));
                fields.add("linux.devices");
            }
            if (v2) {
                deviceFilter = new DeviceFilter(all);
                return;
            }
            for (int i = 0; i < all.size(); i++) {
                DeviceFilter.Rule r = all.get(i);
                write("devices", fields.get(i), r.v1Line(), "", r.allow() ? "devices.allow" : "devices.deny");
            }
        }

        private static long number(Long n) {
            return n == null || n < 0 ? -1 : n;
        }

        void network(Resources.Network n) {
            if (n == null) {
                return;
            }
            String f = "linux.resources.network";
            if (n.classID() != null) {
                if (n.classID() > 0xFFFFFFFFL) {
                    throw refuse(f + ".classID", n.classID() + " does not fit in 32 bits");
                }
                need("net_cls", f + ".classID");
                write("net_cls", f + ".classID", Long.toString(n.classID()), "", "net_cls.classid");
            }
            for (int i = 0; i < n.priorities().size(); i++) {
                Resources.InterfacePriority p = n.priorities().get(i);
                String fp = f + ".priorities[" + i + "]";
                if (!p.name().matches("[^\\s/]{1,15}")) {
                    throw refuse(fp + ".name", "'" + p.name() + "' is not a network interface name");
                }
                need("net_prio", fp);
                write("net_prio", fp, p.name() + " " + p.priority(), "", "net_prio.ifpriomap");
            }
        }

        void rdma(Map<String, Resources.Rdma> rdma) {
            // Loops rather than lambdas: every container's settings pass here, the first in a fresh JVM included.
            for (Map.Entry<String, Resources.Rdma> entry : rdma.entrySet()) {
                String device = entry.getKey();
                Resources.Rdma r = entry.getValue();
                String f = "linux.resources.rdma." + device;
                if (!device.matches("[^\\s/]+")) {
                    throw refuse(f, "'" + device + "' is not an RDMA device name");
                }
                need("rdma", f);
                StringBuilder line = new StringBuilder(device);
                if (r.hcaHandles() != null) {
                    line.append(" hca_handle=").append(r.hcaHandles());
                }
                if (r.hcaObjects() != null) {
                    line.append(" hca_object=").append(r.hcaObjects());
                }
                write("rdma", f, line.toString(), "", "rdma.max");
            }
        }

        void unified(Map<String, String> unified) {
            for (Map.Entry<String, String> entry : unified.entrySet()) {
                String key = entry.getKey();
                String value = entry.getValue();
                String f = "linux.resources.unified." + key;
                Matcher m = Pattern.compile("([a-z_]+)\\.[A-Za-z0-9_.]+").matcher(key);
                if (!m.matches()) {
                    throw refuse(f, "'" + key + "' is not a cgroup v2 file name such as memory.high");
                }
                String controller = m.group(1).equals("io") ? "blkio" : m.group(1);
                if (!cgroups.isV2(controller)) {
                    throw refuse(f, "the " + m.group(1) + " controller is not on cgroup v2 on this host"
                            + (cgroups.has(controller) ? " (it is on v1, which has no such file)" : ""));
                }
                controllers.add(controller);
                write(controller, f, value, "", key);
            }
        }

        private static void onlyV1(boolean v2, String field) {
            if (v2) {
                throw refuse(field, "cgroup v2 has no such setting");
            }
        }

        /** @return null when unset (0, as runc reads it), the value when -1 or positive */
        private static Long limitOrNull(Long value, String field) {
            if (value == null || value == 0) {
                return null;
            }
            if (value < -1) {
                throw refuse(field, value + " is neither -1 (unlimited) nor a size in bytes");
            }
            return value;
        }

        private static String max(long value) {
            return value < 0 ? "max" : Long.toString(value);
        }
    }

    private static IllegalArgumentException refuse(String field, String problem) {
        return new IllegalArgumentException(field + ": " + problem);
    }

    /** Parses a kernel list such as {@code 0-3,7}. */
    static BitSet list(String text) {
        BitSet set = new BitSet();
        for (String part : text.trim().split(",")) {
            // Read by hand, not with a regex: the host's CPUs are read so as a runtime opens, in a fresh JVM.
            String trimmed = part.trim();
            int dash = trimmed.indexOf('-');
            String first = dash < 0 ? trimmed : trimmed.substring(0, dash);
            String last = dash < 0 ? first : trimmed.substring(dash + 1);
            if (!digits(first) || !digits(last)) {
                throw new IllegalArgumentException("'" + part + "' is not a number or range");
            }
            int from = Integer.parseInt(first);
            int to = Integer.parseInt(last);
            if (to < from || to > 1 << 16) {
                throw new IllegalArgumentException("'" + part + "' is not a valid range");
            }
            set.set(from, to + 1);
        }
        return set;
    }

    /** @return whether the text is a non-empty run of ASCII digits short enough for an int */
    private static boolean digits(String text) {
        if (text.isEmpty() || text.length() > 9) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** Looked up when needed: the first lookup starts the logging system, which a container's start need not wait for. */
    private static System.Logger log() {
        return System.getLogger(CgroupSettings.class.getName());
    }
}
