package dev.stevedore.linux.seccomp;

import java.util.HexFormat;

/**
 * A compiled seccomp filter, ready for {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)}.
 *
 * @param filter the {@code struct sock_filter} array, 8 bytes per instruction
 * @param flags the {@code SECCOMP_FILTER_FLAG_*} bits
 */
public record SeccompProgram(byte[] filter, int flags) {

    public SeccompProgram {
        filter = filter.clone();
    }

    @Override
    public byte[] filter() {
        return filter.clone();
    }

    /** @return the number of BPF instructions */
    public int instructions() {
        return filter.length / 8;
    }

    /** @return the filter in hexadecimal, as the helper's plan carries it */
    public String hex() {
        return HexFormat.of().formatHex(filter);
    }
}
