package dev.stevedore.linux.seccomp;

import dev.stevedore.internal.seccomp.SyscallTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs a seccomp filter the way the kernel does, for the instructions a filter may contain, against
 * one {@code struct seccomp_data}; checks what the kernel's verifier checks (jumps forward and in
 * range, a return at the end of every path).
 */
final class BpfInterpreter {
    static final int AUDIT_ARCH_I386 = 0x40000003;

    private BpfInterpreter() {
    }

    static int run(byte[] filter, int nr, long... args) {
        return runArch(filter, SyscallTable.x86_64().auditArch(), nr, args);
    }

    static int runArch(byte[] filter, int arch, int nr, long... args) {
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(8, 0x401000L);
        for (int i = 0; i < args.length; i++) {
            data.putLong(16 + 8 * i, args[i]);
        }
        ByteBuffer prog = ByteBuffer.wrap(filter).order(ByteOrder.LITTLE_ENDIAN);
        int count = filter.length / 8;
        if (filter.length % 8 != 0 || count == 0 || count > 4096) {
            throw new AssertionError("bad filter length " + filter.length);
        }
        int a = 0;
        for (int pc = 0; pc < count; ) {
            int code = prog.getShort(pc * 8) & 0xffff;
            int jt = prog.get(pc * 8 + 2) & 0xff;
            int jf = prog.get(pc * 8 + 3) & 0xff;
            int k = prog.getInt(pc * 8 + 4);
            int next = pc + 1;
            switch (code) {
                case Bpf.LD_W_ABS -> {
                    if (k < 0 || k > 60 || k % 4 != 0) {
                        throw new AssertionError("load of offset " + k + " at " + pc);
                    }
                    a = data.getInt(k);
                }
                case Bpf.ALU_AND_K -> a &= k;
                case Bpf.JA -> next = pc + 1 + k;
                case Bpf.JEQ_K -> next += a == k ? jt : jf;
                case Bpf.JGT_K -> next += Integer.compareUnsigned(a, k) > 0 ? jt : jf;
                case Bpf.JGE_K -> next += Integer.compareUnsigned(a, k) >= 0 ? jt : jf;
                case Bpf.RET_K -> {
                    return k;
                }
                default -> throw new AssertionError("unexpected opcode " + code + " at " + pc);
            }
            if (next <= pc || next >= count) {
                throw new AssertionError("jump from " + pc + " to " + next + " outside the program");
            }
            pc = next;
        }
        throw new AssertionError("fell off the end of the filter");
    }
}
