package dev.stevedore.linux;

import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.runtime.ContainerStatus;
import dev.stevedore.oci.runtime.Hook;
import dev.stevedore.oci.runtime.Hooks;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.oci.runtime.State;
import dev.stevedore.spi.ContainerBackendException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The runtime spec's hooks, each given the container's state on stdin. Those of the runtime's
 * namespaces (prestart, createRuntime, poststart, poststop) run here; those of the container's
 * (createContainer, startContainer) are put in the plan for the helper to run inside.
 *
 * <p>Hooks run here get their path as {@code argv[0]}, whatever {@code args[0]} says: a Java
 * process cannot set it apart. The state's {@code bundle} is the directory holding {@code root.path}.
 */
final class LifecycleHooks {

    /** Stands in for the pid in the state given to the helper, which writes the real one in its place. */
    private static final int PID_PLACEHOLDER = Integer.MAX_VALUE;

    /**
     * runtime.md's lifecycle runs prestart, createRuntime and createContainer hooks in steps 3 to 5,
     * once the environment exists, and its states say {@code creating} is step 2 and {@code created}
     * "after step 2": so they are given {@code created}.
     */
    private static final ContainerStatus CREATE_HOOKS_STATUS = ContainerStatus.CREATED;

    private LifecycleHooks() {
    }

    /** Plan part run before pivot_root: a pause for prestart and createRuntime hooks, then createContainer hooks. */
    static void planBeforePivot(Plan plan, String id, Spec spec) {
        Hooks hooks = spec.hooks();
        if (hooks == null) {
            return;
        }
        if (!hooks.prestart().isEmpty() || !hooks.createRuntime().isEmpty()) {
            plan.add(Op.PAUSE);
        }
        planHooks(plan, "createContainer", hooks.createContainer(), id, spec, CREATE_HOOKS_STATUS);
    }

    /** Plan part run after the go-ahead, before the process is set up: startContainer hooks. */
    static void planAfterGo(Plan plan, String id, Spec spec) {
        if (spec.hooks() != null) {
            planHooks(plan, "startContainer", spec.hooks().startContainer(), id, spec, ContainerStatus.CREATED);
        }
    }

    private static void planHooks(Plan plan, String kind, List<Hook> hooks, String id, Spec spec,
            ContainerStatus status) {
        String json = new String(OciJson.write(state(id, spec, status, PID_PLACEHOLDER)), StandardCharsets.UTF_8);
        String pid = "\"pid\":" + PID_PLACEHOLDER;
        int at = json.indexOf(pid);
        String before = json.substring(0, at + pid.length() - String.valueOf(PID_PLACEHOLDER).length());
        String after = json.substring(at + pid.length());
        for (Hook hook : hooks) {
            List<Object> args = new ArrayList<>(List.of(kind + " hook", hook.timeout() == null ? 0 : hook.timeout(),
                    before, after, hook.path()));
            List<String> argv = argv(hook);
            args.add(argv.size());
            args.addAll(argv);
            args.addAll(hook.env());
            plan.add(Op.HOOK, args.toArray());
        }
    }

    /** prestart, then createRuntime hooks; the container process waits before pivot_root meanwhile. */
    static void runCreate(String id, Spec spec, long pid) {
        State state = state(id, spec, CREATE_HOOKS_STATUS, pid);
        run("prestart", spec.hooks().prestart(), state);
        run("createRuntime", spec.hooks().createRuntime(), state);
    }

    /** poststart hooks; a failure is logged, as the runtime spec asks, and the container keeps running. */
    static void runPoststart(String id, Spec spec, long pid) {
        if (spec.hooks() != null) {
            runLogged("poststart", spec.hooks().poststart(), state(id, spec, ContainerStatus.RUNNING, pid));
        }
    }

    /** poststop hooks; a failure is logged. */
    static void runPoststop(String id, Spec spec) {
        if (spec.hooks() != null) {
            runLogged("poststop", spec.hooks().poststop(), state(id, spec, ContainerStatus.STOPPED, null));
        }
    }

    private static void runLogged(String kind, List<Hook> hooks, State state) {
        try {
            run(kind, hooks, state);
        } catch (ContainerBackendException e) {
            log().log(Level.WARNING, "container ''{0}'': {1}", state.id(), e.getMessage());
        }
    }

    private static void run(String kind, List<Hook> hooks, State state) {
        byte[] json = OciJson.write(state);
        for (Hook hook : hooks) {
            List<String> command = new ArrayList<>(argv(hook));
            command.set(0, hook.path());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().clear();
            for (String entry : hook.env()) {
                int eq = entry.indexOf('=');
                builder.environment().put(entry.substring(0, eq), entry.substring(eq + 1));
            }
            String name = kind + " hook \"" + hook.path() + "\"";
            java.lang.Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new ContainerBackendException(name + " cannot be run: " + e.getMessage(), null, e);
            }
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    return new byte[0];
                }
            });
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(json);
            } catch (IOException e) {
                // The hook need not read its state.
            }
            try {
                if (hook.timeout() != null && !process.waitFor(hook.timeout(), TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new ContainerBackendException(name + " timed out after " + hook.timeout() + " s", null, null);
                }
                int status = process.waitFor();
                if (status != 0) {
                    String out = new String(output.join(), StandardCharsets.UTF_8).strip();
                    throw new ContainerBackendException(name + " exited with status " + status
                            + (out.isEmpty() ? "" : ": " + tail(out)), null, null);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new ContainerBackendException("interrupted while running the " + name, null, e);
            }
        }
    }

    private static String tail(String text) {
        return text.length() <= 1000 ? text : "..." + text.substring(text.length() - 1000);
    }

    /** Like Go's exec.Cmd, which runc uses: without args, the path alone. */
    private static List<String> argv(Hook hook) {
        return hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
    }

    private static State state(String id, Spec spec, ContainerStatus status, Number pid) {
        Path parent = Path.of(spec.root().path()).getParent();
        return new State(spec.ociVersion(), id, status, pid == null ? null : pid.intValue(),
                parent == null ? "/" : parent.toString(), spec.annotations(), null);
    }

    /** Looked up when needed: the first lookup starts the logging system, which a container's start need not wait for. */
    private static System.Logger log() {
        return System.getLogger(LifecycleHooks.class.getName());
    }
}
