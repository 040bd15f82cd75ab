package dev.stevedore.internal.seccomp;

import java.io.IOException;
import java.io.InputStream;
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

    private static final int AUDIT_ARCH_X86_64 = 0xC000003E;

    /** Each table in a holder of its own: a container needs its host's only. */
    private static final class X86 {
        static final SyscallTable TABLE = load("amd64", "SCMP_ARCH_X86_64", AUDIT_ARCH_X86_64, "syscalls-x86_64.txt");
    }

    private static final class Arm {
        static final SyscallTable TABLE = load("arm64", "SCMP_ARCH_AARCH64", 0xC00000B7, "syscalls-aarch64.txt");
    }

    private final String arch;
    private final String seccompArch;
    private final int auditArch;
    private final Map<String, Integer> numbers;
    private final int highest;

    private SyscallTable(String arch, String seccompArch, int auditArch, Map<String, Integer> numbers, int highest) {
        this.arch = arch;
        this.seccompArch = seccompArch;
        this.auditArch = auditArch;
        this.numbers = Map.copyOf(numbers);
        this.highest = highest;
    }

    public static SyscallTable x86_64() {
        return X86.TABLE;
    }

    public static SyscallTable aarch64() {
        return Arm.TABLE;
    }

    /**
     * @return the table of the architecture this JVM runs on
     * @throws IllegalStateException on an architecture without a table
     */
    public static SyscallTable host() {
        String arch = System.getProperty("os.arch");
        return switch (arch) {
            case "amd64", "x86_64" -> X86.TABLE;
            case "aarch64", "arm64" -> Arm.TABLE;
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
        return auditArch == AUDIT_ARCH_X86_64;
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

    /**
     * A resource of this package, asked of the module (the class path, for an unnamed one) rather than of a
     * class: a class asks the JDK's loaders first, which look for it in every module of the image, about 2 ms
     * of a fresh JVM's first container.
     *
     * @param name the resource's name in this package
     * @return its content, or null when it is missing
     * @throws IOException when it cannot be opened
     */
    static InputStream resource(String name) throws IOException {
        return SyscallTable.class.getModule().getResourceAsStream(
                SyscallTable.class.getPackageName().replace('.', '/') + "/" + name);
    }

    private static SyscallTable load(String arch, String seccompArch, int auditArch, String resource) {
        Map<String, Integer> numbers = new HashMap<>(512);
        int highest = -1;
        try (InputStream in = resource(resource)) {
            if (in == null) {
                throw new IllegalStateException("resource " + resource + " is missing from the stevedore jar");
            }
            // Parsed by hand: a regular expression per line was most of what loading the table cost in a
            // fresh JVM, where the first container waits for it.
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int lineNumber = 0;
            for (int start = 0; start < text.length(); ) {
                int end = text.indexOf('\n', start);
                if (end < 0) {
                    end = text.length();
                }
                lineNumber++;
                String line = text.substring(start, end).strip();
                start = end + 1;
                if (line.isEmpty() || line.charAt(0) == '#') {
                    continue;
                }
                int space = line.indexOf(' ');
                int number;
                try {
                    number = space < 0 ? -1 : Integer.parseInt(line.substring(space + 1).strip());
                } catch (NumberFormatException e) {
                    number = -1;
                }
                if (number < 0) {
                    throw new IllegalStateException("resource " + resource + " line " + lineNumber
                            + " is not a system call name and number: '" + line + "'");
                }
                numbers.put(line.substring(0, space), number);
                highest = Math.max(highest, number);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + resource, e);
        }
        return new SyscallTable(arch, seccompArch, auditArch, numbers, highest);
    }
}
