package dev.stevedore.linux;

import dev.stevedore.spi.ContainerBackendException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cgroup hierarchies containers are placed in, found per controller: a controller bound to a
 * v1 hierarchy is used there, one enabled on the v2 unified hierarchy there. Hosts differ (this one
 * has v1 controllers and a v2 mount holding only hugetlb), so it is read from
 * {@code /proc/self/mountinfo}, never assumed.
 *
 * <p>Controllers are named as on v1 ({@code blkio}, {@code cpuacct}, {@code freezer}); on v2
 * {@code blkio} is {@code io}, and {@code cpuacct}, {@code freezer} and {@code devices} need no
 * controller (CPU time is in {@code cpu.stat}, freezing is {@code cgroup.freeze}, device rules are
 * eBPF programs).
 */
final class Cgroups {

    /** What every container gets: the limits Docker sets by default. */
    static final Set<String> REQUIRED = Set.of("memory", "pids");

    /**
     * Joined by every container when the host has them, so that stats (CPU time, I/O bytes) and
     * pause work without asking.
     */
    static final Set<String> DEFAULTS = Set.of("memory", "pids", "cpuacct", "blkio", "freezer");

    /** v1 controller name to the v2 one; empty where v2 needs no controller. */
    private static final Map<String, String> V2_NAMES = Map.ofEntries(Map.entry("memory", "memory"),
            Map.entry("pids", "pids"), Map.entry("cpu", "cpu"), Map.entry("cpuacct", ""),
            Map.entry("cpuset", "cpuset"), Map.entry("blkio", "io"), Map.entry("hugetlb", "hugetlb"),
            Map.entry("rdma", "rdma"), Map.entry("misc", "misc"), Map.entry("freezer", ""), Map.entry("devices", ""),
            Map.entry("cgroup", ""));

    /**
     * A hierarchy as a container sees it at {@code /sys/fs/cgroup/<name>} (the name is empty for a
     * unified hierarchy mounted at {@code /sys/fs/cgroup} itself).
     *
     * @param options for v1, the hierarchy's controllers as mount options, which must match exactly
     */
    record Hierarchy(String name, String type, String options) {
    }

    private final Path unified;
    private final Set<String> unifiedControllers;
    private final Map<String, Path> v1;
    private final Map<Path, String> v1Options;
    private final String unavailableReason;
    /**
     * The directories above containers' cgroups known to exist, with what {@link #ensureParents}
     * set up in them: the v2 controllers enabled for children (empty on v1).
     */
    private final Map<Path, Set<String>> parents = new ConcurrentHashMap<>();
    /** {@link #controllersFor} by the controllers settings need. */
    private final Map<Set<String>, Set<String>> joined = new ConcurrentHashMap<>();
    /** {@link #roots(Set)} by controllers. */
    private final Map<Set<String>, List<Path>> rootsOf = new ConcurrentHashMap<>();

    /** Merges what two set-ups of a directory delegated (a class: a lambda is made at run time, in the first container's time). */
    private static final java.util.function.BiFunction<Set<String>, Set<String>, Set<String>> UNION =
            new java.util.function.BiFunction<>() {
                @Override
                public Set<String> apply(Set<String> a, Set<String> b) {
                    Set<String> union = new java.util.TreeSet<>(a);
                    union.addAll(b);
                    return Set.copyOf(union);
                }
            };

    /** The controllers a v1 mount may carry; its other options (noprefix, xattr...) are not controllers. */
    private static final Set<String> V1_CONTROLLERS = Set.of("cpu", "cpuacct", "cpuset", "memory", "devices",
            "freezer", "net_cls", "net_prio", "blkio", "perf_event", "hugetlb", "pids", "rdma", "misc");

    private Cgroups(Path unified, Set<String> unifiedControllers, Map<String, Path> v1, Map<Path, String> v1Options,
            String failure) {
        this.unified = unified;
        this.unifiedControllers = unifiedControllers;
        this.v1 = v1;
        this.v1Options = v1Options;
        // Loops rather than streams and lambdas in this class: it is on the first container's path, where
        // each lambda is a class made at run time.
        List<String> missing = new ArrayList<>();
        for (String c : new java.util.TreeSet<>(REQUIRED)) {
            if (!has(c)) {
                missing.add(c);
            }
        }
        this.unavailableReason = failure != null ? failure : missing.isEmpty() ? null : "no cgroup hierarchy has the "
                + String.join(" and ", missing) + " controller" + (missing.size() > 1 ? "s" : "")
                + (unified == null ? "" : " (the cgroup2 mount at '" + unified + "' has only: "
                + String.join(" ", unifiedControllers) + ")");
    }

