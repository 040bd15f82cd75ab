package dev.stevedore.spi;

/** Where a container is in its life, as the runtime spec names the states. */
public enum ContainerState {
    /** Set up and waiting for {@link ContainerHandle#start()}. */
    CREATED,
    /** Its process was executed and has not exited. */
    RUNNING,
    /** Its process exited (or was never executed because start or create failed). */
    STOPPED
}
