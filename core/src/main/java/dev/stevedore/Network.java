package dev.stevedore;

import dev.stevedore.internal.network.NetworkRecord;
import java.util.Objects;

/**
 * A bridge network of an engine: a subnet, a bridge device on the host, and the containers
 * attached to it, which reach each other by container name and alias. Closing it removes it.
 *
 * <pre>{@code
 * try (Network net = Networks.create("backend")) {
 *     Container db = Containers.image("busybox:1.36").withNetwork("backend").withName("db")
 *             .withCommand("httpd", "-f", "-p", "80").start();
 *     Containers.image("busybox:1.36").withNetwork("backend")
 *             .withCommand("wget", "-qO-", "http://db/").run();
 * }
 * }</pre>
 */
public final class Network implements AutoCloseable {

    private final Engine engine;
    private final NetworkRecord record;

    Network(Engine engine, NetworkRecord record) {
        this.engine = engine;
        this.record = record;
    }

    /** @return the network's name */
    public String name() {
        return record.name();
    }

    /** @return its IPv4 subnet, such as {@code 10.89.0.0/24} */
    public String subnet() {
        return record.subnet();
    }

    /** @return its IPv6 subnet, a unique local {@code /64} such as {@code fd12:3456:789a::/64} */
    public String ipv6Subnet() {
        return record.subnet6();
    }

    /** @return the bridge's address, the containers' default gateway */
    public String gateway() {
        return dev.stevedore.internal.network.Subnet.parse(record.subnet()).gateway();
    }

    /** @return the name of the bridge device on the host */
    public String bridge() {
        return record.bridge();
    }

    /** @return whether traffic leaving the host is masqueraded */
    public boolean outboundNat() {
        return record.outboundNat();
    }

    /**
     * Removes the network: its bridge, NAT rules and stored state.
     *
     * @throws NetworkException when containers still use it (naming them) or it is already gone
     */
    public void remove() {
        engine.core().networks().remove(record.name());
    }

    /** Removes the network unless it is already gone; see {@link #remove()}. */
    @Override
    public void close() {
        if (engine.core().networks().list().stream().anyMatch(n -> n.name().equals(record.name()))) {
            remove();
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Network n && n.engine == engine && n.record.name().equals(record.name())
                && n.record.subnet().equals(record.subnet());
    }

    @Override
    public int hashCode() {
        return Objects.hash(record.name(), record.subnet());
    }

    @Override
    public String toString() {
        return "Network{name=" + name() + ", subnet=" + subnet() + ", bridge=" + bridge()
                + (outboundNat() ? ", outboundNat" : "") + "}";
    }
}
