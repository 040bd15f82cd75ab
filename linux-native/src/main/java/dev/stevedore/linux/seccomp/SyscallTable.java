package dev.stevedore.linux.seccomp;

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
 * kernel headers ({@code syscalls-x86_64.txt} says how).
 */
public final class SyscallTable {

    private static final SyscallTable X86_64 = load("amd64", "syscalls-x86_64.txt");

    private final String arch;
    private final Map<String, Integer> numbers;
    private final int highest;

    private SyscallTable(String arch, Map<String, Integer> numbers) {
        this.arch = arch;
        this.numbers = Map.copyOf(numbers);
        this.highest = numbers.values().stream().mapToInt(Integer::intValue).max().orElse(-1);
    }

    /** @return the table of x86_64, the only architecture the filter compiler supports so far */
    public static SyscallTable x86_64() {
        return X86_64;
    }

    /** @return the architecture's name as Go and Docker spell it, such as {@code amd64} */
    public String arch() {
        return arch;
    }

    /**
     * @param name a system call name such as {@code openat}
     * @return its number, or empty when this architecture has no such call
     */
    public OptionalInt number(String name) {
        Integer n = numbers.get(name);
        return n == null ? OptionalInt.empty() : OptionalInt.of(n);
    }

    Map<String, Integer> numbers() {
        return numbers;
    }

    /** @return the highest number in the table; calls above it are newer than the table */
    public int highest() {
        return highest;
    }

    private static SyscallTable load(String arch, String resource) {
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
        return new SyscallTable(arch, numbers);
    }
}
