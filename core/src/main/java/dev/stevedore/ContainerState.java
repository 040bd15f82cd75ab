package dev.stevedore;

/** Where a {@link Container} is in its life. */
public enum ContainerState {
    /** Set up, its process not yet executed. */
    CREATED,
    /** Its process runs. */
    RUNNING,
    /** Its process ended; its files and logs are still there. */
    EXITED,
    /** Removed: nothing of it is left. */
    REMOVED
}
