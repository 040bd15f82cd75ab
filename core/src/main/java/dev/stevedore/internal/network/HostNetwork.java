package dev.stevedore.internal.network;

import java.util.List;
import java.util.Set;

/**
 * The kernel side of container networking: bridges, veth pairs, addresses, routes and NAT. The
 * engine decides (which subnet, which address, which names); an implementation only executes.
 * The Linux one ({@code dev.stevedore.linux.net.NetlinkHostNetwork}, in stevedore-linux-native)
 * speaks rtnetlink; it is found with {@link java.util.ServiceLoader}.
 */
public interface HostNetwork {

    /** @return null when this implementation can work here, otherwise why not */
    String unavailableReason();

    /**
     * Creates a bridge, gives it addresses and brings it up.
     *
     * @param name the interface name (at most 15 bytes)
     * @param addresses the bridge's addresses with their subnets' prefixes, such as
     *     {@code 10.89.0.1/24} and {@code fd12:3456:789a::1/64}
     */
    void createBridge(String name, List<String> addresses);

    /**
     * Deletes a link (a bridge, or a veth with its peer).
     *
     * @return false when there was no such link
     */
    boolean deleteLink(String name);

    /** @return whether the host has a link of that name */
    boolean linkExists(String name);

    /** @return the names of the host's links */
    List<String> links();

    /** @return the names of the links enslaved to a bridge */
    List<String> bridgePorts(String bridge);

    /** @return destinations of the host's IPv4 routes in CIDR notation, such as {@code 172.17.0.0/16} */
    List<String> ipv4Routes();

    /**
     * Connects a process's network namespace to a bridge: a veth pair whose host end joins the
     * bridge and whose other end, inside the namespace, comes up with addresses and default
     * routes through the gateways given.
     *
     * @param pid a process in the target network namespace
     * @param bridge the bridge
     * @param hostName the host end's name
     * @param containerName the name inside the namespace, such as {@code eth0}
     * @param addresses addresses with prefixes, IPv4 first, such as {@code 10.89.0.2/24}
     * @param gateways a default route's gateway per address family, or none
     */
    void attach(long pid, String bridge, String hostName, String containerName, List<String> addresses,
            List<String> gateways);

    /**
     * Masquerades traffic from a subnet leaving through any interface but its bridge.
     *
     * @param table a name for the rules, unique per network
     */
    void enableNat(String table, String subnet, String bridge);

    /** Removes the rules {@link #enableNat} added; nothing when there are none. */
    void disableNat(String table);

    /** @return the names of the NAT rule sets present */
    List<String> natTables();

    /**
     * A published TCP port forwarded in the kernel.
     *
     * @param hostAddress the IPv4 host address, {@code 0.0.0.0} for all of the host's
     * @param hostPort the host port
     * @param target the container's address on the bridge
     * @param targetPort the container's port
     */
    record PortForward(String hostAddress, int hostPort, String target, int targetPort) {
    }

    /**
     * Forwards published ports to a container on a bridge in the kernel (destination NAT), so a
     * connection stays one connection end to end. Rules added later for the same host port take
     * precedence.
     *
     * @param tag names the rules for {@link #unforwardPorts}: {@code <bridge>/<container>}
     * @param bridge the bridge the container is on
     * @param forwards the ports
     */
    void forwardPorts(String tag, String bridge, List<PortForward> forwards);

    /** Removes the rules {@link #forwardPorts} added under a tag; nothing when there are none. */
    void unforwardPorts(String tag);

    /** @return the tags of the port forwarding rules present */
    Set<String> portForwardTags();
}
