package dev.stevedore.internal.build;

import dev.stevedore.internal.engine.ContainerConfig;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a RUN step: a container over the step's image layers, whose file changes come back as a layer.
 * The builder keeps everything else (no container is needed for the other instructions).
 */
public interface RunStepExecutor {

    /**
     * What to run.
     *
     * @param layers the unpacked layers of the image so far, the base layer first
     * @param argv the command, already put through the shell for the shell form
     * @param env the environment, each {@code NAME=value}
     * @param user the user as USER gives it ({@code name}, {@code uid}, {@code name:group}...), empty for root
     * @param workingDir the working directory (created if missing)
     * @param network {@code none} or {@code host}
     * @param mounts what {@code RUN --mount} adds: cache directories and tmpfs, whose content stays out of the layer
     */
    record RunSpec(List<Path> layers, List<String> argv, List<String> env, String user, String workingDir,
            String network, List<ContainerConfig.Volume> mounts) {
        public RunSpec {
            layers = List.copyOf(layers);
            argv = List.copyOf(argv);
            env = List.copyOf(env);
            mounts = List.copyOf(mounts);
        }
    }

    /** Receives the command's output as it comes. */
    interface Output {
        void write(byte[] bytes, int length, boolean stderr);
    }

    /**
     * Runs the command and writes what it changed as an uncompressed OCI layer tar (whiteouts for
     * deletions, sorted entries, fixed timestamps).
     *
     * @param changes receives the tar; not closed
     * @return the command's exit status; the changes are written only when it is 0
     */
    int run(RunSpec spec, OutputStream changes, Output output);

    /**
     * Asked before a RUN step runs.
     *
     * @return why this executor cannot run commands here (no container backend, say), or null when it can
     */
    default String unavailableReason() {
        return null;
    }
}
