package dev.stevedore;

import java.util.Objects;

/**
 * Settings for new networks. Immutable: every {@code withX} returns new settings.
 *
 * <pre>{@code
 * Network lab = Networks.spec().withSubnet("10.90.0.0/24").create("lab");
 * }</pre>
 */
public final class NetworkSpec {

    private final Engine engine;
    private final String subnet;
    private final boolean outboundNat;

    NetworkSpec(Engine engine, String subnet, boolean outboundNat) {
        this.engine = engine;
        this.subnet = subnet;
        this.outboundNat = outboundNat;
    }

    /**
     * @param cidr the IPv4 subnet, such as {@code 10.90.0.0/24} (prefix 8 to 30); without one, the
     *     first {@code /24} from 10.89.0.0 to 10.127.255.0 that overlaps no other network and no
     *     host route is taken
     * @return new settings
     */
    public NetworkSpec withSubnet(String cidr) {
        return new NetworkSpec(engine, Objects.requireNonNull(cidr, "cidr"), outboundNat);
    }

    /**
     * Masquerades the network's traffic that leaves the host (an nftables rule; the {@code nft}
     * command must be installed), so containers reach beyond it. Off by default: containers then
     * reach only the host and each other.
     *
     * @return new settings
     */
    public NetworkSpec withOutboundNat() {
        return new NetworkSpec(engine, subnet, true);
    }

    /**
     * @param engine the engine to create networks on instead of the default one
     * @return new settings
     */
    public NetworkSpec withEngine(Engine engine) {
        return new NetworkSpec(Objects.requireNonNull(engine, "engine"), subnet, outboundNat);
    }

    /**
     * Creates a network: a bridge on the host holding the subnet's first address, and the store's
     * record of it.
     *
     * @param name letters, digits, {@code _ . -}
     * @return the network
     * @throws NetworkException when the name is taken or the subnet overlaps another network or a
     *     host route (naming it); nothing is left half-made
     */
    public Network create(String name) {
        Engine e = engine != null ? engine : Engine.defaultEngine();
        return new Network(e, e.core().networks().create(name, subnet, outboundNat));
    }

    @Override
    public String toString() {
        return "NetworkSpec{subnet=" + (subnet == null ? "automatic" : subnet) + (outboundNat ? ", outboundNat" : "")
                + (engine == null ? "" : ", engine=" + engine.root()) + "}";
    }
}
