package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Resources;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The cgroup hierarchies containers are placed in: the v2 unified hierarchy when it has the
 * memory and pids controllers, otherwise the v1 hierarchies of those controllers. Hosts differ
 * (this one has v1 controllers and a v2 mount holding only hugetlb), so it is read from
 * {@code /proc/self/mountinfo}, never assumed.
 */
final class Cgroups {

    static final Set<String> CONTROLLERS = Set.of("memory", "pids");

    /** Controllers used when the host has them; a limit on a missing one is refused naming it. */
    static final Set<String> OPTIONAL_CONTROLLERS = Set.of("cpu");

    /**
     * A hierarchy as a container sees it at {@code /sys/fs/cgroup/<name>} (the name is empty for a
     * unified hierarchy mounted at {@code /sys/fs/cgroup} itself).
     *
     * @param options for v1, the hierarchy's controllers as mount options, which must match exactly
     */
    record Hierarchy(String name, String type, String options) {
    }

    private final Path unified;
    private final Map<String, Path> v1;
    private final Map<Path, String> v1Options;
    private final String unavailableReason;

    private Cgroups(Path unified, Map<String, Path> v1, Map<Path, String> v1Options, String unavailableReason) {
        this.unified = unified;
        this.v1 = v1;
        this.v1Options = v1Options;
        this.unavailableReason = unavailableReason;
    }

