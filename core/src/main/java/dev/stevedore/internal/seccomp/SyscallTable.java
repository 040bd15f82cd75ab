package dev.stevedore.internal.seccomp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * System call names and numbers of one architecture, from a resource generated once from the
 * kernel headers (each resource says how).
 */
public final class SyscallTable {

    private static final SyscallTable X86_64 = load("amd64", "SCMP_ARCH_X86_64", 0xC000003E, "syscalls-x86_64.txt");
    private static final SyscallTable AARCH64 = load("arm64", "SCMP_ARCH_AARCH64", 0xC00000B7, "syscalls-aarch64.txt");

    private final String arch;
    private final String seccompArch;
    private final int auditArch;
    private final Map<String, Integer> numbers;
    private final int highest;

    private SyscallTable(String arch, String seccompArch, int auditArch, Map<String, Integer> numbers) {
        this.arch = arch;
        this.seccompArch = seccompArch;
        this.auditArch = auditArch;
        this.numbers = Map.copyOf(numbers);
        this.highest = numbers.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    public static SyscallTable x86_64() {
        return X86_64;
    }

    public static SyscallTable aarch64() {
        return AARCH64;
    }

    /**
     * @return the table of the architecture this JVM runs on
     * @throws IllegalStateException on an architecture without a table
     */
    public static SyscallTable host() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> X86_64;
            case "aarch64", "arm64" -> AARCH64;
            default -> throw new IllegalStateException("seccomp filters are supported on x86_64 and aarch64, not on '"
                    + arch + "'");
        };
    }

    /** @return the architecture's name as Go and Docker spell it, such as {@code amd64} */
    public String arch() {
        return arch;
    }

    /** @return libseccomp's name of the architecture, such as {@code SCMP_ARCH_X86_64} */
    public String seccompArch() {
        return seccompArch;
    }

    /** @return the {@code AUDIT_ARCH_*} value the kernel puts in {@code seccomp_data.arch} */
    public int auditArch() {
        return auditArch;
    }

    /** @return whether calls with the x32 bit set are another ABI sharing this architecture value */
    public boolean hasX32Abi() {
        return this == X86_64;
    }

    /**
     * @param name a system call name such as {@code openat}
     * @return its number, or empty when this architecture has no such call
     */
    public OptionalInt number(String name) {
        Integer n = numbers.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    /** @return every call of the table by name */
    public Map<String, Integer> numbers() {
        return numbers;
    }

    /** @return the highest number in the table; calls above it are newer than the table */
    public int highest() {
        return highest;
    }

    private static SyscallTable load(String arch, String seccompArch, int auditArch, String resource) {
        Map<String, Integer> numbers = new HashMap<>();
        try (InputStream in = SyscallTable.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the stevedore jar");
            }
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split("\\s+");
                numbers.put(parts[0], Integer.parseInt(parts[1]));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
        return new SyscallTable(arch, seccompArch, auditArch, numbers);
    }
}
