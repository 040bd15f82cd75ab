package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Device rules for a cgroup on the v2 hierarchy, which has no devices controller: an eBPF program
 * of type {@code BPF_PROG_TYPE_CGROUP_DEVICE} that the kernel runs on every open and mknod of a
 * device node by a process of the cgroup (or below), allowing the access when it returns 1.
 *
 * <p>The rules mean what they mean to the v1 controller, so a spec behaves alike on both: the
 * last rule that matches the device decides; an allowing rule matches only when it grants all of
 * the access asked for (read, write, mknod), a denying one when it denies any of it; a device no
 * rule matches is allowed, as in the root cgroup.
 */
final class DeviceFilter {

    /** Access bits as the kernel passes them to the program (and as v1 lines spell them: m, r, w). */
    static final int MKNOD = 1;
    static final int READ = 2;
    static final int WRITE = 4;
    private static final int ALL = MKNOD | READ | WRITE;

    /**
     * One rule.
     *
     * @param type {@code a} (any device), {@code c} or {@code b}
     * @param major the major number, or -1 for any
     * @param minor the minor number, or -1 for any
     * @param access a combination of {@link #MKNOD}, {@link #READ} and {@link #WRITE}
     */
    record Rule(boolean allow, char type, long major, long minor, int access) {
        Rule {
            if ("acb".indexOf(type) < 0) {
                throw new IllegalArgumentException("device rule type '" + type + "' is none of a, c, b");
            }
        }

        /**
         * @param line a rule as the v1 {@code devices.allow} file takes it: {@code a}, or
         *     {@code TYPE MAJOR:MINOR ACCESS} with {@code *} for any number
         */
        static Rule parse(boolean allow, String line) {
            // Taken apart by hand, not with regexes: the runtime's own rules are parsed as it opens, in a fresh JVM.
            java.util.StringTokenizer tokens = new java.util.StringTokenizer(line, " \t\n\u000B\f\r");
            String[] f = new String[Math.max(1, tokens.countTokens())];
            f[0] = "";
            for (int i = 0; tokens.hasMoreTokens(); i++) {
                f[i] = tokens.nextToken();
            }
            if (f[0].equals("a")) {
                return new Rule(allow, 'a', -1, -1, ALL);
            }
            int colon = f.length == 3 ? f[1].indexOf(':') : -1;
            if (colon < 0 || f[0].length() != 1 || !numberOrAny(f[1].substring(0, colon))
                    || !numberOrAny(f[1].substring(colon + 1))) {
                throw new IllegalArgumentException("'" + line + "' is not a device rule (TYPE MAJOR:MINOR ACCESS)");
            }
            return new Rule(allow, f[0].charAt(0), number(f[1].substring(0, colon)), number(f[1].substring(colon + 1)),
                    access(f[2]));
        }

        /** @return whether {@code s} is {@code *} or ASCII digits */
        private static boolean numberOrAny(String s) {
            if (s.equals("*")) {
                return true;
            }
            for (int i = 0; i < s.length(); i++) {
                if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                    return false;
                }
            }
            return !s.isEmpty();
        }

        static int access(String letters) {
            int bits = 0;
            for (char c : letters.toCharArray()) {
                bits |= switch (c) {
                    case 'm' -> MKNOD;
                    case 'r' -> READ;
                    case 'w' -> WRITE;
                    default -> throw new IllegalArgumentException("'" + letters + "' is not an access of r, w, m");
                };
            }
            return bits;
        }

        private static long number(String s) {
            return s.equals("*") ? -1 : Long.parseLong(s);
        }

