package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerBackendException;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerRuntime;
import dev.stevedore.spi.RootfsMount;
import dev.stevedore.spi.Stdio;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * An open Linux backend on one state directory. Each runtime instance owns
 * {@code STATE/<instance>/} and the cgroups {@code stevedore/<instance>/} while it holds the lock on
 * {@code STATE/<instance>.lock}; an instance whose lock is free belonged to a dead JVM, and the next
 * runtime removes what it left.
 */
final class LinuxRuntime implements ContainerRuntime {
    private static final System.Logger LOG = System.getLogger(LinuxRuntime.class.getName());
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    private final Path stateDir;
    private final String instance;
    private final Path instanceDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Path helperExecutable;
    private final Cgroups cgroups;
    private final ExecutorService launcher;
    private final Map<String, LinuxContainer> containers = new ConcurrentHashMap<>();
    /** Ids in use, reserved before their container exists. */
    private final Set<String> ids = ConcurrentHashMap.newKeySet();
    private final AtomicLong sequence = new AtomicLong();
    private final Deque<Spare> spares = new ArrayDeque<>();
    static final int SPARES = 2;
    /** The host's resolver configuration when this runtime opened, copied into each container. */
    private final String resolvConf;
    private volatile boolean closed;

    LinuxRuntime(Path stateDir, Cgroups cgroups) {
        this.stateDir = stateDir.toAbsolutePath();
        this.cgroups = cgroups;
        this.instance = HexFormat.of().toHexDigits(new SecureRandom().nextInt());
        this.instanceDir = this.stateDir.resolve(instance);
        try {
            Files.createDirectories(this.stateDir);
            lockChannel = FileChannel.open(this.stateDir.resolve(instance + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            lock = lockChannel.lock();
            Files.createDirectory(instanceDir, PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ContainerBackendException("cannot use state directory '" + stateDir + "': " + e, null, e);
        }
        removeLeftovers();
        resolvConf = readResolvConf();
        helperExecutable = HelperBinary.extract(this.stateDir.resolve("bin"));
        launcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "stevedore-launcher-" + instance);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public ContainerHandle create(String id, Spec spec, List<RootfsMount> rootfs, Stdio stdio) {
        if (closed) {
            throw new IllegalStateException("this runtime on '" + stateDir + "' is closed");
        }
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("container id '" + id
                    + "' is invalid: use 1-64 letters, digits, '_', '.' or '-', starting with a letter or digit");
        }
        if (!ids.add(id)) {
            throw new IllegalArgumentException("container id '" + id + "' is already in use in this runtime");
        }
        Path dir = instanceDir.resolve(id);
        Spare spare = null;
        try {
            Plan plan = Planner.create(id, spec, rootfs, List.of(), writeEtcFiles(dir, spec),
                    cgroups.containerView());
            spare = takeSpare(stdio, plan.beforeClone());
            cgroups.limit(spare.cgroup(), spec.linux() == null ? null : spec.linux().resources());
            Helper helper = spare.helper().begin(plan.afterClone(), pid -> LifecycleHooks.runCreate(id, spec, pid));
            LinuxContainer container = new LinuxContainer(this, id, spec, spare.cgroup(), spare.procs(), dir, helper);
            containers.put(id, container);
            return container;
        } catch (RuntimeException e) {
            if (spare != null) {
                spare.helper().discard();
                cgroups.remove(spare.cgroup());
            }
            ids.remove(id);
            deleteTree(dir);
            throw e;
        }
    }

    /**
     * A helper already started, moved into a fresh cgroup and cloned (its child waits, in new
     * namespaces, for the rest of the plan). Moving a process between cgroups waits for an RCU grace
     * period (milliseconds) unless another move happened just before, and a new network namespace
     * takes a while too, so spares are prepared on the launcher thread, off the caller's path, for
     * the streams and namespaces last asked for.
     */
    private record Spare(Stdio stdio, List<String> beforeClone, Helper helper, String cgroup, List<Path> procs) {
        boolean fits(Stdio stdio, Plan beforeClone) {
            return this.stdio.equals(stdio) && this.beforeClone.equals(beforeClone.lines());
        }
    }

    private Spare takeSpare(Stdio stdio, Plan beforeClone) {
        Spare spare = null;
        synchronized (spares) {
            if (!spares.isEmpty() && spares.peek().fits(stdio, beforeClone)) {
                spare = spares.poll();
            }
        }
        // submit, not execute: an exception must not end the thread, whose death would kill its helpers.
        launcher.submit(() -> refill(stdio, beforeClone));
        return spare != null ? spare : onLauncher(() -> prepareSpare(stdio, beforeClone));
    }

    /** Keeps {@link #SPARES} spares like the last container asked for; other ones go. */
    private void refill(Stdio stdio, Plan beforeClone) {
        List<Spare> stale = new ArrayList<>();
        int missing;
        synchronized (spares) {
            spares.removeIf(s -> !s.fits(stdio, beforeClone) && stale.add(s));
            missing = closed ? 0 : SPARES - spares.size();
        }
        stale.forEach(this::discard);
        for (int i = 0; i < missing; i++) {
            Spare spare;
            try {
                spare = prepareSpare(stdio, beforeClone);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot prepare a helper in advance: {0}", e.getMessage());
                return;
            }
            synchronized (spares) {
                if (!closed) {
                    spares.add(spare);
                    continue;
                }
            }
            discard(spare);
        }
    }

    private Spare prepareSpare(Stdio stdio, Plan beforeClone) {
        long n = sequence.incrementAndGet();
        String cgroup = "stevedore/" + instance + "/" + n;
        List<Path> procs = cgroups.create(cgroup);
        Helper helper;
        try {
            helper = Helper.spawn(helperExecutable, instanceDir.resolve(n + ".sock"), stdio);
        } catch (RuntimeException e) {
            cgroups.remove(cgroup);
            throw e;
        }
        Spare spare = new Spare(stdio, beforeClone.lines(), helper, cgroup, procs);
        try {
            for (Path p : procs) {
                Files.writeString(p, Long.toString(helper.process.pid()));
            }
        } catch (IOException e) {
            discard(spare);
            throw new ContainerBackendException("cannot move the helper into cgroup '" + cgroup + "': " + e, null, e);
        }
        try {
            helper.clone(beforeClone);
        } catch (RuntimeException e) {
            discard(spare);
            throw e;
        }
        return spare;
    }

    private void discard(Spare spare) {
        spare.helper().discard();
        cgroups.remove(spare.cgroup());
    }

    private <T> T onLauncher(java.util.concurrent.Callable<T> task) {
        try {
            return launcher.submit(task).get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new ContainerBackendException("cannot start the helper: " + e.getCause(), null, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ContainerBackendException("interrupted while starting the helper", null, e);
        }
    }

    /** Starts a helper for an exec; it joins the container's cgroups itself. */
    Helper launch(Plan plan, Stdio stdio) {
        long n = sequence.incrementAndGet();
        return onLauncher(() -> Helper.spawn(helperExecutable, instanceDir.resolve(n + ".sock"), stdio))
                .clone(plan.beforeClone()).begin(plan.afterClone());
    }

    Path helperExecutable() {
        return helperExecutable;
    }

    String instance() {
        return instance;
    }

    Cgroups cgroups() {
        return cgroups;
    }

    void removed(LinuxContainer container, String cgroup, Path dir) {
        try {
            cgroups.remove(cgroup);
        } finally {
            deleteTree(dir);
            containers.remove(container.id(), container);
            ids.remove(container.id());
        }
    }

    private Map<String, Path> writeEtcFiles(Path dir, Spec spec) {
        try {
            Files.createDirectory(dir);
            Map<String, Path> files = new LinkedHashMap<>();
            String hostname = spec.hostname() == null ? "localhost" : spec.hostname();
            files.put("/etc/hostname", Files.writeString(dir.resolve("hostname"), hostname + "\n"));
            files.put("/etc/hosts", Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n"
                    + "::1\tlocalhost ip6-localhost ip6-loopback\n"
                    + (spec.hostname() == null ? "" : "127.0.0.1\t" + spec.hostname() + "\n")));
            files.put("/etc/resolv.conf", Files.writeString(dir.resolve("resolv.conf"), resolvConf));
            return files;
        } catch (IOException e) {
            throw new ContainerBackendException("cannot write the container's /etc files in '" + dir + "': " + e,
                    null, e);
        }
    }

    private static String readResolvConf() {
        Path file = Path.of("/etc/resolv.conf");
        try {
            return Files.isReadable(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new ContainerBackendException("cannot read '" + file + "': " + e, null, e);
        }
    }

    /** Removes the state and cgroups of runtimes whose JVM died (their lock is free). */
    private void removeLeftovers() {
        List<Path> locks = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(stateDir, "*.lock")) {
            dir.forEach(locks::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list '" + stateDir + "'", e);
        }
        for (Path lockFile : locks) {
            String other = lockFile.getFileName().toString().replace(".lock", "");
            if (other.equals(instance)) {
                continue;
            }
            try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                FileLock l = ch.tryLock();
                if (l == null) {
                    continue;
                }
                LOG.log(Level.INFO, "removing containers left by a dead runtime in ''{0}''", stateDir.resolve(other));
                cgroups.remove("stevedore/" + other);
                deleteTree(stateDir.resolve(other));
                Files.delete(lockFile);
                l.release();
            } catch (OverlappingFileLockException e) {
                // Another runtime of this JVM holds it: alive.
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove leftovers of runtime ''{0}'': {1}", other, e);
            }
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException failure = null;
        for (LinuxContainer c : List.copyOf(containers.values())) {
            try {
                c.delete();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        launcher.shutdown();
        try {
            launcher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (spares) {
            spares.forEach(s -> s.helper().discard());
            spares.clear();
        }
        try {
            cgroups.remove("stevedore/" + instance);
            deleteTree(instanceDir);
            lock.release();
            lockChannel.close();
            Files.deleteIfExists(stateDir.resolve(instance + ".lock"));
        } catch (IOException | RuntimeException e) {
            if (failure == null) {
                failure = e instanceof RuntimeException ? (RuntimeException) e : new UncheckedIOException((IOException) e);
            } else {
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove '" + dir + "'", e);
        }
    }
}