    static Cgroups detect() {
        try {
            return detect(Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            return new Cgroups(null, Set.of(), Map.of(), Map.of(), "cannot read /proc/self/mountinfo: " + e);
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
                    if (V1_CONTROLLERS.contains(option) && !v1.containsKey(option)) {
                        v1.put(option, mountPoint);
                        v1Options.put(mountPoint, String.join(",", options));
                    }
                }
            }
        }
        return new Cgroups(v2, v2 == null ? Set.of() : controllers(v2), Map.copyOf(v1), Map.copyOf(v1Options), null);
    }

    private static Set<String> controllers(Path v2) {
        try {
            // Split by hand: a regex costs a fresh JVM a millisecond as the backend is looked up.
            Set<String> names = new LinkedHashSet<>();
            java.util.StringTokenizer words = new java.util.StringTokenizer(
                    Files.readString(v2.resolve("cgroup.controllers")));
            while (words.hasMoreTokens()) {
                names.add(words.nextToken());
            }
            return names;
        } catch (IOException e) {
            return Set.of();
        }
    }

    String unavailableReason() {
        return unavailableReason;
    }

    /** @return whether some hierarchy offers the controller (v1 name) */
    boolean has(String controller) {
        return v1.containsKey(controller) || isV2(controller);
    }

    /** @return whether the controller (v1 name) is served by the v2 hierarchy */
    boolean isV2(String controller) {
        if (v1.containsKey(controller) || unified == null) {
            return false;
        }
        String name = V2_NAMES.get(controller);
        return name != null && (name.isEmpty() || unifiedControllers.contains(name));
    }

    /** @return the controllers of {@code wanted} this host has, always including the required ones */
    Set<String> available(Set<String> wanted) {
        Set<String> result = new java.util.TreeSet<>(REQUIRED);
        for (String c : wanted) {
            if (has(c)) {
                result.add(c);
            }
        }
        return result;
    }

    private Path root(String controller) {
        Path root = v1.get(controller);
        if (root == null && isV2(controller)) {
            root = unified;
        }
        if (root == null) {
            throw new IllegalStateException("no cgroup hierarchy has the " + controller + " controller");
        }
        return root;
    }

    /** @return the directory of a cgroup in the hierarchy of a controller */
    Path dir(String controller, String relative) {
        return root(controller).resolve(relative);
    }

    /**
     * The hierarchies a container's {@code /sys/fs/cgroup} shows: only those it has its own cgroup
     * in, so that its cgroup namespace hides the host's tree.
     */
    List<Hierarchy> containerView(Set<String> controllers) {
        List<Hierarchy> view = new ArrayList<>();
        for (Path root : roots(controllers)) {
            if (root.equals(unified)) {
                boolean alone = v1.isEmpty();
                view.add(new Hierarchy(alone ? "" : root.getFileName().toString(), "cgroup2", ""));
            } else {
                view.add(new Hierarchy(root.getFileName().toString(), "cgroup", v1Options.get(root)));
            }
        }
        return view;
    }

    /** @return every hierarchy root this host has, one per distinct mount */
    List<Path> roots() {
        Set<Path> roots = new LinkedHashSet<>(v1.values());
        if (unified != null) {
            roots.add(unified);
        }
        return new ArrayList<>(roots);
    }

    /**
     * @param settings what a container's resources need
     * @return the controllers a container joins: the defaults this host has (so stats and pause
     *     always work) and those its settings write to
     */
    Set<String> controllersFor(CgroupSettings settings) {
        return controllersFor(settings.controllers());
    }

    /**
     * @param needed the controllers a container's settings write to
     * @return the controllers that container joins, as {@link #controllersFor(CgroupSettings)}
     */
    Set<String> controllersFor(Set<String> needed) {
        // Asked for every container, with the few sets of controllers its settings need.
        Set<String> result = joined.get(needed);
        if (result == null) {
            Set<String> wanted = new java.util.TreeSet<>(DEFAULTS);
            wanted.addAll(needed);
            result = java.util.Collections.unmodifiableSet(available(wanted));
            Set<String> raced = joined.putIfAbsent(needed, result);
            result = raced == null ? result : raced;
        }
        return result;
    }

    /** @return the hierarchy roots that hold the given controllers */
    List<Path> roots(Set<String> controllers) {
        List<Path> roots = rootsOf.get(controllers);
        if (roots == null) {
            Set<Path> distinct = new java.util.LinkedHashSet<>();
            for (String c : controllers) {
                distinct.add(root(c));
            }
            roots = List.copyOf(distinct);
            rootsOf.put(Set.copyOf(controllers), roots);
        }
        return roots;
    }

    /**
     * Moves a process back to the root of each hierarchy of {@code from} that none of {@code to}
     * is in, so that it leaves a cgroup {@linkplain #create created} with {@code from} once it has
     * joined one created with {@code to}.
     */
    void leave(long pid, Set<String> from, Set<String> to) throws IOException {
        List<Path> kept = roots(to);
        for (Path root : roots(from)) {
            if (!kept.contains(root)) {
                Files.writeString(root.resolve("cgroup.procs"), Long.toString(pid));
            }
        }
    }

    /**
     * Creates a cgroup in the hierarchy of every given controller. Its parents are made (and set up
     * to hand controllers and CPUs down) the first time this instance needs them; after that only
     * the cgroup itself is made, as a container start is on the caller's path.
     *
     * @param relative the path below each hierarchy's root, such as {@code stevedore/ab12/7}
     * @param controllers v1 controller names, each of which {@link #has} must allow
     * @return the {@code cgroup.procs} files to place a process in
     */
    List<Path> create(String relative, Set<String> controllers) {
        List<Path> procs = new ArrayList<>();
        try {
            for (Path root : roots(controllers)) {
                Path dir = root.resolve(relative);
                try {
                    makeLeaf(root, dir, controllers);
                } catch (NoSuchFileException e) {
                    // A parent this instance made was removed meanwhile (a runtime closing): make it again.
                    forget(root);
                    makeLeaf(root, dir, controllers);
                }
                procs.add(dir.resolve("cgroup.procs"));
            }
            return procs;
        } catch (IOException e) {
            remove(relative, controllers);
            throw new ContainerBackendException("cannot create cgroup '" + relative + "': " + e, null, e);
        }
    }

    private void makeLeaf(Path root, Path dir, Set<String> controllers) throws IOException {
        ensureParents(root, dir.getParent(), controllers);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            // Left by an earlier run under the same name: use it, as it is set up like a new one.
            if (root.equals(v1.get("cpuset"))) {
                inheritCpuset(dir);
            }
        }
    }

    /** Makes every directory from the root down to {@code parent}, each set up for children. */
    private void ensureParents(Path root, Path parent, Set<String> controllers) throws IOException {
        boolean unifiedRoot = root.equals(unified);
        Set<String> delegated = unifiedRoot ? v2Names(controllers) : Set.of();
        Set<String> known = parents.get(parent);
        if (known != null && known.containsAll(delegated)) {
            return;
        }
        List<Path> chain = new ArrayList<>();
        for (Path d = parent; d.startsWith(root); d = d.getParent()) {
            chain.add(0, d);
            if (d.equals(root)) {
                break;
            }
        }
        for (Path d : chain) {
            Set<String> done = parents.get(d);
            if (done != null && done.containsAll(delegated)) {
                continue;
            }
            if (!d.equals(root)) {
                Files.createDirectories(d);
            }
            if (unifiedRoot) {
                enableV2(d, delegated);
            } else if (root.equals(v1.get("cpuset")) && !d.equals(root)) {
                // A v1 cpuset cgroup starts with no CPUs, which no process may join, unless its parent says
                // to clone its own: from here down, the kernel copies them into every new child. (The
                // host's root keeps its flag.)
                inheritCpuset(d);
                Files.writeString(d.resolve("cgroup.clone_children"), "1");
            }
            parents.merge(d, delegated, UNION);
        }
    }

    /** Forgets what was made at and below a directory, after it was removed. */
    private void forget(Path dir) {
        for (java.util.Iterator<Path> it = parents.keySet().iterator(); it.hasNext();) {
            if (it.next().startsWith(dir)) {
                it.remove();
            }
        }
    }

    /** @return the v2 names of the controllers on the v2 hierarchy that have a v2 controller, sorted */
    private Set<String> v2Names(Set<String> controllers) {
        Set<String> names = new java.util.TreeSet<>();
        for (String c : controllers) {
            String name = V2_NAMES.get(c);
            if (isV2(c) && !name.isEmpty()) {
                names.add(name);
            }
        }
        return java.util.Collections.unmodifiableSet(names);
    }

    /** cgroup v2 gives a child controllers only when every ancestor delegates them. */
    private static void enableV2(Path dir, Set<String> names) throws IOException {
        if (!names.isEmpty()) {
            StringBuilder enable = new StringBuilder();
            for (String name : names) {
                enable.append(enable.length() == 0 ? "+" : " +").append(name);
            }
            Files.writeString(dir.resolve("cgroup.subtree_control"), enable);
        }
    }

    /** A v1 cpuset cgroup made without the parent's clone flag has no CPUs and memory nodes: copy the parent's. */
    private static void inheritCpuset(Path dir) throws IOException {
        for (String file : List.of("cpuset.cpus", "cpuset.mems")) {
            Path path = dir.resolve(file);
            if (Files.exists(path) && Files.readString(path).isBlank()) {
                Files.writeString(path, Files.readString(dir.getParent().resolve(file)).trim());
            }
        }
    }

    /**
     * Writes settings in order, then attaches the device filter a cgroup on v2 has instead of
     * device files. Writes in a row to one file (device rules, one per write) share one open.
     *
     * @throws IllegalArgumentException when the host lacks a file a setting needs, naming the setting
     * @throws ContainerBackendException when the kernel refuses a value
     */
    void apply(String relative, CgroupSettings settings) {
        CgroupSettings.Write previous = null;
        Path path = null;
        FileChannel open = null;
        Path opened = null;
        try {
            for (CgroupSettings.Write w : settings.writes()) {
                Path dir = dir(w.controller(), relative);
                if (previous == null || !previous.controller().equals(w.controller())
                        || !previous.files().equals(w.files())) {
                    path = file(dir, w);
                }
                previous = w;
                try {
                    if (path.getFileName().toString().equals(RT_RUNTIME) && !isV2("cpu")) {
                        reserveRealtime(relative, Long.parseLong(w.value()), realtimePeriod(dir));
                    }
                    if (!path.equals(opened)) {
                        closeQuietly(open);
                        open = null;
                        open = FileChannel.open(path, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                        opened = path;
                    }
                    // One value per write(2): the kernel takes each write as a whole setting.
                    ByteBuffer value = ByteBuffer.wrap(w.value().getBytes(StandardCharsets.UTF_8));
                    while (value.hasRemaining()) {
                        open.write(value);
                    }
                } catch (IOException e) {
                    throw new ContainerBackendException(w.field() + ": writing '" + w.value() + "' to '" + path
                            + "' failed: " + e.getMessage() + (w.hint().isEmpty() ? "" : " (" + w.hint() + ")"),
                            null, e);
                }
            }
        } finally {
            closeQuietly(open);
        }
        if (settings.devices() != null) {
            settings.devices().attach(dir("devices", relative));
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // A cgroup file keeps nothing to flush: every write was taken or refused when made.
            }
        }
    }

    /** @return the file of the cgroup directory a write goes to */
    private Path file(Path dir, CgroupSettings.Write w) {
        Path path = existing(dir, w.files());
        if (path == null && isV2(w.controller()) && parents.containsKey(dir.getParent())) {
            // Delegated once per runtime: a controller taken off the v2 hierarchy and given back since
            // is delegated again.
            try {
                forget(unified);
                ensureParents(unified, dir.getParent(), Set.of(w.controller()));
            } catch (IOException e) {
                throw new ContainerBackendException(w.field() + ": cannot delegate the " + w.controller()
                        + " controller to '" + dir + "': " + e, null, e);
            }
            path = existing(dir, w.files());
        }
        if (path == null) {
            throw new IllegalArgumentException(w.field() + ": this host cannot apply it: the " + w.controller()
                    + " cgroup '" + dir + "' has no " + String.join(" nor ", w.files())
                    + (w.hint().isEmpty() ? "" : " (" + w.hint() + ")"));
        }
        return path;
    }

    /** @return the first of the files that exists in the directory, or null */
    private static Path existing(Path dir, List<String> files) {
        for (String file : files) {
            Path path = dir.resolve(file);
            if (Files.exists(path)) {
                return path;
            }
        }
        return null;
    }

    private static final String RT_RUNTIME = "cpu.rt_runtime_us";

    /**
     * A v1 cgroup gets real-time CPU time only out of its parent's budget, which is 0 for a new
     * cgroup: each ancestor below the root gets the container's share added (as a share of its own
     * period), top-down. {@link #remove} gives it back.
     */
    private synchronized void reserveRealtime(String relative, long runtime, long period) throws IOException {
        List<Path> ancestors = ancestors(v1.get("cpu"), relative);
        List<Path> raised = new ArrayList<>();
        try {
            for (Path a : ancestors) {
                adjustRealtime(a, share(runtime, period, a));
                raised.add(a);
            }
        } catch (IOException e) {
            java.util.Collections.reverse(raised);
            for (Path a : raised) {
                adjustRealtime(a, -share(runtime, period, a));
            }
            throw e;
        }
    }

    /**
     * Gives the real-time budget of a removed cgroup back, bottom-up. The kernel forgets a removed
     * cgroup's budget only after an RCU grace period, so lowering a parent is retried meanwhile.
     */
    private synchronized void releaseRealtime(Path root, String relative, long runtime, long period) {
        List<Path> ancestors = new ArrayList<>(ancestors(root, relative));
        java.util.Collections.reverse(ancestors);
        for (Path a : ancestors) {
            for (int attempt = 0; ; attempt++) {
                try {
                    adjustRealtime(a, -share(runtime, period, a));
                    break;
                } catch (NoSuchFileException e) {
                    return;
                } catch (IOException e) {
                    if (attempt == 1000) {
                        throw new ContainerBackendException("cannot give the real-time budget of cgroup '" + relative
                                + "' back to '" + a + "': " + e, null, e);
                    }
                    sleep();
                }
            }
        }
    }

    private static List<Path> ancestors(Path root, String relative) {
        List<Path> ancestors = new ArrayList<>();
        Path dir = root;
        Path rel = Path.of(relative);
        for (int i = 0; i < rel.getNameCount() - 1; i++) {
            dir = dir.resolve(rel.getName(i).toString());
            ancestors.add(dir);
        }
        return ancestors;
    }

    private static long share(long runtime, long period, Path ancestor) throws IOException {
        return -Math.floorDiv(-runtime * realtimePeriod(ancestor), period);
    }

    private static long realtimePeriod(Path dir) throws IOException {
        return Long.parseLong(Files.readString(dir.resolve("cpu.rt_period_us")).trim());
    }

    private static void adjustRealtime(Path dir, long delta) throws IOException {
        Path file = dir.resolve(RT_RUNTIME);
        long now = Long.parseLong(Files.readString(file).trim());
        Files.writeString(file, Long.toString(Math.max(0, now + delta)));
    }

    String read(String controller, String relative, String file) {
        Path path = dir(controller, relative).resolve(file);
        try {
            return Files.readString(path).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + path + "'", e);
        }
    }

    /** Freezes (or thaws) every process of the cgroup and waits until the kernel says it is done. */
    void freeze(String relative, boolean frozen) {
        boolean v2 = isV2("freezer");
        Path dir = dir("freezer", relative);
        Path control = dir.resolve(v2 ? "cgroup.freeze" : "freezer.state");
        try {
            Files.writeString(control, v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED"));
            for (int attempt = 0; ; attempt++) {
                String state = v2 ? Files.readString(dir.resolve("cgroup.events")) : Files.readString(control).trim();
                boolean done = v2 ? state.contains("frozen " + (frozen ? 1 : 0))
                        : state.equals(frozen ? "FROZEN" : "THAWED");
                if (done) {
                    return;
                }
                if (attempt == 5000) {
                    throw new ContainerBackendException("cgroup '" + dir + "' is still '" + state.trim()
                            + "' 5 s after asking to " + (frozen ? "freeze" : "thaw") + " it");
                }
                sleep();
            }
        } catch (IOException e) {
            throw new ContainerBackendException("cannot " + (frozen ? "freeze" : "thaw") + " cgroup '" + dir + "': "
                    + e, null, e);
        }
    }

    /**
     * Kills what is left in the cgroup and its children, then removes them, deepest first, in every
     * hierarchy. Idempotent. A cgroup stays busy for a moment after its last process was killed,
     * hence the retries.
     */
    void remove(String relative) {
        remove(relative, roots());
    }

    /**
     * As {@link #remove(String)}, in the hierarchies of the controllers the cgroup was
     * {@linkplain #create created} with only.
     */
    void remove(String relative, Set<String> controllers) {
        remove(relative, roots(controllers));
    }

    private void remove(String relative, List<Path> roots) {
        for (Path root : roots) {
            Path top = root.resolve(relative);
            long[] realtime = root.equals(v1.get("cpu")) ? realtime(top) : null;
            // Every directory between a known one and the root is known too: a container's own cgroup never is.
            if (parents.containsKey(top)) {
                forget(top);
            }
            removeTree(top);
            if (realtime != null) {
                releaseRealtime(root, relative, realtime[0], realtime[1]);
            }
        }
    }

    /** @return the real-time runtime and period of a v1 cpu cgroup when it has a budget, else null */
    private static long[] realtime(Path dir) {
        try {
            long runtime = Long.parseLong(Files.readString(dir.resolve(RT_RUNTIME)).trim());
            return runtime > 0 ? new long[] {runtime, realtimePeriod(dir)} : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /**
     * Removes a cgroup, its processes killed first, and the cgroups below it, each after those below it. A
     * directory is listed only when its processes are gone and it is still busy (it has children): a
     * container's cgroup has none but dozens of files, and its helper's child may take a moment to die.
     */
    private void removeTree(Path top) {
        for (int attempt = 0; ; attempt++) {
            try {
                // The common case: the container's processes are gone and it has no child cgroups.
                Files.deleteIfExists(top);
                return;
            } catch (IOException e) {
                // Busy (processes left) or has children: kill, or remove the children, and retry.
            }
            if (attempt == 2000) {
                throw new ContainerBackendException("cannot remove cgroup '" + top
                        + "': still busy after killing its processes for 2 s");
            }
            if (!killAll(top)) {
                List<Path> children;
                try {
                    children = subdirectories(top);
                } catch (NoSuchFileException e) {
                    return;
                } catch (IOException e) {
                    throw new ContainerBackendException("cannot list cgroup '" + top + "': " + e, null, e);
                }
                for (Path child : children) {
                    removeTree(child);
                }
                if (!children.isEmpty()) {
                    continue;
                }
            }
            sleep();
        }
    }

    /**
     * Listed by hand rather than with {@code Files.walk} or {@code Files.list}: it runs as a fresh JVM's first
     * runtime closes, where a stream pipeline and its lambdas are dozens of classes to load.
     *
     * @return the directories in {@code dir}
     */
    private static List<Path> subdirectories(Path dir) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    dirs.add(entry);
                }
            }
        }
        return dirs;
    }

    /**
     * Frozen processes die only once thawed, so a paused container's cgroup is thawed first.
     *
     * @return whether the cgroup had processes
     */
    private static boolean killAll(Path dir) {
        boolean found = false;
        try {
            if (Files.exists(dir.resolve("freezer.state"))) {
                Files.writeString(dir.resolve("freezer.state"), "THAWED");
            }
            if (Files.exists(dir.resolve("cgroup.freeze"))) {
                Files.writeString(dir.resolve("cgroup.freeze"), "0");
            }
            for (String pid : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                found = true;
                java.util.Optional<ProcessHandle> process = ProcessHandle.of(Long.parseLong(pid.trim()));
                if (process.isPresent()) {
                    process.get().destroyForcibly();
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Gone already, or not a cgroup directory: removing it reports what matters.
        }
        return found;
    }

    private static void sleep() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while waiting for a cgroup", null, e);
        }
    }
}
