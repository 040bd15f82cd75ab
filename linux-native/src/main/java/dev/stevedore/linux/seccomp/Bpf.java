package dev.stevedore.linux.seccomp;

import java.util.ArrayList;
import java.util.List;

/**
 * A classic BPF assembler for the few instructions a seccomp filter needs, with labels.
 * Conditional jumps reach at most 255 instructions ahead, so callers use them only for short
 * local branches and {@link #ja} (32-bit offset) for everything else.
 */
final class Bpf {
    static final int LD_W_ABS = 0x20;
    static final int ALU_AND_K = 0x54;
    static final int JA = 0x05;
    static final int JEQ_K = 0x15;
    static final int JGT_K = 0x25;
    static final int JGE_K = 0x35;
    static final int RET_K = 0x06;

    /** A position in the program, bound once. */
    static final class Label {
        private int position = -1;
    }

    private record Insn(int code, Label jt, Label jf, int k, Label target) {
    }

    private final List<Insn> insns = new ArrayList<>();

    Label label() {
        return new Label();
    }

    void bind(Label label) {
        if (label.position >= 0) {
            throw new IllegalStateException("label bound twice");
        }
        label.position = insns.size();
    }

    /** Loads the 32-bit word at {@code offset} of {@code struct seccomp_data}. */
    void load(int offset) {
        insns.add(new Insn(LD_W_ABS, null, null, offset, null));
    }

    void and(int mask) {
        insns.add(new Insn(ALU_AND_K, null, null, mask, null));
    }

    /** A conditional jump; a {@code null} label means the next instruction. */
    void jump(int code, int k, Label ifTrue, Label ifFalse) {
        insns.add(new Insn(code, ifTrue, ifFalse, k, null));
    }

    void ja(Label target) {
        insns.add(new Insn(JA, null, null, 0, target));
    }

    void ret(int value) {
        insns.add(new Insn(RET_K, null, null, value, null));
    }

    int size() {
        return insns.size();
    }

    /** @return the program as {@code struct sock_filter[]} in little-endian (x86_64's) byte order */
    byte[] assemble() {
        // Bytes written by hand rather than through a ByteBuffer, whose paths a fresh JVM interprets.
        byte[] out = new byte[insns.size() * 8];
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn insn = insns.get(pc);
            int k = insn.target() == null ? insn.k() : offset(pc, insn.target(), Integer.MAX_VALUE);
            int at = pc * 8;
            out[at] = (byte) insn.code();
            out[at + 1] = (byte) (insn.code() >>> 8);
            out[at + 2] = (byte) offset(pc, insn.jt(), 255);
            out[at + 3] = (byte) offset(pc, insn.jf(), 255);
            out[at + 4] = (byte) k;
            out[at + 5] = (byte) (k >>> 8);
            out[at + 6] = (byte) (k >>> 16);
            out[at + 7] = (byte) (k >>> 24);
        }
        return out;
    }

    private static int offset(int pc, Label label, int max) {
        if (label == null) {
            return 0;
        }
        if (label.position < 0) {
            throw new IllegalStateException("label never bound");
        }
        int offset = label.position - pc - 1;
        if (offset < 0 || offset > max) {
            throw new IllegalStateException("jump from " + pc + " to " + label.position + " out of range");
        }
        return offset;
    }
}
