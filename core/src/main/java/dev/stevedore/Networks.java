package dev.stevedore;

import java.util.List;

/**
 * Entry point for bridge networks of the {@linkplain Engine#defaultEngine() default engine}
 * ({@link Engine#network} and {@link Engine#networks} serve other engines). Containers join
 * them with {@link ContainerSpec#withNetwork} and reach the others on their networks by
 * container name and alias. Networks live in the engine's store until removed.
 *
 * <pre>{@code
 * Network net = Networks.create("backend");                                 // a free /24, no NAT
 * Network lab = Networks.spec().withSubnet("10.90.0.0/24").withEngine(engine).create("lab");
 * }</pre>
 */
public final class Networks {

    private Networks() {
    }

    /**
     * Creates a network on the default engine with a free {@code /24} (see {@link NetworkSpec})
     * and no outbound NAT.
     *
     * @param name letters, digits, {@code _ . -}
     * @return the network
     * @throws NetworkException when the name is taken
     */
    public static Network create(String name) {
        return spec().create(name);
    }

    /** @return settings for new networks: an automatic subnet, no NAT, the default engine */
    public static NetworkSpec spec() {
        return new NetworkSpec(null, null, false);
    }

    /**
     * @param name a network's name
     * @return the default engine's network
     * @throws NetworkException when there is none of that name
     */
    public static Network get(String name) {
        return Engine.defaultEngine().network(name);
    }

    /** @return the default engine's networks, by name */
    public static List<Network> list() {
        return Engine.defaultEngine().networks();
    }
}