        /** @return the rule as a line for the v1 {@code devices.allow} or {@code devices.deny} file */
        String v1Line() {
            if (type == 'a') {
                return "a";
            }
            return type + " " + (major < 0 ? "*" : major) + ":" + (minor < 0 ? "*" : minor) + " "
                    + ((access & READ) != 0 ? "r" : "") + ((access & WRITE) != 0 ? "w" : "")
                    + ((access & MKNOD) != 0 ? "m" : "");
        }
    }

    private final List<Rule> rules;

    DeviceFilter(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    List<Rule> rules() {
        return rules;
    }

    // eBPF encoding (linux/bpf.h): classes, sizes, modes, operations, sources.
    private static final int LDX = 0x01;
    private static final int ALU64 = 0x07;
    private static final int JMP = 0x05;
    private static final int MEM_W = 0x60;
    private static final int AND = 0x50;
    private static final int RSH = 0x70;
    private static final int MOV = 0xb0;
    private static final int JEQ = 0x10;
    private static final int JNE = 0x50;
    private static final int EXIT = 0x90;
    private static final int SRC_REG = 0x08;
    /** Device types in {@code struct bpf_cgroup_dev_ctx}: the low 16 bits of access_type. */
    private static final int DEV_BLOCK = 1;
    private static final int DEV_CHAR = 2;

    /**
     * The program: {@code struct bpf_cgroup_dev_ctx} is {access_type, major, minor}, 32 bits each,
     * with the device type in access_type's low half and the access asked for in its high half.
     * Registers: r2 type, r3 access, r4 major, r5 minor; r1 scratch once they are loaded.
     *
     * @return the instructions, 8 bytes each, little-endian as on every host this backend runs on
     */
    byte[] program() {
        Program p = new Program();
        p.add(LDX | MEM_W, 2, 1, 0, 0);
        p.add(LDX | MEM_W, 4, 1, 4, 0);
        p.add(LDX | MEM_W, 5, 1, 8, 0);
        p.add(ALU64 | MOV | SRC_REG, 3, 2, 0, 0);
        p.add(ALU64 | RSH, 3, 0, 0, 16);
        p.add(ALU64 | AND, 2, 0, 0, 0xffff);
        // Last match decides: test the rules from the last one, each block jumping past itself on a mismatch.
        for (int i = rules.size() - 1; i >= 0; i--) {
            Rule r = rules.get(i);
            boolean accessTest = r.access() != ALL;
            int length = (r.type() == 'a' ? 0 : 1) + (r.major() < 0 ? 0 : 1) + (r.minor() < 0 ? 0 : 1)
                    + (accessTest ? 3 : 0) + 2;
            int left = length;
            if (r.type() != 'a') {
                p.add(JMP | JNE, 2, 0, --left, r.type() == 'c' ? DEV_CHAR : DEV_BLOCK);
            }
            if (r.major() >= 0) {
                p.add(JMP | JNE, 4, 0, --left, (int) r.major());
            }
            if (r.minor() >= 0) {
                p.add(JMP | JNE, 5, 0, --left, (int) r.minor());
            }
            if (accessTest) {
                p.add(ALU64 | MOV | SRC_REG, 1, 3, 0, 0);
                // Allowing: nothing asked for outside the rule's access; denying: something inside it.
                p.add(ALU64 | AND, 1, 0, 0, r.allow() ? ~r.access() & ALL : r.access());
                left -= 2;
                p.add(JMP | (r.allow() ? JNE : JEQ), 1, 0, --left, 0);
            }
            p.add(ALU64 | MOV, 0, 0, 0, r.allow() ? 1 : 0);
            p.add(JMP | EXIT, 0, 0, 0, 0);
            if (length == 2) {
                // It matches every access: the rules before it never decide, and the verifier refuses dead code.
                return p.bytes.toByteArray();
            }
        }
        p.add(ALU64 | MOV, 0, 0, 0, 1);
        p.add(JMP | EXIT, 0, 0, 0, 0);
        return p.bytes.toByteArray();
    }

    private static final class Program {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        void add(int code, int dst, int src, int offset, int imm) {
            bytes.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).put((byte) code)
                    .put((byte) (src << 4 | dst)).putShort((short) offset).putInt(imm).array());
        }
    }

    // bpf(2) commands, program and attach types, flags (linux/bpf.h).
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_ATTACH = 8;
    private static final int BPF_PROG_TYPE_CGROUP_DEVICE = 15;
    private static final int BPF_CGROUP_DEVICE = 6;
    /** Keeps programs attached above (a host's own, such as systemd's) in force as well. */
    private static final int BPF_F_ALLOW_MULTI = 2;
    private static final int ATTR_SIZE = 120;
    private static final int O_RDONLY_DIRECTORY_CLOEXEC = 0200000 | 02000000;
    private static final int LOG_SIZE = 16384;

    /**
     * Loads the program and attaches it to a cgroup, before any process of the container is in it.
     *
     * @param cgroup the container's cgroup directory on the v2 hierarchy
     * @throws ContainerBackendException with the kernel's reason (and the verifier's words, if any)
     */
    void attach(Path cgroup) {
        Libc libc = Libc.get();
        jnr.ffi.Runtime runtime = jnr.ffi.Runtime.getRuntime(libc);
        byte[] code = program();
        Pointer insns = Memory.allocateDirect(runtime, code.length);
        insns.put(0, code, 0, code.length);
        byte[] licenseName = "Apache-2.0\0".getBytes(StandardCharsets.US_ASCII);
        Pointer license = Memory.allocateDirect(runtime, licenseName.length);
        license.put(0, licenseName, 0, licenseName.length);
        Pointer log = Memory.allocateDirect(runtime, LOG_SIZE, true);
        Pointer load = Memory.allocateDirect(runtime, ATTR_SIZE, true);
        load.putInt(0, BPF_PROG_TYPE_CGROUP_DEVICE);
        load.putInt(4, code.length / 8);
        load.putAddress(8, insns.address());
        load.putAddress(16, license.address());
        load.putInt(24, 1);
        load.putInt(28, LOG_SIZE);
        load.putAddress(32, log.address());
        int program = (int) libc.syscall(bpfNumber(), BPF_PROG_LOAD, load, ATTR_SIZE);
        if (program < 0) {
            String verifier = log.getString(0, LOG_SIZE, StandardCharsets.UTF_8).strip();
            throw failure(cgroup, "loading the program", (verifier.isEmpty() ? "" : "; the verifier said: " + verifier)
                    + " (device rules on cgroup v2 need root and a kernel with CONFIG_CGROUP_BPF)");
        }
        int dir = -1;
        try {
            dir = libc.open(cgroup.toString(), O_RDONLY_DIRECTORY_CLOEXEC);
            if (dir < 0) {
                throw failure(cgroup, "opening the cgroup", "");
            }
            Pointer attach = Memory.allocateDirect(runtime, ATTR_SIZE, true);
            attach.putInt(0, dir);
            attach.putInt(4, program);
            attach.putInt(8, BPF_CGROUP_DEVICE);
            attach.putInt(12, BPF_F_ALLOW_MULTI);
            if (libc.syscall(bpfNumber(), BPF_PROG_ATTACH, attach, ATTR_SIZE) < 0) {
                throw failure(cgroup, "attaching the program", "");
            }
        } finally {
            // The attachment holds the program; it goes with the cgroup.
            libc.close(program);
            if (dir >= 0) {
                libc.close(dir);
            }
        }
    }

    private static ContainerBackendException failure(Path cgroup, String step, String detail) {
        return new ContainerBackendException("linux.resources.devices: the eBPF device filter for cgroup '" + cgroup
                + "': " + step + " failed: " + Libc.error() + detail, null, null);
    }

    private static long bpfNumber() {
        return switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 321;
            case "aarch64" -> 280;
            default -> throw new IllegalStateException("no bpf(2) syscall number known for "
                    + System.getProperty("os.arch"));
        };
    }
}
