package dev.stevedore.internal.network;

/**
 * A container port published on the host.
 *
 * @param hostAddress the host address to listen on, such as {@code 127.0.0.1}
 * @param hostPort the host port, 0 for a free one
 * @param containerPort the port the container listens on
 * @param udp UDP rather than TCP
 */
public record PortBinding(String hostAddress, int hostPort, int containerPort, boolean udp) {

    /** A TCP port. */
    public PortBinding(String hostAddress, int hostPort, int containerPort) {
        this(hostAddress, hostPort, containerPort, false);
    }

    public PortBinding {
        if (containerPort < 1 || containerPort > 65535) {
            throw new IllegalArgumentException("container port " + containerPort + " is not a port number (1-65535)");
        }
        if (hostPort < 0 || hostPort > 65535) {
            throw new IllegalArgumentException("host port " + hostPort + " is not a port number (0-65535, 0 for any"
                    + " free one)");
        }
        java.util.Objects.requireNonNull(hostAddress, "hostAddress");
    }

    @Override
    public String toString() {
        return hostAddress + ":" + (hostPort == 0 ? "*" : hostPort) + "->" + containerPort + (udp ? "/udp" : "");
    }
}
