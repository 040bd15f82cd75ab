package dev.stevedore.internal.network;

/**
 * An IPv4 subnet: a network address whose host bits are zero, and a prefix length.
 *
 * @param network the network address as an unsigned 32-bit value
 * @param prefix the prefix length, 8 to 30 (a network needs room for a gateway and containers)
 */
public record Subnet(int network, int prefix) {

    public Subnet {
        if (prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("subnet " + format(network) + "/" + prefix
                    + ": the prefix length must be 8 to 30");
        }
        if ((network & ~mask(prefix)) != 0) {
            throw new IllegalArgumentException("subnet " + format(network) + "/" + prefix + " has host bits set; did"
                    + " you mean " + format(network & mask(prefix)) + "/" + prefix + "?");
        }
    }

    /**
     * @param cidr such as {@code 10.89.0.0/24}
     * @return the subnet
     * @throws IllegalArgumentException naming the text when it is not one
     */
    public static Subnet parse(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("subnet '" + cidr + "' needs a prefix length, such as 10.89.0.0/24");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet '" + cidr + "': the prefix length is not a number");
        }
        return new Subnet(parseAddress(cidr.substring(0, slash), "subnet '" + cidr + "'"), prefix);
    }

    /** Like {@link #parse} but for routes, whose prefix may be anything from 0 to 32. */
    static int[] parseRoute(String cidr) {
        int slash = cidr.indexOf('/');
        return new int[] {parseAddress(cidr.substring(0, slash), cidr), Integer.parseInt(cidr.substring(slash + 1))};
    }

    static int parseAddress(String text, String what) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException(what + ": '" + text + "' is not an IPv4 address");
        }
        int value = 0;
        for (String p : parts) {
            int octet;
            try {
                octet = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                octet = -1;
            }
            if (octet < 0 || octet > 255 || p.isEmpty() || p.length() > 3) {
                throw new IllegalArgumentException(what + ": '" + text + "' is not an IPv4 address");
            }
            value = value << 8 | octet;
        }
        return value;
    }

    static String format(int address) {
        return (address >>> 24) + "." + (address >>> 16 & 0xff) + "." + (address >>> 8 & 0xff) + "." + (address & 0xff);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    /** @return whether the two address ranges share an address */
    public boolean overlaps(int otherNetwork, int otherPrefix) {
        int shorter = Math.min(prefix, otherPrefix);
        return ((network ^ otherNetwork) & mask(shorter)) == 0;
    }

    /** @return the first host address, the bridge's */
    public String gateway() {
        return format(network + 1);
    }

    /** @return the number of addresses containers can get (all but network, gateway and broadcast) */
    public int capacity() {
        return (1 << (32 - prefix)) - 3;
    }

    /** @return the {@code i}-th container address, 0-based, after the gateway */
    public String address(int i) {
        return format(network + 2 + i);
    }

    /** @return the index {@link #address} gives for an address of this subnet, or -1 */
    public int indexOf(String address) {
        int a = parseAddress(address, "address");
        int i = a - network - 2;
        return i >= 0 && i < capacity() ? i : -1;
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }
}
