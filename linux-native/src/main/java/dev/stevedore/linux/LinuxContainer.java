package dev.stevedore.linux;

import dev.stevedore.oci.runtime.Process;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.spi.ContainerHandle;
import dev.stevedore.spi.ContainerProcess;
import dev.stevedore.spi.ContainerState;
import dev.stevedore.spi.ContainerStats;
import dev.stevedore.spi.Stdio;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/** A container of a {@link LinuxRuntime}: its helper, cgroup and state directory. */
final class LinuxContainer implements ContainerHandle {
    private final LinuxRuntime runtime;
    private final String id;
    private final Spec spec;
    private final String cgroup;
    private final List<Path> cgroupProcs;
    private final Path dir;
    private final Helper helper;
    private volatile boolean started;
    private volatile boolean deleted;

    LinuxContainer(LinuxRuntime runtime, String id, Spec spec, String cgroup, List<Path> cgroupProcs, Path dir,
            Helper helper) {
        this.runtime = runtime;
        this.id = id;
        this.spec = spec;
        this.cgroup = cgroup;
        this.cgroupProcs = cgroupProcs;
        this.dir = dir;
        this.helper = helper;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public long pid() {
        return helper.pid();
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
        if (deleted || !helper.process.isAlive()) {
            return ContainerState.STOPPED;
        }
        return started ? ContainerState.RUNNING : ContainerState.CREATED;
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
        Helper exec = runtime.launch(Planner.exec(helper.pid(), spec, process, cgroupProcs), stdio);
        exec.go();
        return new LinuxProcess(exec);
    }

    @Override
    public ContainerStats stats() {
        return runtime.cgroups().stats(cgroup);
    }

    @Override
    public OutputStream stdin() {
        return helper.stdin();
    }

    @Override
    public InputStream stdout() {
        return helper.stdout();
    }

    @Override
    public InputStream stderr() {
        return helper.stderr();
    }

    @Override
    public void kill(int signal) {
        helper.kill(signal);
    }

    @Override
    public OptionalInt waitFor(Duration timeout) {
        return helper.waitFor(timeout);
    }

    @Override
    public int waitFor() {
        return helper.waitFor();
    }

    @Override
    public synchronized void delete() {
        if (deleted) {
            return;
        }
        if (helper.process.isAlive()) {
            helper.kill(9);
            if (helper.waitFor(Duration.ofSeconds(5)).isEmpty()) {
                helper.process.destroyForcibly();
                helper.waitFor();
            }
        }
        helper.close();
        deleted = true;
        runtime.removed(this, cgroup, dir);
        LifecycleHooks.runPoststop(id, spec);
    }
}
