package dev.stevedore.testing;

import dev.stevedore.ContainerSpec;
import dev.stevedore.ExecResult;
import java.util.Objects;

/**
 * A container a {@link Stevedore} test class declares in a {@link Container} field: the extension
 * starts it from its spec before the tests that use it and removes it after them. Safe to read
 * from several threads once started.
 */
public final class ManagedContainer {

    private final ContainerSpec spec;
    private volatile dev.stevedore.Container container;

    private ManagedContainer(ContainerSpec spec) {
        this.spec = Objects.requireNonNull(spec, "spec");
    }

    /**
     * @param spec what to start
     * @return a container the extension will start
     */
    public static ManagedContainer of(ContainerSpec spec) {
        return new ManagedContainer(spec);
    }

    /** @return the spec it is started from */
    public ContainerSpec spec() {
        return spec;
    }

    /**
     * @return the started container
     * @throws IllegalStateException when the extension has not started it (is the class annotated
     *     with {@link Stevedore} and the field with {@link Container}?)
     */
    public dev.stevedore.Container get() {
        dev.stevedore.Container c = container;
        if (c == null) {
            throw new IllegalStateException("container " + spec + " is not started: annotate the test class with"
                    + " @Stevedore and the field with @Container");
        }
        return c;
    }

    /**
     * Runs a command in the container; see {@link dev.stevedore.Container#exec(String...)}.
     *
     * @param command the command, executable first
     * @return how it ended and what it wrote
     */
    public ExecResult exec(String... command) {
        return get().exec(command);
    }

    /** @return the container's output so far; see {@link dev.stevedore.Container#logs()} */
    public String logs() {
        return get().logs();
    }

    /** @return whether the extension has started it and not yet removed it */
    public boolean isStarted() {
        return container != null;
    }

    void start() {
        container = spec.start();
    }

    void remove() {
        dev.stevedore.Container c = container;
        container = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public String toString() {
        dev.stevedore.Container c = container;
        return "ManagedContainer{" + (c == null ? "not started, " + spec : c.toString()) + "}";
    }
}
