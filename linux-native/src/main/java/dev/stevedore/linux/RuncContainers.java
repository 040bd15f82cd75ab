package dev.stevedore.linux;

import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.ContainerStatus;
import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Root;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.oci.runtime.State;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Containers of the runc-style command line, kept under a root directory ({@code --root}) so
 * that they outlive the command that created them.
 *
 * <p>{@code create} starts the helper detached: it clones the container process, which waits in
 * its namespaces for the go-ahead, then binds {@code <root>/<id>/control.sock} and keeps running
 * without the JVM. {@code start} connects there and sends the go-ahead; {@code kill} sends a
 * signal through it. When the container process ends, the helper writes its status to
 * {@code <root>/<id>/exit} and exits. {@code state.json} holds the state; the status is
 * recomputed on every read from the exit file, the process (by pid and start time, so a reused
 * pid is not mistaken for it) and the {@code started} marker.
 */
final class RuncContainers {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_+.-]{1,128}");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Path root;
    private final Runc.RuncLog log;

    RuncContainers(Path root, Runc.RuncLog log) {
        this.root = root;
        this.log = log;
        // Each command is a new JVM: jffi's stub is kept beside the helper rather than copied anew.
        JffiStub.keepIn(root.resolve("bin"));
    }

    /** What create leaves for the other commands, beside the public state. */
    private record Record(State state, long pidStartTime, String cgroup) {
    }

    /**
     * Creates the container; its process waits for {@link #start}.
     *
     * @return the helper, which is this JVM's child until it exits
     */
    Helper create(String id, Path bundle, Path pidFile, Path consoleSocket, boolean keepHelper) {
        checkId(id);
        Spec spec = readConfig(bundle);
        checkTerminal("create", spec.process() != null && Boolean.TRUE.equals(spec.process().terminal()),
                consoleSocket);
        // Not normalized: hooks are given the parent of root.path as the bundle, and root.path may be ".".
        Path rootfs = bundle.resolve(spec.root().path());
        if (!Files.isDirectory(rootfs)) {
            throw new IllegalArgumentException("config.json: root.path: '" + rootfs + "' is not a directory");
        }
        spec = spec.withRoot(new Root(rootfs.toString(), spec.root().readonly(), spec.root().extensions()));
        Spec config = spec;
        Cgroups cgroups = Cgroups.detect();
        if (cgroups.unavailableReason() != null) {
            throw new ContainerBackendException(cgroups.unavailableReason());
        }
        String cgroup = cgroupPath(spec, id);
        // Planned (and so validated) before anything exists: a bad config leaves nothing behind.
        Plan plan;
        CgroupSettings settings;
        Set<String> controllers;
        try {
            settings = spec.linux() == null ? CgroupSettings.of(null, List.of(), cgroups, CgroupSettings.Host.detect())
                    : CgroupSettings.of(spec.linux().resources(), spec.linux().devices(), cgroups,
                            CgroupSettings.Host.detect());
            controllers = cgroups.controllersFor(settings);
            List<Path> procs = cgroups.roots(controllers).stream()
                    .map(r -> r.resolve(cgroup).resolve("cgroup.procs")).toList();
            plan = Planner.create(id, spec, List.of(), procs, Map.of(), cgroups.containerView(controllers),
                    consoleSocket, true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("config.json: " + e.getMessage(), e);
        }
        Path helperExecutable = HelperBinary.extract(root.resolve("bin"));
        Path dir = root.resolve(id);
        try {
            Files.createDirectories(root);
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("create: container '" + id + "' exists already (in '" + root + "')");
        } catch (IOException e) {
            throw new UncheckedIOException("create: cannot make the state directory '" + dir + "': " + e, e);
        }
        Helper helper = null;
        boolean cgroupMade = false;
        // A failure may come before the plan stacked its bind mount on a root filesystem that is a mount point.
        int mountsBefore = ownMounts(spec) ? 0 : HostMounts.mountsAt(rootfs.normalize());
        try {
            Files.write(dir.resolve("config.json"), OciJson.write(spec));
            cgroups.create(cgroup, controllers);
            cgroupMade = true;
            cgroups.apply(cgroup, settings);
            helper = Helper.spawnDetached(helperExecutable, dir.resolve("init.sock"), Stdio.inherit(),
                    dir.resolve("control.sock"), dir.resolve("exit"));
            helper.clone(plan.beforeClone()).begin(plan.afterClone(), pid -> LifecycleHooks.runCreate(id, config, pid));
            long pid = helper.pid();
            leaveCgroups(cgroups, controllers, cgroup, helper.process.pid(), spec);
            Map<String, Object> extra = new LinkedHashMap<>();
            extra.put("rootfs", rootfs.normalize().toString());
            extra.put("created", Instant.now().toString());
            extra.put("owner", "");
            State state = new State(Spec.VERSION, id, ContainerStatus.CREATED, (int) pid, bundle.toString(),
                    spec.annotations(), extra);
            writeAtomically(dir.resolve("state.json"), OciJson.write(new Record(state, startTime(pid), cgroup)));
            if (pidFile != null) {
                writeAtomically(pidFile, (pid + "").getBytes());
            }
            log.debug("created container '" + id + "' with pid " + pid);
            if (!keepHelper) {
                helper.close();
            }
            return helper;
        } catch (RuntimeException | IOException e) {
            if (helper != null) {
                helper.discard();
            }
            if (cgroupMade) {
                cgroups.remove(cgroup);
            }
            if (!ownMounts(spec) && HostMounts.mountsAt(rootfs.normalize()) > mountsBefore) {
                HostMounts.detachTree(rootfs.normalize());
            }
            deleteTree(dir);
            if (e instanceof IOException) {
                throw new UncheckedIOException("create: " + e, (IOException) e);
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Moves the helper, born in the container's cgroups so that the container process is too, up
     * to their parents: the cgroups then count only the container's processes, as runc's do, and
     * {@code pids.max} is the configured limit exactly (the library keeps the helper in and adds
     * one). cgroup v2 refuses processes in a parent that delegates controllers; the helper then stays.
     */
    private void leaveCgroups(Cgroups cgroups, Set<String> controllers, String cgroup, long helperPid, Spec spec) {
        Path parent = Path.of(cgroup).getParent();
        Long limit = spec.linux() == null || spec.linux().resources() == null || spec.linux().resources().pids() == null
                ? null : spec.linux().resources().pids().limit();
        for (Path root : cgroups.roots(controllers)) {
            try {
                Files.writeString((parent == null ? root : root.resolve(parent.toString())).resolve("cgroup.procs"),
                        Long.toString(helperPid));
                Path pidsMax = root.resolve(cgroup).resolve("pids.max");
                if (limit != null && Files.exists(pidsMax)) {
                    Files.writeString(pidsMax, limit < 0 ? "max" : Long.toString(limit));
                }
            } catch (IOException e) {
                log.debug("the helper stays in cgroup '" + root.resolve(cgroup) + "': " + e);
            }
        }
    }

    /**
     * create + start, then (unless detached) waits for the process and deletes the container. A
     * terminal without a console socket is relayed to this command's standard input and output.
     */
    int run(String id, Path bundle, Path pidFile, Path consoleSocket, boolean detach) {
        checkId(id);
        Spec spec = readConfig(bundle);
        boolean terminal = spec.process() != null && Boolean.TRUE.equals(spec.process().terminal());
        if (!terminal || consoleSocket != null || detach) {
            return run(id, bundle, pidFile, consoleSocket, detach, null);
        }
        try (ConsoleSocket own = ConsoleSocket.listen(ownConsoleSocket())) {
            return run(id, bundle, pidFile, own.path(), false, own);
        }
    }

    private int run(String id, Path bundle, Path pidFile, Path consoleSocket, boolean detach, ConsoleSocket own) {
        Helper helper = create(id, bundle, pidFile, consoleSocket, true);
        helper.close();
        ConsoleSocket.Terminal terminal = null;
        try {
            terminal = own == null ? null : own.receive(STOP_TIMEOUT);
            start(id);
        } catch (RuntimeException e) {
            if (terminal != null) {
                terminal.close();
            }
            delete(id, true);
            throw e;
        }
        if (detach) {
            return 0;
        }
        forwardSignals(id);
        int status = terminal == null ? helper.waitFor() : relay(terminal, helper);
        delete(id, true);
        return status;
    }

    /**
     * As runc: a terminal is for a process whose output nobody else reads (detached ones need a
     * console socket), and a console socket only for a terminal.
     */
    private static void checkTerminal(String command, boolean terminal, Path consoleSocket) {
        if (terminal && consoleSocket == null) {
            throw new IllegalArgumentException(command + ": process.terminal is true: give --console-socket, the "
                    + "Unix socket that receives the terminal" + (command.equals("create") ? "" : ", or do not detach"));
        }
        if (!terminal && consoleSocket != null) {
            throw new IllegalArgumentException(command + ": --console-socket is only for a process with a terminal "
                    + "(process.terminal true" + (command.equals("exec") ? ", or --tty" : "") + ")");
        }
    }

    private Path ownConsoleSocket() {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the state directory '" + root + "': " + e, e);
        }
        return root.resolve(".console-" + ProcessHandle.current().pid());
    }

    /**
     * Relays this command's standard input to the terminal and the terminal to its standard output
     * until the process ends; a terminal on standard input is put in raw mode meanwhile, so that
     * keys reach the container's terminal as typed.
     */
    private int relay(ConsoleSocket.Terminal terminal, Helper helper) {
        String saved = Tty.makeRaw();
        terminal.copySizeFrom(0);
        Thread input = new Thread(() -> {
            try {
                System.in.transferTo(terminal.output());
            } catch (IOException e) {
                // The terminal is gone: the process has ended.
            }
        }, "stevedore-runc terminal input");
        input.setDaemon(true);
        input.start();
        try (terminal) {
            terminal.input().transferTo(System.out);
            System.out.flush();
        } catch (IOException e) {
            log.warn("terminal output: " + e.getMessage());
        } finally {
            Tty.restore(saved);
        }
        return helper.waitFor();
    }

    /** Signals sent to the command line go to the container, as with runc run. */
    private void forwardSignals(String id) {
        for (String name : List.of("INT", "TERM", "HUP", "QUIT", "USR1", "USR2")) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    try {
                        kill(id, s.getNumber(), false);
                    } catch (RuntimeException e) {
                        log.warn("cannot forward signal " + name + ": " + e.getMessage());
                    }
                });
            } catch (IllegalArgumentException e) {
                // The JVM reserves this one (QUIT with some options): it is not forwarded.
            }
        }
    }

    void start(String id) {
        Record r = load(id);
        ContainerStatus status = status(id, r);
        if (status != ContainerStatus.CREATED) {
            throw new IllegalStateException("start: container '" + id + "' is " + status.value()
                    + ", not created");
        }
        if (config(id).process() == null) {
            throw new IllegalStateException("start: container '" + id + "' has no process in its config.json "
                    + "(runtime.md: start MUST generate an error if process was not set); delete it");
        }
        Path dir = root.resolve(id);
        try {
            // Before the go-ahead: once the process runs, state must never say created again.
            Files.writeString(dir.resolve("started"), "");
        } catch (IOException e) {
            throw new UncheckedIOException("start: cannot write '" + dir.resolve("started") + "': " + e, e);
        }
        try (SocketChannel control = connect(id)) {
            control.write(ByteBuffer.wrap(new byte[] {'G'}));
            Helper.Message m = Helper.read(control);
            if (m.type() == 'E') {
                throw new ContainerBackendException("start: container '" + id + "': " + m.error());
            }
            if (m.type() != 'S') {
                throw new ContainerBackendException("start: container '" + id + "': unexpected message from the helper");
            }
        } catch (IOException e) {
            throw new ContainerBackendException("start: container '" + id + "' ended before it started: " + e, null, e);
        }
        LifecycleHooks.runPoststart(id, config(id), r.state().pid());
    }

    State state(String id) {
        Record r = load(id);
        ContainerStatus status = status(id, r);
        return r.state().withStatus(status, status == ContainerStatus.STOPPED ? 0 : r.state().pid());
    }

    void kill(String id, int signal, boolean all) {
        Record r = load(id);
        ContainerStatus status = status(id, r);
        if (status == ContainerStatus.STOPPED) {
            throw new IllegalStateException("kill: container '" + id + "' is stopped; nothing was signalled");
        }
        if (all) {
            jnr.posix.POSIX posix = jnr.posix.POSIXFactory.getNativePOSIX();
            long helperPid = helperPid(r);
            for (long pid : cgroupPids(r)) {
                if (pid != helperPid) {
                    posix.kill((int) pid, signal);
                }
            }
            return;
        }
        try (SocketChannel control = connect(id)) {
            control.write(ByteBuffer.allocate(5).order(ByteOrder.nativeOrder()).put((byte) 'K').putInt(signal).flip());
        } catch (IOException e) {
            throw new IllegalStateException("kill: container '" + id + "' is stopped; nothing was signalled");
        }
    }

    /**
     * SIGKILL through the container's helper, or, when the helper does not answer, to every process
     * in the container's cgroup (as runc's forced delete does); nothing when it stopped meanwhile.
     */
    private void forceKill(String id) {
        try {
            kill(id, 9, false);
        } catch (IllegalStateException viaHelper) {
            try {
                kill(id, 9, true);
            } catch (IllegalStateException stopped) {
                // Stopped between the status check and the signal: nothing is left to kill.
            }
        }
    }

    void delete(String id, boolean force) {
        Path dir = root.resolve(id);
        Record r = load(id);
        ContainerStatus status = status(id, r);
        if (status != ContainerStatus.STOPPED) {
            if (!force) {
                throw new IllegalStateException("delete: container '" + id + "' is " + status.value()
                        + ", not stopped; kill it first or use --force");
            }
            forceKill(id);
            awaitStopped(id, r);
        }
        // The helper exits right after its child; wait for it so the cgroup is empty.
        long helperPid = helperPid(r);
        ProcessHandle.of(helperPid).ifPresent(h -> {
            try {
                h.onExit().get(STOP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        });
        Spec spec = config(id);
        Cgroups cgroups = Cgroups.detect();
        cgroups.remove(r.cgroup());
        undoHostMounts(spec);
        deleteTree(dir);
        log.debug("deleted container '" + id + "'");
        LifecycleHooks.runPoststop(id, spec);
    }

    /**
     * A container without a mount namespace of its own made its mounts in ours, all of them below
     * its root filesystem, which the plan bind-mounted onto itself first: detaching that takes them all.
     */
    private static void undoHostMounts(Spec spec) {
        if (!ownMounts(spec)) {
            HostMounts.detachTree(Path.of(spec.root().path()).normalize());
        }
    }

    private static boolean ownMounts(Spec spec) {
        return spec.linux() != null && spec.linux().namespaces().stream()
                .anyMatch(ns -> ns.type() == dev.stevedore.oci.runtime.NamespaceType.MOUNT);
    }

    /** Freezes (or thaws) every process of a running container through its freezer cgroup. */
    void freeze(String id, boolean frozen) {
        Record r = load(id);
        ContainerStatus status = status(id, r);
        if (status != ContainerStatus.RUNNING) {
            throw new IllegalStateException((frozen ? "pause" : "resume") + ": container '" + id + "' is "
                    + status.value() + ", not running");
        }
        Cgroups.detect().freeze(r.cgroup(), frozen);
    }

    int exec(String id, Process process, Path pidFile, Path consoleSocket, boolean detach) {
        boolean terminal = Boolean.TRUE.equals(process.terminal());
        if (!terminal || consoleSocket != null || detach) {
            checkTerminal("exec", terminal, consoleSocket);
            return exec(id, process, pidFile, consoleSocket, detach, null);
        }
        try (ConsoleSocket own = ConsoleSocket.listen(ownConsoleSocket())) {
            return exec(id, process, pidFile, own.path(), false, own);
        }
    }

    private int exec(String id, Process process, Path pidFile, Path consoleSocket, boolean detach,
            ConsoleSocket own) {
        Record r = load(id);
        ContainerStatus status = status(id, r);
        if (status != ContainerStatus.RUNNING) {
            throw new IllegalStateException("exec: container '" + id + "' is " + status.value() + ", not running");
        }
        Path dir = root.resolve(id);
        Spec spec = config(id);
        Cgroups cgroups = Cgroups.detect();
        List<Path> procs = cgroups.roots().stream().map(p -> p.resolve(r.cgroup()).resolve("cgroup.procs"))
                .filter(Files::exists).toList();
        Plan plan = Planner.exec(r.state().pid(), spec, process, procs, consoleSocket);
        Path helperExecutable = HelperBinary.extract(root.resolve("bin"));
        String n = Long.toString(ProcessHandle.current().pid());
        Helper helper = detach
                ? Helper.spawnDetached(helperExecutable, dir.resolve("exec-" + n + ".sock"), Stdio.inherit(),
                        dir.resolve("exec-" + n + ".control"), dir.resolve("exec-" + n + ".exit"))
                : Helper.spawn(helperExecutable, dir.resolve("exec-" + n + ".sock"), Stdio.inherit());
        helper.clone(plan.beforeClone()).begin(plan.afterClone());
        ConsoleSocket.Terminal terminal;
        try {
            terminal = own == null ? null : own.receive(STOP_TIMEOUT);
        } catch (RuntimeException e) {
            helper.discard();
            throw e;
        }
        helper.go();
        if (pidFile != null) {
            writeAtomically(pidFile, Long.toString(helper.pid()).getBytes());
        }
        if (detach) {
            helper.close();
            return 0;
        }
        return terminal == null ? helper.waitFor() : relay(terminal, helper);
    }

    /** The process {@code exec} runs when given a command line instead of a process file. */
    static Process execOverrides(List<String> args, List<String> env, String cwd, String user, List<String> caps,
            boolean tty, boolean noNewPrivileges) {
        Process p = Process.of(args).withTerminal(tty);
        List<String> environment = new ArrayList<>(List.of("PATH=" + Planner.DEFAULT_PATH));
        environment.addAll(env);
        p = p.withEnv(environment).withCwd(cwd == null ? "/" : cwd);
        if (user != null) {
            String[] parts = user.split(":", 2);
            try {
                p = p.withUser(Process.User.of(Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 0));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("exec: --user '" + user + "' is not UID[:GID]");
            }
        }
        if (!caps.isEmpty()) {
            List<String> all = new ArrayList<>(Planner.DEFAULT_CAPABILITIES);
            all.addAll(caps);
            p = p.withCapabilities(new Process.Capabilities(all, all, null, all, null, null));
        }
        return noNewPrivileges ? p.withNoNewPrivileges(true) : p;
    }

    List<State> list() {
        List<State> states = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return states;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path d : dirs) {
                if (Files.isRegularFile(d.resolve("state.json"))) {
                    try {
                        states.add(state(d.getFileName().toString()));
                    } catch (RuntimeException e) {
                        log.warn("skipping '" + d + "': " + e.getMessage());
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("list: cannot read '" + root + "': " + e, e);
        }
        states.sort(Comparator.comparing(State::id));
        return states;
    }

    /** @return the container's processes as the host sees them, the helper left out */
    List<Long> pids(String id) {
        Record r = load(id);
        long helperPid = helperPid(r);
        return cgroupPids(r).stream().filter(p -> p != helperPid).toList();
    }

    private List<Long> cgroupPids(Record r) {
        // Every container joins the pids controller when the host has it; its list is the whole container.
        Path procs = Cgroups.detect().dir("pids", r.cgroup()).resolve("cgroup.procs");
        try {
            return Files.readAllLines(procs).stream().filter(l -> !l.isBlank()).map(l -> Long.parseLong(l.trim()))
                    .toList();
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + procs + "': " + e, e);
        }
    }

    private ContainerStatus status(String id, Record r) {
        Path dir = root.resolve(id);
        if (Files.exists(dir.resolve("exit"))) {
            return ContainerStatus.STOPPED;
        }
        long pid = r.state().pid();
        if (!alive(pid, r.pidStartTime())) {
            return ContainerStatus.STOPPED;
        }
        return Files.exists(dir.resolve("started")) ? ContainerStatus.RUNNING : ContainerStatus.CREATED;
    }

    private void awaitStopped(String id, Record r) {
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (status(id, r) != ContainerStatus.STOPPED) {
            if (System.nanoTime() > deadline) {
                throw new ContainerBackendException("delete: container '" + id + "' did not stop within "
                        + STOP_TIMEOUT.toSeconds() + " s of SIGKILL");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ContainerBackendException("delete: interrupted", null, e);
            }
        }
    }

    private long helperPid(Record r) {
        // The helper is the container process's parent until both are gone.
        String stat = procStat(r.state().pid());
        if (stat == null || startTimeOf(stat) != r.pidStartTime()) {
            return -1;
        }
        return Long.parseLong(fieldsAfterComm(stat)[1]);
    }

    private SocketChannel connect(String id) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(root.resolve(id).resolve("control.sock")));
            return channel;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    /** The configuration the container was created with (root.path absolute). */
    private Spec config(String id) {
        Path file = root.resolve(id).resolve("config.json");
        try {
            return OciJson.read(Files.readAllBytes(file), Spec.class, "config");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the configuration '" + file + "': " + e, e);
        }
    }

    private Record load(String id) {
        checkId(id);
        Path file = root.resolve(id).resolve("state.json");
        try {
            return OciJson.read(Files.readAllBytes(file), Record.class, "state");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("container '" + id + "' does not exist (in '" + root + "')");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + file + "': " + e, e);
        }
    }

    private static void checkId(String id) {
        if (!ID.matcher(id).matches() || id.equals(".") || id.equals("..") || id.equals("bin")) {
            throw new IllegalArgumentException("invalid container id '" + id
                    + "': use 1-128 letters, digits, '_', '+', '.' or '-'");
        }
    }

    private static Spec readConfig(Path bundle) {
        Path file = bundle.resolve("config.json");
        try {
            return OciJson.read(Files.readAllBytes(file), Spec.class, "config");
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no config.json in the bundle '" + bundle + "'");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read '" + file + "': " + e, e);
        } catch (OciFormatException e) {
            throw new IllegalArgumentException("config.json: " + e.getMessage(), e);
        }
    }

    /** The spec's {@code linux.cgroupsPath} below each hierarchy's root, or one of ours. */
    private static String cgroupPath(Spec spec, String id) {
        String path = spec.linux() == null ? null : spec.linux().cgroupsPath();
        if (path == null || path.isEmpty()) {
            return "stevedore-runc/" + id;
        }
        String relative = path.replaceFirst("^/+", "");
        for (String part : relative.split("/")) {
            if (part.equals("..")) {
                throw new IllegalArgumentException("config.json: linux.cgroupsPath: '" + path
                        + "' must not contain '..'");
            }
        }
        return relative;
    }

    private static boolean alive(long pid, long startTime) {
        String stat = procStat(pid);
        if (stat == null) {
            return false;
        }
        String[] fields = fieldsAfterComm(stat);
        return !fields[0].equals("Z") && startTimeOf(stat) == startTime;
    }

    private static long startTime(long pid) {
        String stat = procStat(pid);
        if (stat == null) {
            throw new ContainerBackendException("the container process " + pid + " ended while being created");
        }
        return startTimeOf(stat);
    }

    private static String procStat(long pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/stat"));
        } catch (IOException e) {
            return null;
        }
    }

    /** Fields of /proc/PID/stat after the command name (which may hold spaces): state is [0], ppid [1]. */
    private static String[] fieldsAfterComm(String stat) {
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }

    private static long startTimeOf(String stat) {
        return Long.parseLong(fieldsAfterComm(stat)[19]);
    }

    private static void writeAtomically(Path file, byte[] bytes) {
        try {
            Path temp = file.resolveSibling("." + file.getFileName() + ".tmp");
            Files.write(temp, bytes);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + file + "': " + e, e);
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove '" + dir + "': " + e, e);
        }
    }
}
