package dev.stevedore.linux.net;

import dev.stevedore.internal.network.HostNetwork;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Host networking through rtnetlink, encoded here and sent over a jnr-ffi socket: no {@code ip}
 * binary to find and fork (a fork and exec per step would cost more than the whole 5 ms budget
 * of a container's network setup), and every failure comes back as the kernel's errno for the
 * exact request. NAT is the one exception: nftables' netlink protocol is large, and masquerading
 * and port forwarding change once per network or container (not per packet), so they go through
 * the {@code nft} binary, one process and one atomic transaction per change.
 *
 * <p>Published ports live in one table of our own, {@value #PORTS_TABLE}, so other tools' rules
 * are never touched: destination NAT in the nat output chain (connections made on this host,
 * to {@code 127.0.0.1} too) and prerouting chain (from other hosts and other bridges), each rule
 * commented with its tag. Reaching a container from {@code 127.0.0.1} needs
 * {@code route_localnet} on its bridge (only there) and masquerading of forwarded connections
 * leaving through our bridges (the container could not answer {@code 127.0.0.1}); since
 * {@code route_localnet} would also let a container's packets to {@code 127.0.0.0/8} reach
 * the host's loopback services, a raw prerouting rule drops those.
 */
public final class NetlinkHostNetwork implements HostNetwork {
    private static final System.Logger LOG = System.getLogger(NetlinkHostNetwork.class.getName());

    static final short RTM_NEWLINK = 16;
    static final short RTM_DELLINK = 17;
    static final short RTM_GETLINK = 18;
    static final short RTM_NEWADDR = 20;
    static final short RTM_NEWROUTE = 24;
    static final short RTM_GETROUTE = 26;

    static final int AF_UNSPEC = 0;
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int IFA_F_NODAD = 0x02;
    static final int IFF_UP = 1;

    static final int IFLA_ADDRESS = 1;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_MTU = 4;
    static final int IFLA_MASTER = 10;
    static final int IFLA_LINKINFO = 18;
    static final int IFLA_NET_NS_PID = 19;
    static final int IFLA_INFO_KIND = 1;
    /**
     * The veth pairs' MTU: the largest there is, near loopback's. A bridge takes its ports' lowest
     * MTU, so this is the bridge's too. With Ethernet's 1500 a bulk transfer between the host and a
     * container is cut into segments of 1448 bytes instead of about 64 KiB, with about 45 times
     * the per-segment work and acknowledgements, and got about 0.4x the rate
     * of a loopback connection on 2 busy cores instead of about 1.0x ({@code PublishedPortBenchmark}
     * in examples). Traffic that leaves the host is sized to the uplink as any host's: TCP by the
     * peer's MSS, the rest by path MTU discovery or fragmentation.
     */
    static final int VETH_MTU = 65535;
    static final int IFLA_INFO_DATA = 2;
    static final int VETH_INFO_PEER = 1;
    static final int IFA_ADDRESS = 1;
    static final int IFA_LOCAL = 2;
    static final int RTA_DST = 1;
    static final int RTA_OIF = 4;
    static final int RTA_GATEWAY = 5;
    static final int RTA_TABLE = 15;
    static final int RT_TABLE_MAIN = 254;
    static final int RTPROT_BOOT = 3;
    static final int RTN_UNICAST = 1;

    static final int ENODEV = 19;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Object hostLock = new Object();
    private Netlink host;
    private final NetnsSockets namespaces = new NetnsSockets();

    /** Creates it; nothing is opened until first use. */
    public NetlinkHostNetwork() {
    }

    @Override
    public String unavailableReason() {
        if (!System.getProperty("os.name").equals("Linux")) {
            return "host networking needs Linux";
        }
        return Netlink.unavailableReason();
    }

    private <T> T onHost(java.util.function.Function<Netlink, T> work) {
        synchronized (hostLock) {
            if (host == null) {
                host = Netlink.open();
            }
            return work.apply(host);
        }
    }

    @Override
    public void createBridge(String name, List<String> addresses) {
        List<Cidr> cidrs = addresses.stream().map(Cidr::parse).toList();
        onHost(nl -> {
            Netlink.Message m = linkMessage(RTM_NEWLINK, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, 0, IFF_UP);
            m.attr(IFLA_IFNAME, name);
            // A fixed address: otherwise the bridge takes its lowest port's, which changes as
            // containers come and go and makes neighbours' ARP caches stale.
            m.attr(IFLA_ADDRESS, randomMac());
            int info = m.begin(IFLA_LINKINFO);
            m.attr(IFLA_INFO_KIND, "bridge");
            m.end(info);
            nl.request(m, "create bridge '" + name + "'");
            try {
                int index = index(nl, name);
                for (Cidr cidr : cidrs) {
                    addAddress(nl, index, cidr, "bridge '" + name + "'");
                }
            } catch (RuntimeException e) {
                deleteLink(nl, name);
                throw e;
            }
            return null;
        });
        isolate(name);
    }

    /**
     * Networks are isolated from each other as Docker's are: with IP forwarding on (outbound NAT
     * turns it on, and so do other tools), the host would route between any two of its bridges.
     * Each bridge gets a forward rule dropping what it sends to our other bridges, tagged with its
     * name; connections to published ports (destination-NATed) still pass, as they would from any
     * other host. Without nft the networks still work, unisolated, which is said in the log.
     */
    private static void isolate(String bridge) {
        try {
            nft(ISOLATION_BASE + "add rule inet " + ISOLATION_TABLE + " bridges iifname \"" + bridge
                    + "\" oifname \"sd-*\" oifname != \"" + bridge + "\" drop comment \"" + bridge + "\"\n",
                    "isolate bridge " + bridge);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "bridge {0} is not isolated from the other networks'' bridges while IP forwarding"
                    + " is on: {1}", bridge, e.getMessage());
        }
    }

    static final String ISOLATION_TABLE = "stevedore_isolation";
    /** The forward chain, flushed and added again each time so it stays single; bridges' rules in their own. */
    private static final String ISOLATION_BASE = "add table inet " + ISOLATION_TABLE + "\n"
            + "add chain inet " + ISOLATION_TABLE + " forward { type filter hook forward priority -10; policy accept; }\n"
            + "add chain inet " + ISOLATION_TABLE + " bridges\n"
            + "flush chain inet " + ISOLATION_TABLE + " forward\n"
            + "add rule inet " + ISOLATION_TABLE + " forward ct status dnat accept\n"
            + "add rule inet " + ISOLATION_TABLE + " forward jump bridges\n";

    @Override
    public boolean deleteLink(String name) {
        boolean bridge = Files.isDirectory(Path.of("/sys/class/net", name, "bridge"));
        boolean deleted = onHost(nl -> deleteLink(nl, name));
        if (bridge) {
            try {
                deleteTaggedRules("inet", ISOLATION_TABLE, name, "remove the isolation of bridge " + name);
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "no isolation rules of {0} to remove: {1}", name, e.getMessage());
            }
        }
        return deleted;
    }

    private static boolean deleteLink(Netlink nl, String name) {
        Netlink.Message m = linkMessage(RTM_DELLINK, 0, 0, 0).attr(IFLA_IFNAME, name);
        try {
            nl.request(m, "delete link '" + name + "'");
            return true;
        } catch (NetlinkException e) {
            if (e.errno() == ENODEV) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean linkExists(String name) {
        return onHost(nl -> {
            try {
                index(nl, name);
                return true;
            } catch (NetlinkException e) {
                if (e.errno() == ENODEV) {
                    return false;
                }
                throw e;
            }
        });
    }

    @Override
    public List<String> links() {
        List<String> names = new ArrayList<>();
        for (Link l : onHost(NetlinkHostNetwork::dumpLinks)) {
            names.add(l.name());
        }
        return names;
    }

    @Override
    public List<String> bridgePorts(String bridge) {
        return onHost(nl -> {
            int index = index(nl, bridge);
            List<String> ports = new ArrayList<>();
            for (Link l : dumpLinks(nl)) {
                if (l.master() == index) {
                    ports.add(l.name());
                }
            }
            return ports;
        });
    }

    record Link(int index, String name, int master) {
    }

    private static List<Link> dumpLinks(Netlink nl) {
        List<Link> links = new ArrayList<>();
        for (ByteBuffer body : nl.dump(linkMessage(RTM_GETLINK, 0, 0, 0), "list links")) {
            ByteBuffer[] attrs = Netlink.attributes(body, 16, IFLA_MASTER);
            links.add(new Link(body.getInt(4), attrs[IFLA_IFNAME] == null ? "" : Netlink.string(attrs[IFLA_IFNAME]),
                    attrs[IFLA_MASTER] == null ? 0 : attrs[IFLA_MASTER].getInt(0)));
        }
        return links;
    }

    @Override
    public List<String> ipv4Routes() {
        return onHost(nl -> {
            Netlink.Message m = new Netlink.Message(RTM_GETROUTE, 0).u8(AF_INET).u8(0).u8(0).u8(0).u8(0).u8(0).u8(0)
                    .u8(0).u32(0);
            List<String> routes = new ArrayList<>();
            for (ByteBuffer body : nl.dump(m, "list routes")) {
                int dstLen = Byte.toUnsignedInt(body.get(1));
                int table = Byte.toUnsignedInt(body.get(4));
                ByteBuffer[] attrs = Netlink.attributes(body, 12, RTA_TABLE);
                if (attrs[RTA_TABLE] != null) {
                    table = attrs[RTA_TABLE].getInt(0);
                }
                // The local table holds the host's own addresses; the default route covers everything.
                if (table == RT_TABLE_MAIN && dstLen > 0 && attrs[RTA_DST] != null) {
                    byte[] dst = new byte[4];
                    attrs[RTA_DST].duplicate().get(dst);
                    routes.add(Cidr.format(dst) + "/" + dstLen);
                }
            }
            return routes;
        });
    }

    @Override
    public void attach(long pid, String bridge, String hostName, String containerName, List<String> addresses,
            List<String> gateways) {
        List<Cidr> cidrs = addresses.stream().map(Cidr::parse).toList();
        List<byte[]> gws = gateways.stream().map(Cidr::parseAddress).toList();
        byte[] v4 = cidrs.stream().map(Cidr::address).filter(a -> a.length == 4).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("attach needs an IPv4 address: " + addresses));
        onHost(nl -> {
            int bridgeIndex = index(nl, bridge);
            Netlink.Message m = linkMessage(RTM_NEWLINK, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL, 0, IFF_UP);
            m.attr(IFLA_IFNAME, hostName);
            m.attrU32(IFLA_MTU, VETH_MTU);
            m.attrU32(IFLA_MASTER, bridgeIndex);
            int info = m.begin(IFLA_LINKINFO);
            m.attr(IFLA_INFO_KIND, "veth");
            int data = m.begin(IFLA_INFO_DATA);
            int peer = m.begin(VETH_INFO_PEER);
            // The peer's own ifinfomsg, then its attributes: it is born in the container's namespace.
            m.u8(AF_UNSPEC).u8(0).u16(0).u32(0).u32(0).u32(0);
            m.attr(IFLA_IFNAME, containerName);
            m.attrU32(IFLA_MTU, VETH_MTU);
            // A MAC derived from the IPv4 address, as Docker does: when an address is released and
            // given to a new container, neighbours' ARP entries for it stay right.
            m.attr(IFLA_ADDRESS, new byte[] {0x02, 0x42, v4[0], v4[1], v4[2], v4[3]});
            m.attrU32(IFLA_NET_NS_PID, (int) pid);
            m.end(peer).end(data).end(info);
            nl.request(m, "create veth pair '" + hostName + "' for pid " + pid + " on bridge '" + bridge + "'");
            return null;
        });
        try (Netlink inside = namespaces.open(pid)) {
            String where = "'" + containerName + "' in the network namespace of pid " + pid;
            int index = index(inside, containerName);
            // Up first: IPv6 adds an address's prefix route only on a link that is up.
            inside.request(linkMessage(RTM_NEWLINK, 0, index, IFF_UP), "bring up " + where);
            for (Cidr cidr : cidrs) {
                addAddress(inside, index, cidr, where);
            }
            for (byte[] gw : gws) {
                int family = gw.length == 4 ? AF_INET : AF_INET6;
                Netlink.Message r = new Netlink.Message(RTM_NEWROUTE, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL)
                        .u8(family).u8(0).u8(0).u8(0).u8(RT_TABLE_MAIN).u8(RTPROT_BOOT).u8(0).u8(RTN_UNICAST).u32(0);
                r.attr(RTA_GATEWAY, gw).attrU32(RTA_OIF, index);
                inside.request(r, "add default route via " + Cidr.format(gw) + " on " + where);
            }
        } catch (RuntimeException e) {
            try {
                deleteLink(hostName);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    private static void addAddress(Netlink nl, int index, Cidr cidr, String where) {
        boolean v6 = cidr.address().length == 16;
        // No duplicate address detection: the engine hands out unique addresses, and DAD would
        // keep an IPv6 address unusable ("tentative") for a second or more after each start.
        Netlink.Message m = new Netlink.Message(RTM_NEWADDR, Netlink.NLM_F_CREATE | Netlink.NLM_F_EXCL)
                .u8(v6 ? AF_INET6 : AF_INET).u8(cidr.prefix()).u8(v6 ? IFA_F_NODAD : 0).u8(0).u32(index);
        m.attr(IFA_LOCAL, cidr.address()).attr(IFA_ADDRESS, cidr.address());
        nl.request(m, "add address " + cidr + " to " + where);
    }

    /** @return the interface index of a link, by name */
    private static int index(Netlink nl, String name) {
        Netlink.Message m = linkMessage(RTM_GETLINK, 0, 0, 0).attr(IFLA_IFNAME, name);
        return nl.get(m, "find link '" + name + "'").getInt(4);
    }

    /** A link message: header, ifinfomsg with an index and the IFF_* flags to set (and change). */
    private static Netlink.Message linkMessage(short type, int flags, int index, int ifFlags) {
        return new Netlink.Message(type, flags).u8(AF_UNSPEC).u8(0).u16(0).u32(index).u32(ifFlags).u32(ifFlags);
    }

    private static byte[] randomMac() {
        byte[] mac = new byte[6];
        RANDOM.nextBytes(mac);
        // Locally administered, unicast.
        mac[0] = (byte) ((mac[0] & 0xfe) | 0x02);
        return mac;
    }

    @Override
    public void enableNat(String table, String subnet, String bridge) {
        nft("table ip " + table + " {\n"
                + "  chain postrouting {\n"
                + "    type nat hook postrouting priority srcnat; policy accept;\n"
                + "    ip saddr " + subnet + " oifname != \"" + bridge + "\" masquerade\n"
                + "  }\n"
                + "}\n", "add masquerading for " + subnet);
        Path forward = Path.of("/proc/sys/net/ipv4/ip_forward");
        try {
            if (!Files.readString(forward).strip().equals("1")) {
                LOG.log(Level.INFO, "enabling IPv4 forwarding ({0}) for outbound NAT of {1}", forward, subnet);
                Files.writeString(forward, "1");
            }
        } catch (IOException e) {
            disableNat(table);
            throw new UncheckedIOException("cannot enable IPv4 forwarding in '" + forward + "' for NAT of " + subnet, e);
        }
    }

    @Override
    public void disableNat(String table) {
        if (natTables().contains(table)) {
            nft("delete table ip " + table + "\n", "remove NAT table " + table);
        }
    }

    @Override
    public List<String> natTables() {
        List<String> tables = new ArrayList<>();
        for (String line : nft("list tables ip\n", "list nftables tables").split("\n")) {
            String[] parts = line.strip().split("\\s+");
            if (parts.length == 3 && parts[0].equals("table")) {
                tables.add(parts[2]);
            }
        }
        return tables;
    }

    static final String PORTS_TABLE = "stevedore";
    /**
     * What all forwarded ports share, flushed and added again in every change so it stays single:
     * masquerading and the loopback guard for our bridges (all named {@code sd-<hash>}).
     */
    private static final String PORTS_BASE = "add table ip " + PORTS_TABLE + "\n"
            + "add chain ip " + PORTS_TABLE + " output { type nat hook output priority -100; policy accept; }\n"
            + "add chain ip " + PORTS_TABLE + " prerouting { type nat hook prerouting priority -100; policy accept; }\n"
            + "add chain ip " + PORTS_TABLE + " postrouting { type nat hook postrouting priority 100; policy accept; }\n"
            + "add chain ip " + PORTS_TABLE + " guard { type filter hook prerouting priority -300; policy accept; }\n"
            + "flush chain ip " + PORTS_TABLE + " postrouting\n"
            + "add rule ip " + PORTS_TABLE + " postrouting oifname \"sd-*\" ct status dnat masquerade\n"
            + "flush chain ip " + PORTS_TABLE + " guard\n"
            + "add rule ip " + PORTS_TABLE + " guard iifname \"sd-*\" ip daddr 127.0.0.0/8 drop\n";
    private static final Pattern TAGGED_RULE =
            Pattern.compile("comment \"([^\"]+)\" # handle (\\d+)");

    @Override
    public void forwardPorts(String tag, String bridge, List<PortForward> forwards) {
        StringBuilder script = new StringBuilder(PORTS_BASE);
        boolean loopback = false;
        for (PortForward f : forwards) {
            boolean all = f.hostAddress().equals("0.0.0.0");
            loopback |= all || f.hostAddress().startsWith("127.");
            String rule = (all ? "fib daddr type local" : "ip daddr " + f.hostAddress()) + " tcp dport " + f.hostPort()
                    + " dnat to " + f.target() + ":" + f.targetPort() + " comment \"" + tag + "\"\n";
            // Inserted first, so a rule a killed JVM left for the same port (until the engine's
            // sweep removes it) cannot win.
            script.append("insert rule ip " + PORTS_TABLE + " output ").append(rule);
            if (!f.hostAddress().startsWith("127.")) {
                // Not from the container's own bridge: the kernel cannot send a connection back out
                // the port it came from, so those go to the relay that holds the port.
                script.append("insert rule ip " + PORTS_TABLE + " prerouting iifname != \"" + bridge + "\" ")
                        .append(rule);
            }
        }
        if (loopback) {
            Path localnet = Path.of("/proc/sys/net/ipv4/conf", bridge, "route_localnet");
            try {
                if (!Files.readString(localnet).strip().equals("1")) {
                    Files.writeString(localnet, "1");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot let bridge " + bridge + " carry connections from 127.0.0.1 ('"
                        + localnet + "')", e);
            }
        }
        nft(script.toString(), "forward ports " + forwards + " to " + tag);
    }

    @Override
    public void unforwardPorts(String tag) {
        deleteTaggedRules("ip", PORTS_TABLE, tag, "remove the port forwarding of " + tag);
    }

    /** Deletes the rules of a table of ours whose comment is {@code tag}. */
    private static void deleteTaggedRules(String family, String table, String tag, String what) {
        StringBuilder script = new StringBuilder();
        String chain = null;
        String listing = nft("add table " + family + " " + table + "\nlist table " + family + " " + table + "\n",
                "list the rules of table " + table, "-a");
        for (String line : listing.split("\n")) {
            String l = line.strip();
            if (l.startsWith("chain ")) {
                chain = l.split("\\s+")[1];
            }
            var m = TAGGED_RULE.matcher(l);
            if (m.find() && m.group(1).equals(tag)) {
                script.append("delete rule " + family + " " + table + " ").append(chain).append(" handle ")
                        .append(m.group(2)).append('\n');
            }
        }
        if (script.length() > 0) {
            nft(script.toString(), what);
        }
    }

    @Override
    public Set<String> portForwardTags() {
        Set<String> tags = new TreeSet<>();
        var m = TAGGED_RULE.matcher(listPortRules());
        while (m.find()) {
            tags.add(m.group(1));
        }
        return tags;
    }

    private static String listPortRules() {
        return nft("add table ip " + PORTS_TABLE + "\nlist table ip " + PORTS_TABLE + "\n", "list port forwarding rules",
                "-a");
    }

    private static String nft(String script, String what, String... options) {
        Process p;
        try {
            List<String> command = new ArrayList<>(List.of("nft"));
            command.addAll(List.of(options));
            command.addAll(List.of("-f", "-"));
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + what + ": the nft binary (package nftables) is needed for"
                    + " outbound NAT and kernel port forwarding: " + e.getMessage(), e);
        }
        try {
            try (var in = p.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                throw new IllegalStateException("cannot " + what + ": nft failed: " + out.strip());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while running nft to " + what, e);
        }
    }

    /** An IPv4 or IPv6 address with a prefix length. */
    record Cidr(byte[] address, int prefix) {
        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            if (slash < 0) {
                throw new IllegalArgumentException("'" + text + "' is not an address with a prefix, such as 10.89.0.2/24");
            }
            byte[] address = parseAddress(text.substring(0, slash));
            int prefix = Integer.parseInt(text.substring(slash + 1));
            if (prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("'" + text + "': the prefix must be 0-" + address.length * 8);
            }
            return new Cidr(address, prefix);
        }

        /** Parses a literal only: no name lookups. */
        static byte[] parseAddress(String text) {
            if (!text.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !text.matches("[0-9A-Fa-f:]+") || !text.contains(".")
                    && !text.contains(":")) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address");
            }
            try {
                return InetAddress.getByName(text).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + text + "' is not an IP address", e);
            }
        }

        static String format(byte[] a) {
            try {
                return InetAddress.getByAddress(a).getHostAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }

        @Override
        public String toString() {
            return format(address) + "/" + prefix;
        }
    }
}
