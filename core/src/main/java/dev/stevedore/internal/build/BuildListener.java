package dev.stevedore.internal.build;

import java.time.Duration;

/** Receives a build's progress: each step is either cached, or running (with its output) then done. */
public interface BuildListener {

    /** Ignores everything. */
    BuildListener NONE = new BuildListener() {};

    /**
     * One step of a build.
     *
     * @param stage the stage's name, or its index when it has none
     * @param number the step's 1-based number in the build
     * @param line the Dockerfile line it comes from
     * @param text the instruction with its arguments expanded, such as {@code COPY . /app}
     */
    record Step(String stage, int number, int line, String text) {
        @Override
        public String toString() {
            return "[" + stage + " " + number + "] " + text;
        }
    }

    /** The step's result was taken from the cache. */
    default void cached(Step step) {}

    /** The step starts. */
    default void running(Step step) {}

    /** Output of a RUN step, as it comes; {@code stderr} tells which stream. */
    default void output(Step step, byte[] bytes, int length, boolean stderr) {}

    /** The step finished. */
    default void done(Step step, Duration took) {}

    /** Something worth telling that does not stop the build, such as an unused build argument. */
    default void warning(String message) {}
}
