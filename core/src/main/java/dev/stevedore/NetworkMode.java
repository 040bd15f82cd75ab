package dev.stevedore;

/** How a container reaches the network. */
public enum NetworkMode {
    /** Its own network namespace with only a loopback interface: no network, the default. */
    NONE,
    /** The host's network namespace: the container sees and uses the host's interfaces and ports. */
    HOST
}
