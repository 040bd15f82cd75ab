package dev.stevedore.linux;

import static dev.stevedore.linux.Kernel.*;

import dev.stevedore.internal.seccomp.DefaultSeccomp;
import dev.stevedore.linux.seccomp.SeccompCompiler;
import dev.stevedore.linux.seccomp.SeccompProgram;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Seccomp;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.RootfsMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a runtime-spec configuration into the helper's plan. All policy lives here: validation,
 * defaults (Docker's capabilities, the standard devices in a tmpfs {@code /dev}), the order of
 * operations and the translation of mount options to flags.
 */
final class Planner {

    /** Docker's default capabilities, used when the process does not list any. */
    static final List<String> DEFAULT_CAPABILITIES = DefaultSeccomp.DOCKER_CAPABILITIES;

    /** The PATH searched when the process's environment has none, as Docker sets it. */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private static final int DEFAULT_UMASK = 0022;


    /** The capabilities a container process can have: this process's bounding set, which the helper inherits. */
    private static final long GRANTABLE = Kernel.boundingSet();

    /** The helper's table of detached mounts (MAX_TREES in helper.c). */
    private static final int MAX_BIND_MOUNTS = 256;

    /** Joining order when entering an existing container, as runc's nsexec does (mnt last). */
    private static final List<NamespaceType> JOIN_ORDER = List.of(NamespaceType.USER, NamespaceType.IPC,
            NamespaceType.UTS, NamespaceType.NETWORK, NamespaceType.CGROUP, NamespaceType.TIME, NamespaceType.MOUNT);

    /** Devices runc creates in a container's tmpfs /dev: name, major, minor. */
    private static final List<long[]> DEFAULT_DEVICES = List.of(
            new long[] {1, 3}, new long[] {1, 5}, new long[] {1, 7}, new long[] {1, 8}, new long[] {1, 9},
            new long[] {5, 0});
    private static final List<String> DEFAULT_DEVICE_NAMES = List.of("null", "zero", "full", "random", "urandom", "tty");

    private Planner() {
    }

    /**
     * The plan that creates a container and executes its process after the go-ahead.
     *
     * @param spec the configuration; {@code root.path} must be absolute
     * @param rootfs snapshotter mounts assembling the root filesystem at {@code root.path}
     * @param cgroupProcs the {@code cgroup.procs} files the helper joins before it clones (empty when
     *     it is in the container's cgroups already); the helper is counted in them
     * @param etcFiles host files bind-mounted at container paths (such as {@code /etc/hosts}) unless a
     *     spec mount already targets that path
     */
    static Plan create(Spec spec, List<RootfsMount> rootfs, List<Path> cgroupProcs, Map<String, Path> etcFiles) {
        return create(spec, rootfs, cgroupProcs, etcFiles, List.of());
    }

    /**
     * @param cgroupView the hierarchies a {@code cgroup} mount shows, see {@link Cgroups#containerView()}
     */
    static Plan create(Spec spec, List<RootfsMount> rootfs, List<Path> cgroupProcs, Map<String, Path> etcFiles,
            List<Cgroups.Hierarchy> cgroupView) {
        return create("container", spec, rootfs, cgroupProcs, etcFiles, cgroupView);
    }

    /** @param id the container's id, for the state its hooks are given */
    static Plan create(String id, Spec spec, List<RootfsMount> rootfs, List<Path> cgroupProcs,
            Map<String, Path> etcFiles, List<Cgroups.Hierarchy> cgroupView) {
        return create(id, spec, rootfs, cgroupProcs, etcFiles, cgroupView, null, false);
    }

    /**
     * @param consoleSocket where the master of the container's terminal is sent when {@code process.terminal}
     *     is true (runc's {@code --console-socket}); null refuses a terminal
     * @param commandLine for the runc-style command line, which differs from the library in two ways: a
     *     configuration without a mount namespace runs in the runtime's, as config-linux.md asks of a namespace
     *     type left out (the root filesystem and the mounts are set up there, the caller unmounts the root
     *     filesystem's tree at delete, the process is chrooted), where the library refuses it; and a program
     *     that cannot be found fails create, as with runc, where the library's start fails with status 127
     */
    static Plan create(String id, Spec spec, List<RootfsMount> rootfs, List<Path> cgroupProcs,
            Map<String, Path> etcFiles, List<Cgroups.Hierarchy> cgroupView, Path consoleSocket, boolean commandLine) {
        SpecChecks.check(spec);
        // config.md: process is REQUIRED when start is called; the command line creates without one, and
        // refuses the start (the helper would fail after the go-ahead, having no exec operation).
        Process process = commandLine && spec.process() == null ? null : requireProcess(spec, consoleSocket);
        Linux linux = spec.linux() == null ? Linux.of(null) : spec.linux();
        String root = spec.root().path();
        if (!root.startsWith("/")) {
            throw new IllegalArgumentException("root.path '" + root + "' must be absolute");
        }
        Map<NamespaceType, Namespace> namespaces = new LinkedHashMap<>();
        for (Namespace ns : linux.namespaces()) {
            namespaces.put(ns.type(), ns);
        }
        boolean newUser = isNew(namespaces, NamespaceType.USER);
        boolean mapped = !linux.uidMappings().isEmpty() || !linux.gidMappings().isEmpty();
        if (mapped && !newUser) {
            throw new IllegalArgumentException("linux.uidMappings: mappings need a new user namespace "
                    + "(a user entry without path in linux.namespaces)");
        }
        if (newUser && (linux.uidMappings().isEmpty() || linux.gidMappings().isEmpty())) {
            throw new IllegalArgumentException("linux." + (linux.uidMappings().isEmpty() ? "uidMappings" : "gidMappings")
                    + ": a new user namespace needs both uid and gid mappings, or its processes have no ids");
        }
        if (namespaces.containsKey(NamespaceType.TIME)) {
            throw new IllegalArgumentException("linux.namespaces: time namespaces are not supported");
        }
        boolean ownMounts = namespaces.containsKey(NamespaceType.MOUNT);
        if (!ownMounts && !commandLine) {
            throw new IllegalArgumentException("linux.namespaces: a container needs a mount namespace, new or joined "
                    + "(without one its mounts would be made in the host's and outlive it)");
        }
        // A joined uts namespace takes the names too, as runc does: the configuration asked for both.
        boolean ownUts = namespaces.containsKey(NamespaceType.UTS);
        if (spec.hostname() != null && !ownUts) {
            throw new IllegalArgumentException("hostname: setting it needs a uts namespace, or it would rename the host");
        }
        if (spec.domainname() != null && !ownUts) {
            throw new IllegalArgumentException("domainname: setting it needs a uts namespace, or it would rename the host");
        }

        Plan plan = new Plan();
        Namespace pid = namespaces.get(NamespaceType.PID);
        if (pid != null && pid.path() != null) {
            plan.add(Op.SETNS_PID, pid.path());
        }
        long flags = 0;
        for (Namespace ns : namespaces.values()) {
            if (ns.path() == null && ns.type() != NamespaceType.CGROUP) {
                flags |= cloneFlag(ns.type());
            }
        }
        for (Path procs : cgroupProcs) {
            plan.add(Op.CGROUP_PROCS, procs);
        }
        if (newUser) {
            addIdMaps(plan, linux, CALLER[0], CALLER[1]);
        }
        if (process != null && Boolean.TRUE.equals(process.terminal())) {
            plan.add(Op.CONSOLE_SOCKET, consoleSocket);
        }
        plan.add(Op.CLONE, flags);
        boolean joins = false;
        for (NamespaceType type : JOIN_ORDER) {
            Namespace ns = namespaces.get(type);
            if (ns != null && ns.path() != null) {
                plan.add(Op.SETNS, ns.path(), cloneFlag(type));
                joins = true;
            }
        }
        // After the parent moved us into our cgroups, so that they become the namespace's root.
        if (isNew(namespaces, NamespaceType.CGROUP)) {
            plan.add(Op.UNSHARE, CLONE_NEWCGROUP);
        }
        if (isNew(namespaces, NamespaceType.NETWORK)) {
            plan.add(Op.LOOPBACK);
        }
        // Nothing mounted from here on may propagate back to the host (runc's default: rslave), whatever
        // rootfsPropagation asks for the container's root: a shared "/" would pass the container's mounts to
        // the host's, and an unbindable one could not be bound as the root. That is set after pivot_root.
        String propagation = linux.rootfsPropagation() == null ? "rslave" : linux.rootfsPropagation();
        long setupPropagation = PROPAGATIONS.get(propagation.endsWith("private") ? "rprivate" : "rslave");
        if (ownMounts) {
            plan.add(Op.MOUNT, "", "/", "", 0, "", 0, setupPropagation, 0);
        }
        // These depend only on the namespaces, so a helper prepared in advance does them before it is
        // needed: unless it waits for its user namespace's mappings, or has namespaces to join first.
        if (!joins && !newUser) {
            plan.endPrelude();
        }
        if (spec.hostname() != null) {
            plan.add(Op.HOSTNAME, spec.hostname());
        }
        if (spec.domainname() != null) {
            plan.add(Op.DOMAINNAME, spec.domainname());
        }
        addRootfs(plan, root, rootfs);
        if (!ownMounts) {
            // In the runtime's namespace the root is a bind of a host directory, a peer of the host's mount when
            // that is shared: the container's mounts below it would be copied there and outlive the container.
            plan.add(Op.MOUNT, "", root, "", 0, "", 0, MS_REC | MS_PRIVATE, 0);
        }

        List<Mount> mounts = new ArrayList<>(spec.mounts());
        Set<String> destinations = new HashSet<>();
        for (Mount m : mounts) {
            destinations.add(clean(m.destination(), "mounts"));
        }
        // Loops rather than lambdas on a container's path: in a fresh JVM each lambda is a class made at run time.
        for (Map.Entry<String, Path> etc : etcFiles.entrySet()) {
            if (!destinations.contains(etc.getKey())) {
                mounts.add(Mount.bind(etc.getValue().toString(), etc.getKey(), false));
            }
        }
        // Host paths are opened before pivot_root and attached after it, so every container path
        // is resolved inside the new root, where symlinks cannot point back to the host.
        int trees = 0;
        for (Mount m : mounts) {
            if (isBind(m)) {
                if (trees == MAX_BIND_MOUNTS) {
                    throw new IllegalArgumentException("mounts: at most " + MAX_BIND_MOUNTS + " bind mounts are supported");
                }
                MountOptions o = MountOptions.parse(m.options());
                plan.add(Op.OPEN_TREE, trees++, m.source(), (o.flags & MS_REC) != 0 ? 1 : 0, o.attributes(),
                        o.propagation & ~MS_REC, m.destination());
            }
        }
        // Device nodes cannot be made in a user namespace: the host's are bind-mounted, as runc does.
        List<String> deviceBinds = new ArrayList<>();
        if (newUser) {
            boolean devTmpfsPlanned = false;
            for (Mount m : mounts) {
                devTmpfsPlanned |= "/dev".equals(Path.of(m.destination()).normalize().toString())
                        && "tmpfs".equals(m.type());
            }
            Set<String> specified = new HashSet<>();
            for (Linux.Device d : linux.devices()) {
                specified.add(clean(d.path(), "linux.devices"));
                deviceBinds.add(clean(d.path(), "linux.devices"));
            }
            for (String name : devTmpfsPlanned ? DEFAULT_DEVICE_NAMES : List.<String>of()) {
                if (!specified.contains("/dev/" + name)) {
                    deviceBinds.add("/dev/" + name);
                }
            }
            for (String device : deviceBinds) {
                if (trees == MAX_BIND_MOUNTS) {
                    throw new IllegalArgumentException("mounts: at most " + MAX_BIND_MOUNTS + " bind mounts are supported");
                }
                plan.add(Op.OPEN_TREE, trees++, device, 0, 0, 0, device);
            }
        }
        // A user namespace may mount proc and sysfs only where those of its mount namespace are visible,
        // which pivot_root ends: they are mounted first, inside the root.
        Set<Mount> beforePivot = new HashSet<>();
        if (newUser) {
            for (Mount m : mounts) {
                if (!isBind(m) && ("proc".equals(m.type()) || "sysfs".equals(m.type()))) {
                    MountOptions o = MountOptions.parse(m.options());
                    plan.add(Op.MOUNT, m.source() == null ? m.type() : m.source(),
                            insideRoot(root, clean(m.destination(), "mounts")), m.type(), o.flags, o.data, T_MKDIR,
                            o.propagation, 0);
                    beforePivot.add(m);
                }
            }
        }
        LifecycleHooks.planBeforePivot(plan, id, spec);
        // pivot_root would change the root of every process of the host's mount namespace.
        plan.add(ownMounts ? Op.PIVOT : Op.CHROOT, root);
        // pivot_root needs a private root; the container's mounts are made under a slave (or private) one.
        plan.add(Op.MOUNT, "", "/", "", 0, "", 0, setupPropagation, 0);
        if (newUser) {
            // Until here the helper's child kept the runtime's own ids, with all capabilities in its new
            // namespaces: it reached the host paths (the rootfs, the runtime's /etc files, bind sources) as
            // the runtime, through directories only the runtime may enter. Past pivot_root no host path is
            // left, and it becomes the container's root before it makes any file in the container (a
            // tmpfs of the namespace refuses files of ids it does not map).
            plan.add(Op.USER, 0, 0);
        }
        boolean devTmpfs = false;
        boolean devPts = false;
        int tree = 0;
        for (Mount m : mounts) {
            String dest = clean(m.destination(), "mounts");
            if (isBind(m)) {
                int targetFlags = Files.isDirectory(Path.of(m.source())) ? T_MKDIR : T_MKFILE;
                plan.add(Op.MOVE_MOUNT, tree++, dest, targetFlags, m.source());
                continue;
            }
            if (m.type() == null) {
                throw new IllegalArgumentException("mounts: '" + dest + "' has no type");
            }
            if (beforePivot.contains(m)) {
                continue;
            }
            if (m.type().equals("cgroup") || m.type().equals("cgroup2")) {
                addCgroupMount(plan, dest, MountOptions.parse(m.options()), cgroupView,
                        isNew(namespaces, NamespaceType.CGROUP));
                continue;
            }
            MountOptions o = MountOptions.parse(m.options());
            plan.add(Op.MOUNT, m.source() == null ? m.type() : m.source(), dest, m.type(), o.flags, o.data, T_MKDIR,
                    o.propagation, 0);
            devTmpfs |= dest.equals("/dev") && m.type().equals("tmpfs");
            devPts |= dest.equals("/dev/pts") && m.type().equals("devpts");
        }
        if (newUser) {
            for (String device : deviceBinds) {
                plan.add(Op.MOVE_MOUNT, tree++, device, T_MKFILE, device);
            }
            if (devTmpfs) {
                addDevLinks(plan, devPts);
            }
        } else {
            if (devTmpfs) {
                addDevices(plan, linux, devPts);
            }
            addSpecDevices(plan, linux);
        }
        // Then the root gets the propagation asked for, as runc does: "shared" is the root mount's alone (the
        // mounts below stay private), "rshared" all of them. A shared /proc would be unmounted by an unmount
        // propagating from a recursive bind of "/" in the container.
        if (linux.rootfsPropagation() != null) {
            plan.add(Op.MOUNT, "", "/", "", 0, "", 0, PROPAGATIONS.get(linux.rootfsPropagation()), 0);
        }
        for (Map.Entry<String, String> sysctl : linux.sysctl().entrySet()) {
            plan.add(Op.WRITE, sysctlPath(sysctl.getKey(), namespaces), sysctl.getValue());
        }
        // Before masks and read-only remounts: config-linux.md's /dev/console is the terminal bound there.
        addConsole(plan, process, true);
        for (String path : linux.maskedPaths()) {
            plan.add(Op.MASK, clean(path, "linux.maskedPaths"));
        }
        for (String path : linux.readonlyPaths()) {
            plan.add(Op.REMOUNT_RO, clean(path, "linux.readonlyPaths"), 1, 1);
        }
        if (spec.root().readonlyOrDefault()) {
            plan.add(Op.REMOUNT_RO, "/", 0, 0);
        }
        if (process == null) {
            plan.add(Op.GO);
            return plan;
        }
        // Docker creates a missing working directory, as root, before dropping privileges.
        plan.add(Op.MKDIR_P, clean(process.cwd(), "process.cwd"), 0755);
        if (commandLine) {
            plan.add(Op.CHECK_EXEC, process.args().get(0), searchPath(process), clean(process.cwd(), "process.cwd"));
        }
        plan.add(Op.GO);
        LifecycleHooks.planAfterGo(plan, id, spec);
        addProcess(plan, process, seccomp(linux));
        return plan;
    }

    /**
     * The plan that runs another process in a running container: joins each namespace it has
     * (by {@code /proc/PID/ns}) and its cgroups, then executes right away (the helper still waits
     * for the go-ahead, sent at once).
     */
    static Plan exec(long pid, Spec spec, Process process, List<Path> cgroupProcs) {
        return exec(pid, spec, process, cgroupProcs, null);
    }

    /** @param consoleSocket where the terminal's master goes when {@code process.terminal} is true */
    static Plan exec(long pid, Spec spec, Process process, List<Path> cgroupProcs, Path consoleSocket) {
        Process checked = requireProcess(spec.withProcess(process), consoleSocket);
        Linux linux = spec.linux() == null ? Linux.of(null) : spec.linux();
        Set<NamespaceType> types = new HashSet<>();
        linux.namespaces().forEach(ns -> types.add(ns.type()));
        Plan plan = new Plan();
        // Only root may join another user's namespaces from outside: the rootless helper enters the
        // container's user namespace first, where it has the capabilities to join the pid namespace.
        boolean parentJoinsUser = CALLER[0] != 0 && types.contains(NamespaceType.USER);
        if (parentJoinsUser) {
            plan.add(Op.SETNS_PID, "/proc/" + pid + "/ns/user", CLONE_NEWUSER);
        }
        if (types.contains(NamespaceType.PID)) {
            plan.add(Op.SETNS_PID, "/proc/" + pid + "/ns/pid");
        }
        for (Path procs : cgroupProcs) {
            plan.add(Op.CGROUP_PROCS, procs);
        }
        if (Boolean.TRUE.equals(checked.terminal())) {
            plan.add(Op.CONSOLE_SOCKET, consoleSocket);
        }
        plan.add(Op.CLONE, 0);
        for (NamespaceType type : JOIN_ORDER) {
            if (types.contains(type) && !(parentJoinsUser && type == NamespaceType.USER)) {
                plan.add(Op.SETNS, "/proc/" + pid + "/ns/" + procName(type), cloneFlag(type));
            }
        }
        addConsole(plan, checked, false);
        plan.add(Op.GO);
        addProcess(plan, checked, seccomp(linux));
        return plan;
    }

    /**
     * Docker's {@code /sys/fs/cgroup}: the container's own cgroups (the roots of its cgroup
     * namespace), so that a JVM inside finds its memory limit; read-only unless asked otherwise.
     */
    private static void addCgroupMount(Plan plan, String dest, MountOptions o, List<Cgroups.Hierarchy> view,
            boolean ownNamespace) {
        if (!ownNamespace) {
            throw new IllegalArgumentException("mounts: a cgroup mount at '" + dest
                    + "' needs a new cgroup namespace, or it would show the host's cgroups");
        }
        long flags = o.flags | MS_NOSUID | MS_NODEV | MS_NOEXEC;
        if (view.size() == 1 && view.get(0).name().isEmpty()) {
            plan.add(Op.MOUNT, "cgroup2", dest, "cgroup2", flags, "", T_MKDIR, 0, 0);
            return;
        }
        plan.add(Op.MOUNT, "tmpfs", dest, "tmpfs", flags & ~MS_RDONLY, "mode=755", T_MKDIR, 0, 0);
        for (Cgroups.Hierarchy h : view) {
            plan.add(Op.MOUNT, h.type(), dest + "/" + h.name(), h.type(), flags, h.options(), T_MKDIR, 0, 0);
        }
        if ((flags & MS_RDONLY) != 0) {
            plan.add(Op.REMOUNT_RO, dest, 0, 0);
        }
    }

    /** The terminal, owned by the process's user so that it may change its settings, as runc does. */
    private static void addConsole(Plan plan, Process process, boolean devConsole) {
        if (process == null || !Boolean.TRUE.equals(process.terminal())) {
            return;
        }
        Process.ConsoleSize size = process.consoleSize();
        plan.add(Op.CONSOLE, process.user() == null ? 0 : process.user().uid(), size == null ? 0 : size.height(),
                size == null ? 0 : size.width(), devConsole ? 1 : 0);
    }

    private static void addRootfs(Plan plan, String root, List<RootfsMount> rootfs) {
        if (rootfs.isEmpty()) {
            // pivot_root needs the new root to be a mount point.
            plan.add(Op.MOUNT, root, root, "", MS_BIND | MS_REC, "", 0, 0, 0);
            return;
        }
        for (RootfsMount m : rootfs) {
            if (m.type().equals("bind")) {
                MountOptions o = MountOptions.parse(m.options());
                long remount = o.flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
                plan.add(Op.MOUNT, m.source(), root, "", MS_BIND | MS_REC, "", 0, 0, remount);
            } else {
                List<Object> args = new ArrayList<>();
                args.add(m.type());
                args.add(root);
                args.add("source=" + m.source());
                args.addAll(m.options());
                plan.add(Op.FSMOUNT, args.toArray());
            }
        }
    }

    private static void addDevices(Plan plan, Linux linux, boolean devPts) {
        Set<String> specified = new HashSet<>();
        for (Linux.Device d : linux.devices()) {
            specified.add(d.path());
        }
        for (int i = 0; i < DEFAULT_DEVICES.size(); i++) {
            String path = "/dev/" + DEFAULT_DEVICE_NAMES.get(i);
            if (!specified.contains(path)) {
                plan.add(Op.MKNOD, path, S_IFCHR | 0666, DEFAULT_DEVICES.get(i)[0], DEFAULT_DEVICES.get(i)[1]);
            }
        }
        addDevLinks(plan, devPts);
    }

    private static void addDevLinks(Plan plan, boolean devPts) {
        plan.add(Op.SYMLINK, "/proc/self/fd", "/dev/fd");
        plan.add(Op.SYMLINK, "/proc/self/fd/0", "/dev/stdin");
        plan.add(Op.SYMLINK, "/proc/self/fd/1", "/dev/stdout");
        plan.add(Op.SYMLINK, "/proc/self/fd/2", "/dev/stderr");
        if (devPts) {
            plan.add(Op.SYMLINK, "pts/ptmx", "/dev/ptmx");
        }
    }

    /** The last profile compiled and its program: containers of one engine share one profile object. */
    private record Compiled(Seccomp source, SeccompProgram program) {
    }

    private static volatile Compiled lastCompiled;

    private static SeccompProgram seccomp(Linux linux) {
        Seccomp source = linux.seccomp();
        if (source == null) {
            return null;
        }
        Compiled last = lastCompiled;
        if (last != null && last.source() == source) {
            return last.program();
        }
        SeccompProgram program = SeccompCompiler.compile(source, "linux.seccomp");
        lastCompiled = new Compiled(source, program);
        return program;
    }

    /** The devices {@code linux.devices} lists, whatever {@code /dev} is, with their parent directories. */
    private static void addSpecDevices(Plan plan, Linux linux) {
        for (Linux.Device d : linux.devices()) {
            String path = clean(d.path(), "linux.devices");
            int type = switch (d.type()) {
                case "c", "u" -> S_IFCHR;
                case "b" -> S_IFBLK;
                case "p" -> S_IFIFO;
                default -> throw new IllegalArgumentException("linux.devices: '" + path + "' has type '" + d.type()
                        + "'; only c, u, b and p are supported");
            };
            String parent = Path.of(path).getParent().toString();
            if (!parent.equals("/dev") && !parent.equals("/")) {
                plan.add(Op.MKDIR_P, parent, 0755);
            }
            int mode = d.fileMode() == null ? 0666 : d.fileMode();
            plan.add(Op.MKNOD, path, type | (mode & 07777), d.major() == null ? 0 : d.major(),
                    d.minor() == null ? 0 : d.minor(), d.uid() == null ? 0 : d.uid(), d.gid() == null ? 0 : d.gid());
        }
    }

    /**
     * The host path of a container path for a mount made before pivot_root: refused if a symbolic
     * link in the root filesystem would take it outside.
     */
    private static String insideRoot(String root, String dest) {
        Path rootPath = Path.of(root).normalize();
        Path target = rootPath.resolve(dest.substring(1));
        try {
            Path real = Files.exists(target) ? target.toRealPath() : target;
            if (!real.startsWith(Files.exists(rootPath) ? rootPath.toRealPath() : rootPath)) {
                throw new IllegalArgumentException("mounts: '" + dest + "' resolves to '" + real
                        + "', outside the root filesystem");
            }
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("mounts: cannot resolve '" + target + "': " + e, e);
        }
        return target.toString();
    }

    /**
     * How the helper's parent writes a new user namespace's maps: root writes them; an unprivileged
     * caller may write only a single mapping of its own ids, and only after denying setgroups;
     * more than that goes through the setuid newuidmap and newgidmap, which check /etc/subuid and
     * /etc/subgid.
     */
    static void addIdMaps(Plan plan, Linux linux, long euid, long egid) {
        String uids = idMap(linux.uidMappings());
        String gids = idMap(linux.gidMappings());
        if (euid == 0) {
            plan.add(Op.ID_MAP, "uid_map", uids);
            plan.add(Op.ID_MAP, "gid_map", gids);
        } else if (onlySelf(linux.uidMappings(), euid) && onlySelf(linux.gidMappings(), egid)) {
            plan.add(Op.ID_MAP, "setgroups", "deny");
            plan.add(Op.ID_MAP, "uid_map", uids);
            plan.add(Op.ID_MAP, "gid_map", gids);
        } else {
            plan.add(Op.ID_MAP, Rootless.NEWUIDMAP, uids);
            plan.add(Op.ID_MAP, Rootless.NEWGIDMAP, gids);
        }
    }

    private static boolean onlySelf(List<dev.stevedore.oci.runtime.IdMapping> mappings, long id) {
        return mappings.size() == 1 && mappings.get(0).size() == 1 && mappings.get(0).hostID() == id;
    }

    /** The effective uid and gid of this JVM, which decide how user namespace maps can be written. */
    private static final long[] CALLER = LinuxBackend.effectiveIds();

    /** A {@code /proc/PID/uid_map} or {@code gid_map}: one "container host size" line per mapping. */
    private static String idMap(List<dev.stevedore.oci.runtime.IdMapping> mappings) {
        StringBuilder text = new StringBuilder();
        for (dev.stevedore.oci.runtime.IdMapping m : mappings) {
            text.append(m.containerID()).append(' ').append(m.hostID()).append(' ').append(m.size()).append('\n');
        }
        return text.toString();
    }

    private static void addProcess(Plan plan, Process process, SeccompProgram seccomp) {
        boolean noNewPrivs = Boolean.TRUE.equals(process.noNewPrivileges());
        for (Process.Rlimit r : process.rlimits()) {
            plan.add(Op.RLIMIT, rlimit(r.type()), Long.toUnsignedString(r.soft()), Long.toUnsignedString(r.hard()),
                    r.type().name());
        }
        if (process.oomScoreAdj() != null) {
            plan.add(Op.OOM_SCORE_ADJ, process.oomScoreAdj());
        }
        Process.User user = process.user() == null ? Process.User.of(0, 0) : process.user();
        plan.add(Op.UMASK, user.umask() == null ? DEFAULT_UMASK : user.umask());
        Process.Capabilities caps = process.capabilities();
        List<String> defaults = DEFAULT_CAPABILITIES;
        long bounding = mask(caps == null || caps.bounding() == null ? defaults : caps.bounding(), "bounding");
        plan.add(Op.BOUNDING, Long.toUnsignedString(bounding & GRANTABLE));
        // Without no_new_privs only CAP_SYS_ADMIN may install a filter, so it goes in while the helper
        // is still root with all capabilities (as runc does); it must then allow the helper's last calls.
        if (seccomp != null && !noNewPrivs) {
            plan.add(Op.SECCOMP, seccomp.flags(), seccomp.hex());
        }
        List<Object> userArgs = new ArrayList<>(List.of(user.uid(), user.gid()));
        userArgs.addAll(user.additionalGids());
        plan.add(Op.USER, userArgs.toArray());
        long effective = caps == null ? mask(defaults, "effective") : mask(orEmpty(caps.effective()), "effective");
        long permitted = caps == null ? mask(defaults, "permitted") : mask(orEmpty(caps.permitted()), "permitted");
        long inheritable = caps == null ? 0 : mask(orEmpty(caps.inheritable()), "inheritable");
        long ambient = caps == null ? 0 : mask(orEmpty(caps.ambient()), "ambient");
        // config.md: capabilities that cannot be granted are logged as a warning, and SHOULD NOT fail the
        // container; a capability outside the runtime's own bounding set cannot be (capset refuses it).
        long denied = (bounding | effective | permitted | inheritable | ambient) & ~GRANTABLE;
        if (denied != 0) {
            log().log(System.Logger.Level.WARNING, "process.capabilities: {0} left out: not in the runtime''s "
                    + "bounding set, so they cannot be granted", String.join(", ", names(denied)));
            effective &= GRANTABLE;
            permitted &= GRANTABLE;
            inheritable &= GRANTABLE;
            ambient &= GRANTABLE;
        }
        if ((ambient & ~(inheritable & permitted)) != 0) {
            throw new IllegalArgumentException("process.capabilities.ambient: "
                    + String.join(", ", names(ambient & ~(inheritable & permitted)))
                    + " must also be inheritable and permitted (the kernel refuses ambient capabilities otherwise)");
        }
        plan.add(Op.CAPS, Long.toUnsignedString(effective), Long.toUnsignedString(permitted),
                Long.toUnsignedString(inheritable), Long.toUnsignedString(ambient));
        if (noNewPrivs) {
            plan.add(Op.NO_NEW_PRIVS);
        }
        plan.add(Op.CHDIR, clean(process.cwd(), "process.cwd"));
        for (String entry : process.env()) {
            plan.add(Op.ENV, entry);
        }
        for (String arg : process.args()) {
            plan.add(Op.ARG, arg);
        }
        if (seccomp != null && noNewPrivs) {
            plan.add(Op.SECCOMP, seccomp.flags(), seccomp.hex());
        }
        plan.add(Op.EXEC, searchPath(process));
    }

    /** The PATH the program is looked up in: the process's, or Docker's default. */
    private static String searchPath(Process process) {
        String path = DEFAULT_PATH;
        for (String entry : process.env()) {
            if (entry.startsWith("PATH=")) {
                path = entry.substring(5);
            }
        }
        return path;
    }

    private static Process requireProcess(Spec spec, Path consoleSocket) {
        Process process = spec.process();
        if (process == null || process.args().isEmpty()) {
            throw new IllegalArgumentException("process.args: a container needs a command to run");
        }
        if (Boolean.TRUE.equals(process.terminal()) && consoleSocket == null) {
            throw new IllegalArgumentException("process.terminal: a terminal needs a console socket to send it to "
                    + "(stevedore-runc --console-socket)");
        }
        unsupported(process.apparmorProfile(), "apparmorProfile");
        unsupported(process.selinuxLabel(), "selinuxLabel");
        unsupported(process.scheduler(), "scheduler");
        unsupported(process.ioPriority(), "ioPriority");
        unsupported(process.execCPUAffinity(), "execCPUAffinity");
        return process;
    }

    /**
     * A sysctl may only change what the container owns, as runc checks: its network, IPC or UTS
     * namespace's settings.
     */
    private static String sysctlPath(String key, Map<NamespaceType, Namespace> namespaces) {
        NamespaceType owner = key.startsWith("net.") ? NamespaceType.NETWORK
                : key.startsWith("fs.mqueue.") || key.startsWith("kernel.msg") || key.startsWith("kernel.sem")
                        || key.startsWith("kernel.shm") ? NamespaceType.IPC
                : key.equals("kernel.hostname") || key.equals("kernel.domainname") ? NamespaceType.UTS : null;
        if (owner == null) {
            throw new IllegalArgumentException("linux.sysctl: '" + key
                    + "' is not namespaced; it would change the host");
        }
        if (!namespaces.containsKey(owner)) {
            throw new IllegalArgumentException("linux.sysctl: '" + key + "' needs the container's own "
                    + owner.value() + " namespace");
        }
        if (!key.matches("[A-Za-z0-9_.-]+") || key.contains("..")) {
            throw new IllegalArgumentException("linux.sysctl: '" + key + "' is not a sysctl name");
        }
        return "/proc/sys/" + key.replace('.', '/');
    }

    private static void unsupported(Object value, String field) {
        if (value != null) {
            throw new IllegalArgumentException("process." + field + ": not supported yet");
        }
    }

    private static boolean isNew(Map<NamespaceType, Namespace> namespaces, NamespaceType type) {
        Namespace ns = namespaces.get(type);
        return ns != null && ns.path() == null;
    }

    private static boolean isBind(Mount m) {
        return "bind".equals(m.type()) || m.options().contains("bind") || m.options().contains("rbind");
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static long mask(List<String> names, String field) {
        long mask = 0;
        for (String name : names) {
            int bit = CAPABILITIES.indexOf(name);
            if (bit < 0) {
                throw new IllegalArgumentException("process.capabilities." + field + ": unknown capability '"
                        + name + "'");
            }
            mask |= 1L << bit;
        }
        return mask;
    }

    private static List<String> names(long mask) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < CAPABILITIES.size(); bit++) {
            if ((mask & 1L << bit) != 0) {
                names.add(CAPABILITIES.get(bit));
            }
        }
        return names;
    }

    /** A container path: absolute, no "..", no trailing slash. */
    private static String clean(String path, String field) {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException(field + ": '" + path + "' is not an absolute path");
        }
        for (String part : path.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException(field + ": '" + path + "' must not contain '..'");
            }
        }
        return Path.of(path).normalize().toString();
    }

    /** Mount options split into flags, propagation and filesystem data, as runc reads them. */
    static final class MountOptions {
        long flags;
        long propagation;
        String data = "";

        static MountOptions parse(List<String> options) {
            MountOptions o = new MountOptions();
            List<String> data = new ArrayList<>();
            for (String option : options) {
                Flag flag = MOUNT_FLAGS.get(option);
                Long propagation = PROPAGATIONS.get(option);
                if (flag != null) {
                    o.flags = flag.set() ? o.flags | flag.flag() : o.flags & ~flag.flag();
                } else if (propagation != null) {
                    o.propagation = propagation;
                } else {
                    data.add(option);
                }
            }
            o.data = String.join(",", data);
            return o;
        }

        /** The mount_setattr(2) attributes of a bind mount's flags. */
        long attributes() {
            return ((flags & MS_RDONLY) != 0 ? MOUNT_ATTR_RDONLY : 0) | ((flags & MS_NOSUID) != 0 ? MOUNT_ATTR_NOSUID : 0)
                    | ((flags & MS_NODEV) != 0 ? MOUNT_ATTR_NODEV : 0) | ((flags & MS_NOEXEC) != 0 ? MOUNT_ATTR_NOEXEC : 0);
        }
    }

    /** Looked up when needed: the first lookup starts the logging system, which a container's start need not wait for. */
    private static System.Logger log() {
        return System.getLogger(Planner.class.getName());
    }
}
