package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerState;
import dev.stevedore.spi.ContainerStats;
import dev.stevedore.spi.Stdio;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/** A container of a {@link LinuxRuntime}: its helper, cgroup and state directory. */
final class LinuxContainer extends LinuxProcess implements ContainerHandle {
    private final LinuxRuntime runtime;
    private final String id;
    private final Spec spec;
    private final String cgroup;
    private final Set<String> controllers;
    private final List<Path> cgroupProcs;
    private final Path dir;
    private volatile boolean started;
    private volatile boolean deleted;
    private volatile boolean paused;
    /** The usage read just before the cgroup was removed. */
    private volatile ContainerStats finalStats;
    /** The helpers of exec'd processes that may still run: let go of when the container is deleted. */
    private final List<Helper> execs = new java.util.ArrayList<>();

    LinuxContainer(LinuxRuntime runtime, String id, Spec spec, String cgroup, Set<String> controllers,
            List<Path> cgroupProcs, Path dir, Helper helper, ConsoleSocket.Terminal terminal) {
        super(helper, terminal);
        this.runtime = runtime;
        this.id = id;
        this.spec = spec;
        this.cgroup = cgroup;
        this.controllers = controllers;
        this.cgroupProcs = cgroupProcs;
        this.dir = dir;
    }

    @Override
    public String id() {
        return id;
    }

    String cgroup() {
        return cgroup;
    }

    /** @return the helper's pid (the container process's parent) */
    long helperPid() {
        return helper.process.pid();
    }

    @Override
    public ContainerState state() {
        if (deleted || helper.exited()) {
            return ContainerState.STOPPED;
        }
        return !started ? ContainerState.CREATED : paused ? ContainerState.PAUSED : ContainerState.RUNNING;
    }

    @Override
    public synchronized void pause() {
        ContainerState state = state();
        if (state != ContainerState.RUNNING) {
            throw new IllegalStateException("container '" + id + "' cannot be paused: it is " + state);
        }
        requireFreezer();
        runtime.cgroups().freeze(cgroup, true);
        paused = true;
    }

    @Override
    public synchronized void resume() {
        ContainerState state = state();
        if (state != ContainerState.PAUSED) {
            throw new IllegalStateException("container '" + id + "' cannot be resumed: it is " + state);
        }
        runtime.cgroups().freeze(cgroup, false);
        paused = false;
    }

    private void requireFreezer() {
        if (runtime.rootless() != null) {
            throw new UnsupportedOperationException("container '" + id + "' cannot be paused: it is rootless, without"
                    + " a cgroup of its own (uid " + runtime.rootless().uidMappings().get(0).hostID()
                    + " cannot create cgroups), so there is no freezer to stop it with");
        }
        if (!controllers.contains("freezer")) {
            throw new UnsupportedOperationException("container '" + id + "' cannot be paused: this host has no "
                    + "cgroup freezer (neither a v1 freezer hierarchy nor cgroup v2)");
        }
    }

    @Override
    public synchronized void start() {
        ContainerState state = state();
        if (state != ContainerState.CREATED) {
            throw new IllegalStateException("container '" + id + "' cannot be started: it is " + state);
        }
        started = true;
        helper.go();
        LifecycleHooks.runPoststart(id, spec, helper.pid());
    }

    @Override
    public ContainerProcess exec(Process process, Stdio stdio) {
        ContainerState state = state();
        if (state != ContainerState.RUNNING) {
            throw new IllegalStateException("cannot exec in container '" + id + "': it is " + state);
        }
        if (!LinuxRuntime.hasTerminal(process)) {
            Helper exec = track(runtime.launch(Planner.exec(helper.pid(), spec, process, cgroupProcs), stdio));
            exec.go();
            return new LinuxProcess(exec, null);
        }
        try (ConsoleSocket console = runtime.listenForTerminal()) {
            Helper exec = track(runtime.launch(Planner.exec(helper.pid(), spec, process, cgroupProcs,
                    console.path()), Stdio.pipes()));
            ConsoleSocket.Terminal terminal = null;
            try {
                terminal = console.receive(LinuxRuntime.TERMINAL_TIMEOUT);
                exec.go();
                return new LinuxProcess(exec, terminal);
            } catch (RuntimeException e) {
                if (terminal != null) {
                    terminal.close();
                }
                exec.discard();
                throw e;
            }
        }
    }

    private Helper track(Helper exec) {
        synchronized (execs) {
            for (java.util.Iterator<Helper> it = execs.iterator(); it.hasNext();) {
                if (!it.next().process.isAlive()) {
                    it.remove();
                }
            }
            execs.add(exec);
        }
        return exec;
    }

    @Override
    public ContainerStats stats() {
        ContainerStats last = finalStats;
        return last != null ? last : CgroupStats.read(runtime.cgroups(), cgroup, controllers);
    }

    @Override
    public synchronized void delete() {
        if (deleted) {
            return;
        }
        if (paused) {
            // Frozen processes, the helper among them, act on no signal until thawed.
            runtime.cgroups().freeze(cgroup, false);
            paused = false;
        }
        if (helper.process.isAlive()) {
            helper.kill(9);
            if (!helper.awaitExit(Duration.ofSeconds(5))) {
                helper.process.destroy();
                helper.awaitExit(Duration.ofSeconds(5));
            }
        }
        helper.close();
        synchronized (execs) {
            // A loop rather than a method reference: a fresh JVM's first container is deleted as it exits, where each
            // lambda is a class made at run time.
            for (Helper exec : execs) {
                exec.close();
            }
            execs.clear();
        }
        if (terminal != null) {
            terminal.close();
        }
        finalStats = CgroupStats.readFinal(runtime.cgroups(), cgroup, controllers);
        deleted = true;
        runtime.removed(this, cgroup, controllers, dir);
        LifecycleHooks.runPoststop(id, spec);
    }
}