    static Cgroups detect() {
        try {
            return detect(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new Cgroups(null, Map.of(), Map.of(), "cannot read /proc/self/mountinfo: " + e);
        }
    }

    /** @param mountinfo the lines of a {@code /proc/self/mountinfo} */
    static Cgroups detect(List<String> mountinfo) {
        Path v2 = null;
        Map<String, Path> v1 = new LinkedHashMap<>();
        Map<Path, String> v1Options = new LinkedHashMap<>();
        for (String line : mountinfo) {
            String[] fields = line.split(" ");
            int dash = List.of(fields).indexOf("-");
            if (dash < 0 || fields.length < dash + 4) {
                continue;
            }
            Path mountPoint = Path.of(fields[4].replace("\\040", " "));
            if (fields[dash + 1].equals("cgroup2") && v2 == null) {
                v2 = mountPoint;
            } else if (fields[dash + 1].equals("cgroup")) {
                List<String> options = new ArrayList<>(List.of(fields[dash + 3].split(",")));
                options.removeAll(List.of("rw", "ro"));
                for (String option : options) {
                    if ((CONTROLLERS.contains(option) || OPTIONAL_CONTROLLERS.contains(option))
                            && !v1.containsKey(option)) {
                        v1.put(option, mountPoint);
                        v1Options.put(mountPoint, String.join(",", options));
                    }
                }
            }
        }
        if (v2 != null && controllers(v2).containsAll(CONTROLLERS)) {
            return new Cgroups(v2, Map.of(), Map.of(), null);
        }
        List<String> missing = new ArrayList<>();
        for (String c : CONTROLLERS) {
            if (!v1.containsKey(c)) {
                missing.add(c);
            }
        }
        String reason = missing.isEmpty() ? null : "no cgroup hierarchy has the " + String.join(" and ", missing)
                + " controller" + (missing.size() > 1 ? "s" : "") + (v2 == null ? "" : " (the cgroup2 mount at '"
                + v2 + "' has only: " + String.join(" ", controllers(v2)) + ")");
        return new Cgroups(null, Map.copyOf(v1), Map.copyOf(v1Options), reason);
    }

    private static List<String> controllers(Path v2) {
        try {
            return List.of(Files.readString(v2.resolve("cgroup.controllers")).trim().split("\\s+"));
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * The hierarchies a container's {@code /sys/fs/cgroup} shows: only those it has its own cgroup
     * in, so that its cgroup namespace hides the host's tree.
     */
    List<Hierarchy> containerView() {
        if (unified != null) {
            return List.of(new Hierarchy("", "cgroup2", ""));
        }
        List<Hierarchy> view = new ArrayList<>();
        for (Path root : roots()) {
            view.add(new Hierarchy(root.getFileName().toString(), "cgroup", v1Options.get(root)));
        }
        return view;
    }

    String unavailableReason() {
        return unavailableReason;
    }

    boolean isUnified() {
        return unified != null;
    }

    /** @return the hierarchy roots used, one per distinct mount */
    List<Path> roots() {
        return unified != null ? List.of(unified) : v1.values().stream().distinct().toList();
    }

    /**
     * Creates a cgroup in every hierarchy used.
     *
     * @param relative the path below each hierarchy's root, such as {@code stevedore/ab12/7}
     * @return the {@code cgroup.procs} files to place a process in
     */
    List<Path> create(String relative) {
        List<Path> procs = new ArrayList<>();
        try {
            if (unified != null) {
                enableControllers(relative);
            }
            for (Path root : roots()) {
                Path dir = root.resolve(relative);
                Files.createDirectories(dir);
                procs.add(dir.resolve("cgroup.procs"));
            }
            return procs;
        } catch (IOException e) {
            remove(relative);
            throw new ContainerBackendException("cannot create cgroup '" + relative + "': " + e, null, e);
        }
    }

    /**
     * Applies a container's limits. Its helper sits in the cgroup as the container's parent, so
     * the pids limit gets one more slot for it.
     */
    void limit(String relative, Resources resources) {
        if (resources == null) {
            return;
        }
        try {
            if (resources.memory() != null && resources.memory().limit() != null) {
                write("memory", relative, unified != null ? "memory.max" : "memory.limit_in_bytes",
                        limit(resources.memory().limit()));
            }
            if (resources.cpu() != null && resources.cpu().quota() != null) {
                long period = resources.cpu().period() == null ? 100_000 : resources.cpu().period();
                long quota = resources.cpu().quota();
                if (unified != null && controllers(unified).contains("cpu")) {
                    write("cpu", relative, "cpu.max", (quota < 0 ? "max" : Long.toString(quota)) + " " + period);
                } else if (v1.containsKey("cpu")) {
                    write("cpu", relative, "cpu.cfs_period_us", Long.toString(period));
                    write("cpu", relative, "cpu.cfs_quota_us", Long.toString(quota));
                } else {
                    throw new IllegalArgumentException("linux.resources.cpu: this host has no cpu cgroup controller");
                }
            }
            if (resources.pids() != null && resources.pids().limit() != null) {
                long pids = resources.pids().limit();
                write("pids", relative, "pids.max", limit(pids < 0 ? pids : pids + 1));
            }
        } catch (IOException e) {
            throw new ContainerBackendException("cannot apply the limits of cgroup '" + relative + "': "
                    + e.getMessage(), null, e);
        }
    }

    /** cgroup v2 gives a child controllers only when every ancestor delegates them. */
    private void enableControllers(String relative) throws IOException {
        Path dir = unified;
        for (Path part : Path.of(relative)) {
            Files.writeString(dir.resolve("cgroup.subtree_control"),
                    controllers(unified).contains("cpu") ? "+memory +pids +cpu" : "+memory +pids");
            dir = dir.resolve(part.toString());
            Files.createDirectories(dir);
        }
    }

    private static String limit(long value) {
        return value < 0 ? "max" : Long.toString(value);
    }

    private void write(String controller, String relative, String file, String value) throws IOException {
        Path path = (unified != null ? unified : v1.get(controller)).resolve(relative).resolve(file);
        try {
            Files.writeString(path, value);
        } catch (IOException e) {
            throw new IOException("writing '" + value + "' to '" + path + "' failed: " + e.getMessage(), e);
        }
    }

    ContainerStats stats(String relative) {
        String memory = unified != null ? "memory.current" : "memory.usage_in_bytes";
        // Minus the helper, which is in the cgroup as the container's parent.
        long pids = Math.max(0, readLong("pids", relative, "pids.current") - 1);
        return new ContainerStats(readLong("memory", relative, memory), pids);
    }

    String read(String controller, String relative, String file) {
        Path path = (unified != null ? unified : v1.get(controller)).resolve(relative).resolve(file);
        try {
            return Files.readString(path).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + path + "'", e);
        }
    }

    private long readLong(String controller, String relative, String file) {
        String value = read(controller, relative, file);
        return value.equals("max") ? Long.MAX_VALUE : Long.parseLong(value);
    }

    /**
     * Kills what is left in the cgroup and its children, then removes them, deepest first.
     * Idempotent. A cgroup stays busy for a moment after its last process was killed, hence the retries.
     */
    void remove(String relative) {
        for (Path root : roots()) {
            Path top = root.resolve(relative);
            try {
                // The common case: the container's processes are gone and it has no child cgroups.
                Files.deleteIfExists(top);
                continue;
            } catch (IOException e) {
                // Busy or has children: kill and retry below.
            }
            for (int attempt = 0; ; attempt++) {
                List<Path> dirs;
                try (Stream<Path> walk = Files.walk(top)) {
                    dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
                } catch (NoSuchFileException e) {
                    break;
                } catch (IOException | UncheckedIOException e) {
                    throw new ContainerBackendException("cannot list cgroup '" + top + "': " + e, null, e);
                }
                boolean removed = true;
                for (Path dir : dirs) {
                    killAll(dir);
                    try {
                        Files.deleteIfExists(dir);
                    } catch (IOException e) {
                        removed = false;
                    }
                }
                if (removed) {
                    break;
                }
                if (attempt == 2000) {
                    throw new ContainerBackendException("cannot remove cgroup '" + top
                            + "': still busy after killing its processes for 2 s");
                }
                sleep();
            }
        }
    }

    private static void killAll(Path dir) {
        try {
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
            }
        } catch (IOException | NumberFormatException e) {
            // Gone already, or not a cgroup directory: removing it reports what matters.
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while removing a cgroup", null, e);
        }
    }
}
