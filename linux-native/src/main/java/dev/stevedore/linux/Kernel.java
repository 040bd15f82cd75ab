package dev.stevedore.linux;

import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.RlimitType;
import java.util.List;
import java.util.Map;

/** Linux ABI numbers (x86_64 and aarch64 share them) the planner writes into plans. */
final class Kernel {
    private Kernel() {
    }

    static final long CLONE_NEWTIME = 0x80;
    static final long CLONE_NEWNS = 0x20000;
    static final long CLONE_NEWCGROUP = 0x02000000;
    static final long CLONE_NEWUTS = 0x04000000;
    static final long CLONE_NEWIPC = 0x08000000;
    static final long CLONE_NEWUSER = 0x10000000;
    static final long CLONE_NEWPID = 0x20000000;
    static final long CLONE_NEWNET = 0x40000000;

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_SYNCHRONOUS = 16;
    static final long MS_REMOUNT = 32;
    static final long MS_MANDLOCK = 64;
    static final long MS_DIRSYNC = 128;
    static final long MS_NOATIME = 1024;
    static final long MS_NODIRATIME = 2048;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final long MS_UNBINDABLE = 1 << 17;
    static final long MS_PRIVATE = 1 << 18;
    static final long MS_SLAVE = 1 << 19;
    static final long MS_SHARED = 1 << 20;
    static final long MS_RELATIME = 1 << 21;
    static final long MS_STRICTATIME = 1 << 24;
    static final long MS_LAZYTIME = 1 << 25;
    static final long PROPAGATION = MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED;

    static final long MOUNT_ATTR_RDONLY = 0x1;
    static final long MOUNT_ATTR_NOSUID = 0x2;
    static final long MOUNT_ATTR_NODEV = 0x4;
    static final long MOUNT_ATTR_NOEXEC = 0x8;

    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;
    static final int S_IFIFO = 0010000;

    /** Mount target flags of the helper's MOUNT and MOVE_MOUNT. */
    static final int T_MKDIR = 1;
    static final int T_MKFILE = 2;

    static long cloneFlag(NamespaceType type) {
        switch (type) {
            case PID: return CLONE_NEWPID;
            case NETWORK: return CLONE_NEWNET;
            case MOUNT: return CLONE_NEWNS;
            case IPC: return CLONE_NEWIPC;
            case UTS: return CLONE_NEWUTS;
            case USER: return CLONE_NEWUSER;
            case CGROUP: return CLONE_NEWCGROUP;
            case TIME: return CLONE_NEWTIME;
            default: throw new AssertionError(type);
        }
    }

    /** @return the name under {@code /proc/PID/ns/} */
    static String procName(NamespaceType type) {
        switch (type) {
            case PID: return "pid";
            case NETWORK: return "net";
            case MOUNT: return "mnt";
            case IPC: return "ipc";
            case UTS: return "uts";
            case USER: return "user";
            case CGROUP: return "cgroup";
            case TIME: return "time";
            default: throw new AssertionError(type);
        }
    }

    static int rlimit(RlimitType type) {
        switch (type) {
            case RLIMIT_CPU: return 0;
            case RLIMIT_FSIZE: return 1;
            case RLIMIT_DATA: return 2;
            case RLIMIT_STACK: return 3;
            case RLIMIT_CORE: return 4;
            case RLIMIT_RSS: return 5;
            case RLIMIT_NPROC: return 6;
            case RLIMIT_NOFILE: return 7;
            case RLIMIT_MEMLOCK: return 8;
            case RLIMIT_AS: return 9;
            case RLIMIT_LOCKS: return 10;
            case RLIMIT_SIGPENDING: return 11;
            case RLIMIT_MSGQUEUE: return 12;
            case RLIMIT_NICE: return 13;
            case RLIMIT_RTPRIO: return 14;
            case RLIMIT_RTTIME: return 15;
            default: throw new AssertionError(type);
        }
    }

    /** Capability numbers from linux/capability.h, by their runtime-spec names. */
    static final List<String> CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
            "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
            "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN",
            "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** mount(8) option names and the flags they set (true) or clear (false), as runc reads them. */
    record Flag(boolean set, long flag) {
    }

    static final Map<String, Flag> MOUNT_FLAGS = Map.ofEntries(
            Map.entry("ro", new Flag(true, MS_RDONLY)), Map.entry("rw", new Flag(false, MS_RDONLY)),
            Map.entry("nosuid", new Flag(true, MS_NOSUID)), Map.entry("suid", new Flag(false, MS_NOSUID)),
            Map.entry("nodev", new Flag(true, MS_NODEV)), Map.entry("dev", new Flag(false, MS_NODEV)),
            Map.entry("noexec", new Flag(true, MS_NOEXEC)), Map.entry("exec", new Flag(false, MS_NOEXEC)),
            Map.entry("sync", new Flag(true, MS_SYNCHRONOUS)), Map.entry("async", new Flag(false, MS_SYNCHRONOUS)),
            Map.entry("dirsync", new Flag(true, MS_DIRSYNC)),
            Map.entry("mand", new Flag(true, MS_MANDLOCK)), Map.entry("nomand", new Flag(false, MS_MANDLOCK)),
            Map.entry("atime", new Flag(false, MS_NOATIME)), Map.entry("noatime", new Flag(true, MS_NOATIME)),
            Map.entry("diratime", new Flag(false, MS_NODIRATIME)),
            Map.entry("nodiratime", new Flag(true, MS_NODIRATIME)),
            Map.entry("relatime", new Flag(true, MS_RELATIME)), Map.entry("norelatime", new Flag(false, MS_RELATIME)),
            Map.entry("strictatime", new Flag(true, MS_STRICTATIME)),
            Map.entry("nostrictatime", new Flag(false, MS_STRICTATIME)),
            Map.entry("lazytime", new Flag(true, MS_LAZYTIME)), Map.entry("nolazytime", new Flag(false, MS_LAZYTIME)),
            Map.entry("bind", new Flag(true, MS_BIND)), Map.entry("rbind", new Flag(true, MS_BIND | MS_REC)),
            Map.entry("remount", new Flag(true, MS_REMOUNT)));

    static final Map<String, Long> PROPAGATIONS = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC,
            "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC,
            "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    /** @return this process's capability bounding set (CapBnd in /proc/self/status) */
    static long boundingSet() {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("CapBnd:")) {
                    return Long.parseUnsignedLong(line.substring(7).trim(), 16);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot read /proc/self/status: " + e, e);
        }
        throw new IllegalStateException("/proc/self/status has no CapBnd line");
    }
}
