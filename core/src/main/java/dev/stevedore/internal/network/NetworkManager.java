package dev.stevedore.internal.network;

import dev.stevedore.NetworkException;
import dev.stevedore.internal.store.FileLocks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The networks of one engine: creates and removes them (subnet, bridge, optional NAT), gives
 * containers addresses and their veth pairs, writes each member's {@code /etc/hosts} as members
 * come and go, and publishes ports. Address management (IPAM) lives in the store's network files,
 * so several JVMs on one store share it; allocations whose owning process is gone are free again.
 */
public final class NetworkManager implements AutoCloseable {

    /** The network containers with published ports but no network of their own join. */
    public static final String DEFAULT_NETWORK = "stevedore";

    private static final System.Logger LOG = System.getLogger(NetworkManager.class.getName());
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    /** Automatic subnets: the /24s from 10.89.0.0 to 10.127.255.0, skipping those in use. */
    private static final int POOL_FIRST = Subnet.parseAddress("10.89.0.0", "pool");
    private static final int POOL_LAST = Subnet.parseAddress("10.127.255.0", "pool");
    private static final int POOL_PREFIX = 24;

    private final Path root;
    private final NetworkStore store;
    private final String owner;
    private final Predicate<String> ownerAlive;
    private final Set<String> checkedBridges = ConcurrentHashMap.newKeySet();
    /** Containers of this process being removed, whose addresses are about to be freed. */
    private final Set<String> releasing = new java.util.HashSet<>();
    private HostNetwork host;
    private PortForwarder forwarder;
    /** Whether kernel port forwarding failed already (it is logged once). */
    private final AtomicBoolean forwardingFailed = new AtomicBoolean();
    /** Adds port forwarding rules one transaction at a time, off the containers' start. */
    private final ExecutorService ruleChanges = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "stevedore-port-rules");
                t.setDaemon(true);
                return t;
            });
    private boolean closed;

    /**
     * @param root the store root; networks live in {@code networks/}
     * @param owner this process, as recorded in allocations
     * @param ownerAlive tells whether a recorded owner still runs
     */
    public NetworkManager(Path root, String owner, Predicate<String> ownerAlive) {
        this(root, owner, ownerAlive, null);
    }

    /** As above, with the kernel side given (tests give a recording one), or null to look it up. */
    NetworkManager(Path root, String owner, Predicate<String> ownerAlive, HostNetwork host) {
        this.root = root;
        this.store = new NetworkStore(root.resolve("networks"));
        this.owner = owner;
        this.ownerAlive = ownerAlive;
        this.host = host;
    }

    synchronized HostNetwork host() {
        if (host == null) {
            List<String> reasons = new ArrayList<>();
            for (HostNetwork h : ServiceLoader.load(HostNetwork.class)) {
                String reason = h.unavailableReason();
                if (reason == null) {
                    host = h;
                    return h;
                }
                reasons.add(reason);
            }
            throw new NetworkException("networks need the kernel side of networking: "
                    + (reasons.isEmpty() ? "add the stevedore-linux-native artifact to the class path"
                    : String.join("; ", reasons)));
        }
        return host;
    }

    private synchronized PortForwarder forwarder() {
        if (closed) {
            throw new IllegalStateException("the engine on " + root + " is closed");
        }
        if (forwarder == null) {
            forwarder = new PortForwarder();
        }
        return forwarder;
    }

    /**
     * Creates a network.
     *
     * @param name its name
     * @param subnet an IPv4 subnet such as {@code 10.90.0.0/24}, or null to take a free /24
     * @param outboundNat whether to masquerade traffic that leaves the host
     * @return what was stored
     * @throws NetworkException when the name is taken or the subnet overlaps a network or route
     */
    public NetworkRecord create(String name, String subnet, boolean outboundNat) {
        checkName(name);
        Subnet wanted;
        try {
            wanted = subnet == null ? null : Subnet.parse(subnet);
        } catch (IllegalArgumentException e) {
            throw new NetworkException("cannot create network \"" + name + "\": " + e.getMessage());
        }
        HostNetwork h = host();
        try (FileLocks.Held lock = store.lock()) {
            Optional<NetworkRecord> existing = store.read(name);
            if (existing.isPresent()) {
                throw new NetworkException("network \"" + name + "\" already exists (subnet "
                        + existing.get().subnet() + "); remove it first or choose another name");
            }
            List<NetworkRecord> all = store.list();
            List<String> routes = h.ipv4Routes();
            Subnet chosen;
            if (wanted != null) {
                String conflict = conflict(wanted, all, routes);
                if (conflict != null) {
                    throw new NetworkException("cannot create network \"" + name + "\": subnet " + wanted + " overlaps "
                            + conflict + "; choose another subnet or leave it to the engine");
                }
                chosen = wanted;
            } else {
                chosen = null;
                for (int n = POOL_FIRST; n <= POOL_LAST && chosen == null; n += 1 << (32 - POOL_PREFIX)) {
                    Subnet candidate = new Subnet(n, POOL_PREFIX);
                    if (conflict(candidate, all, routes) == null) {
                        chosen = candidate;
                    }
                }
                if (chosen == null) {
                    throw new NetworkException("cannot create network \"" + name + "\": every /24 of 10.89.0.0 to"
                            + " 10.127.255.0 is in use by a network or host route; give a subnet");
                }
            }
            String bridge = bridgeName(name);
            NetworkRecord record = new NetworkRecord(name, chosen.toString(), ipv6Subnet(name, all), bridge,
                    outboundNat, List.of());
            setUpBridge(h, record);
            try {
                store.write(record);
            } catch (RuntimeException e) {
                tearDownBridge(h, record);
                throw e;
            }
            checkedBridges.add(bridge);
            return record;
        }
    }

    private static String conflict(Subnet s, List<NetworkRecord> networks, List<String> routes) {
        for (NetworkRecord n : networks) {
            Subnet other = n.parsedSubnet();
            if (s.overlaps(other.network(), other.prefix())) {
                return "network \"" + n.name() + "\" (" + other + ")";
            }
        }
        for (String r : routes) {
            int[] route = Subnet.parseRoute(r);
            if (s.overlaps(route[0], route[1])) {
                return "the host's route to " + r;
            }
        }
        return null;
    }

    private void setUpBridge(HostNetwork h, NetworkRecord n) {
        Subnet s = n.parsedSubnet();
        // The name is derived from the store and network: a bridge of that name is ours, left by
        // a network file that is gone (a deleted store, say).
        h.deleteLink(n.bridge());
        try {
            List<String> addresses = new ArrayList<>(List.of(s.gateway() + "/" + s.prefix()));
            if (n.subnet6() != null) {
                addresses.add(n.address6(1) + "/64");
            }
            h.createBridge(n.bridge(), addresses);
        } catch (RuntimeException e) {
            throw new NetworkException("cannot create the bridge \"" + n.bridge() + "\" of network \"" + n.name()
                    + "\" (" + s + "): " + e.getMessage(), e);
        }
        if (n.outboundNat()) {
            try {
                h.enableNat(natTable(n.bridge()), s.toString(), n.bridge());
            } catch (RuntimeException e) {
                h.deleteLink(n.bridge());
                throw new NetworkException("cannot set up outbound NAT for network \"" + n.name() + "\" (" + s + "): "
                        + e.getMessage(), e);
            }
        }
    }

    private static void tearDownBridge(HostNetwork h, NetworkRecord n) {
        if (n.outboundNat()) {
            h.disableNat(natTable(n.bridge()));
        }
        h.deleteLink(n.bridge());
    }

    /**
     * Removes a network: its NAT rules, bridge and file.
     *
     * @throws NetworkException when it does not exist or running containers use it
     */
    public void remove(String name) {
        HostNetwork h = host();
        awaitReleases(read(name));
        try (FileLocks.Held lock = store.lock()) {
            NetworkRecord n = read(name);
            List<String> users = new ArrayList<>();
            for (NetworkRecord.Allocation a : n.allocations()) {
                if (alive(a.owner())) {
                    users.add(a.container());
                }
            }
            if (!users.isEmpty()) {
                throw new NetworkException("cannot remove network \"" + name + "\": containers " + users
                        + " use it; remove them first");
            }
            tearDownBridge(h, n);
            store.delete(name);
            checkedBridges.remove(n.bridge());
        }
    }

    /**
     * Closing a container returns before its addresses are freed (that waits for its process to
     * die); removing its network right after should not fail because of it.
     */
    private void awaitReleases(NetworkRecord n) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        synchronized (releasing) {
            while (n.allocations().stream().anyMatch(a -> releasing.contains(a.container()))) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    releasing.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    void releaseStarted(String container) {
        synchronized (releasing) {
            releasing.add(container);
        }
    }

    void releaseDone(String container) {
        synchronized (releasing) {
            releasing.remove(container);
            releasing.notifyAll();
        }
    }

    /**
     * @return the network
     * @throws NetworkException when there is none of that name
     */
    public NetworkRecord get(String name) {
        return read(name);
    }

    /** @return the networks in the store, by name */
    public List<NetworkRecord> list() {
        return store.list();
    }

    private NetworkRecord read(String name) {
        checkName(name);
        return store.read(name).orElseThrow(() -> unknown(name));
    }

    private NetworkException unknown(String name) {
        return new NetworkException("network \"" + name + "\" does not exist in " + root + "; create it with"
                + " Networks.create(\"" + name + "\")");
    }

    private static int indexOf(List<NetworkRecord> all, String name) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    /** This process's allocations are live without asking /proc; others' owners are checked. */
    private boolean alive(String recorded) {
        return owner.equals(recorded) || ownerAlive.test(recorded);
    }

    private static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("network name \"" + name + "\" is invalid: use 1-64 letters, digits,"
                    + " '_', '.' or '-', starting with a letter or digit");
        }
    }

    /** A container's wishes: what {@link #prepare} needs to know. */
    public record Request(String container, String hostname, List<String> networks, List<String> aliases,
            List<PortBinding> ports, Path hostsFile) {
    }

    /**
     * Gives a container its addresses, writes its hosts file (and updates its peers') and binds
     * its published ports. Containers with ports but no network join {@value #DEFAULT_NETWORK},
     * created on first use.
     *
     * @return the container's network state; {@link ContainerNetwork#connect} it once its
     *     process exists, {@link ContainerNetwork#release} it when it goes
     * @throws NetworkException naming the unknown network, the full subnet or the busy port;
     *     nothing is left allocated then
     */
    public ContainerNetwork prepare(Request request) {
        List<String> networks = new ArrayList<>(new LinkedHashSet<>(request.networks()));
        if (networks.isEmpty()) {
            networks.add(DEFAULT_NETWORK);
            if (store.read(DEFAULT_NETWORK).isEmpty()) {
                try {
                    create(DEFAULT_NETWORK, null, false);
                } catch (NetworkException e) {
                    if (store.read(DEFAULT_NETWORK).isEmpty()) {
                        throw e;
                    }
                }
            }
        }
        HostNetwork h = host();
        List<String> names = new ArrayList<>();
        names.add(request.container());
        if (request.hostname() != null && !request.hostname().equals(request.container())) {
            names.add(request.hostname());
        }
        names.addAll(request.aliases());
        List<ContainerNetwork.Attachment> attachments = new ArrayList<>();
        try (FileLocks.Held lock = store.lock()) {
            List<NetworkRecord> all = store.list();
            List<NetworkRecord> changed = new ArrayList<>();
            for (int i = 0; i < networks.size(); i++) {
                String name = networks.get(i);
                int at = indexOf(all, name);
                if (at < 0) {
                    throw unknown(name);
                }
                NetworkRecord n = all.get(at);
                ensureBridge(h, n);
                Subnet s = n.parsedSubnet();
                List<NetworkRecord.Allocation> live = new ArrayList<>();
                boolean[] used = new boolean[s.capacity()];
                for (NetworkRecord.Allocation a : n.allocations()) {
                    if (alive(a.owner())) {
                        live.add(a);
                        int index = s.indexOf(a.address());
                        if (index >= 0) {
                            used[index] = true;
                        }
                    }
                }
                int free = 0;
                while (free < used.length && used[free]) {
                    free++;
                }
                if (free == used.length) {
                    throw new NetworkException("network \"" + n.name() + "\" (" + s + ") has no free address left for"
                            + " container \"" + request.container() + "\"; remove containers or use a larger subnet");
                }
                String address = s.address(free);
                String address6 = n.address6(free + 2);
                live.add(new NetworkRecord.Allocation(address, address6, request.container(), names, owner,
                        request.hostsFile().toString()));
                all.set(at, n.withAllocations(live));
                changed.add(all.get(at));
                attachments.add(new ContainerNetwork.Attachment(n.name(), n.bridge(), address, s.prefix(),
                        s.gateway(), address6, n.address6(1), "sdv" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()),
                        "eth" + i));
            }
            changed.forEach(store::write);
            try {
                writeHosts(request.hostsFile(), request.container(), all, true);
                rewritePeers(request.container(), all, Set.copyOf(networks));
            } catch (RuntimeException e) {
                unallocate(request.container());
                throw e;
            }
        }
        ContainerNetwork net = new ContainerNetwork(this, request.container(), attachments, request.hostsFile());
        try {
            for (PortBinding p : request.ports()) {
                net.publish(p, bind(p, new InetSocketAddress(attachments.get(0).address(), p.containerPort())));
            }
        } catch (RuntimeException e) {
            net.release();
            throw e;
        }
        return net;
    }

    private PortForwarder.Listener bind(PortBinding p, InetSocketAddress target) {
        try {
            InetSocketAddress bind = new InetSocketAddress(p.hostAddress(), p.hostPort());
            return p.udp() ? forwarder().listenUdp(bind, target) : forwarder().listen(bind, target);
        } catch (BindException e) {
            throw new NetworkException("cannot publish container port " + p.containerPort() + ": host " + (p.udp()
                    ? "UDP port " : "port ") + p.hostAddress() + ":" + p.hostPort() + " is in use or not an address of this host ("
                    + e.getMessage() + "); choose another port or 0 for any free one", e);
        } catch (IOException e) {
            throw new NetworkException("cannot publish container port " + p.containerPort() + " on "
                    + p.hostAddress() + ":" + p.hostPort() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Forwards a container's published ports in the kernel, in the background: an nft
     * transaction takes 10-20 ms, which a container's start need not wait for.
     *
     * @return completes with false when the kernel would not (no nft, say): the forwarder relays
     *     them alone
     */
    CompletableFuture<Boolean> forwardPorts(String tag, String bridge,
            List<HostNetwork.PortForward> forwards) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                host().forwardPorts(tag, bridge, forwards);
                return true;
            } catch (RuntimeException e) {
                if (!forwardingFailed.getAndSet(true)) {
                    LOG.log(Level.WARNING, "published ports are relayed by the JVM only, at about half the"
                            + " throughput of kernel forwarding: {0}", e.getMessage());
                }
                return false;
            }
        }, ruleChanges);
    }

    void unforwardPorts(String tag) {
        try {
            host().unforwardPorts(tag);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "cannot remove the port forwarding rules of {0}: {1}", tag,
                    e.getMessage());
        }
    }

    /**
     * Removes kernel port forwarding rules of this store's networks whose containers are gone
     * (their JVM was killed): until then a rule would capture connections to a port that any
     * process may bind.
     */
    public void removeStalePortForwards() {
        HostNetwork h = host();
        Set<String> tags = h.portForwardTags();
        try (FileLocks.Held lock = store.lock()) {
            for (NetworkRecord n : store.list()) {
                for (String tag : tags) {
                    String container = tag.substring(tag.indexOf('/') + 1);
                    if (tag.startsWith(n.bridge() + "/") && n.allocations().stream()
                            .noneMatch(a -> a.container().equals(container) && alive(a.owner()))) {
                        LOG.log(Level.INFO, "removing port forwarding left by a process that is gone: {0}",
                                tag);
                        h.unforwardPorts(tag);
                    }
                }
            }
        }
    }

    /** Recreates a network's bridge the host lost (after a reboot), once per JVM and network. */
    private void ensureBridge(HostNetwork h, NetworkRecord n) {
        if (checkedBridges.contains(n.bridge())) {
            return;
        }
        if (!h.links().contains(n.bridge())) {
            setUpBridge(h, n);
        }
        checkedBridges.add(n.bridge());
    }

    /** Frees a container's addresses and updates its former peers' hosts files. */
    void unallocate(String container) {
        try (FileLocks.Held lock = store.lock()) {
            List<NetworkRecord> all = store.list();
            Set<String> left = new LinkedHashSet<>();
            for (int i = 0; i < all.size(); i++) {
                NetworkRecord n = all.get(i);
                List<NetworkRecord.Allocation> kept = new ArrayList<>();
                for (NetworkRecord.Allocation a : n.allocations()) {
                    if (!a.container().equals(container)) {
                        kept.add(a);
                    }
                }
                if (kept.size() != n.allocations().size()) {
                    all.set(i, n.withAllocations(kept));
                    store.write(all.get(i));
                    left.add(n.name());
                }
            }
            rewritePeers(container, all, left);
        }
    }

    /** Rewrites the hosts files of the other live members of some networks; under the lock. */
    private void rewritePeers(String except, List<NetworkRecord> all, Set<String> networks) {
        Set<String> done = new LinkedHashSet<>();
        for (NetworkRecord n : all) {
            if (!networks.contains(n.name())) {
                continue;
            }
            for (NetworkRecord.Allocation a : n.allocations()) {
                if (!a.container().equals(except) && done.add(a.container()) && a.hostsFile() != null
                        && alive(a.owner())) {
                    writeHosts(Path.of(a.hostsFile()), a.container(), all, false);
                }
            }
        }
    }

    /**
     * Writes a container's hosts file: loopback names, its own addresses (so its names resolve to
     * itself first), then every member of its networks. An existing file is rewritten in place
     * (the container sees it through a bind mount of that inode); one that is gone belongs to a
     * container being removed.
     */
    private static void writeHosts(Path file, String container, List<NetworkRecord> all, boolean create) {
        StringBuilder s = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
        List<NetworkRecord> member = all.stream()
                .filter(n -> n.allocations().stream().anyMatch(a -> a.container().equals(container))).toList();
        Set<String> lines = new LinkedHashSet<>();
        for (NetworkRecord n : member) {
            n.allocations().stream().filter(a -> a.container().equals(container)).forEach(a -> hostsLines(a, lines));
        }
        for (NetworkRecord n : member) {
            n.allocations().forEach(a -> hostsLines(a, lines));
        }
        lines.forEach(l -> s.append(l).append('\n'));
        try {
            if (create) {
                Files.writeString(file, s, StandardCharsets.UTF_8);
            } else {
                // In place (the container has the file bind-mounted, so no rename), and never empty:
                // the new lines first, then the old ones' excess cut, so a reader in the container
                // (a name lookup) never finds no localhost or no peers while a peer comes or goes.
                byte[] bytes = s.toString().getBytes(StandardCharsets.UTF_8);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    ByteBuffer buf = ByteBuffer.wrap(bytes);
                    while (buf.hasRemaining()) {
                        ch.write(buf, buf.position());
                    }
                    ch.truncate(bytes.length);
                }
            }
        } catch (NoSuchFileException e) {
            // Its container is being removed.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write hosts file '" + file + "' of container \"" + container
                    + "\"", e);
        }
    }

    /**
     * A unique local IPv6 /64 (RFC 4193): {@code fd}, 40 bits from a hash of the store and name,
     * subnet 0; rehashed on the unlikely clash with another network of the store.
     */
    private String ipv6Subnet(String network, List<NetworkRecord> others) {
        for (int attempt = 0; ; attempt++) {
            byte[] h = sha256(root + "\0" + network + "\0ula" + attempt);
            String prefix = String.format("fd%02x:%x:%x::/64", h[0] & 0xff, (h[1] & 0xff) << 8 | (h[2] & 0xff),
                    (h[3] & 0xff) << 8 | (h[4] & 0xff));
            if (others.stream().noneMatch(o -> prefix.equals(o.subnet6()))) {
                return prefix;
            }
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void hostsLines(NetworkRecord.Allocation a, Set<String> lines) {
        String names = String.join(" ", a.names());
        lines.add(a.address() + "\t" + names);
        if (a.address6() != null) {
            lines.add(a.address6() + "\t" + names);
        }
    }

    private String bridgeName(String network) {
        return "sd-" + HexFormat.of().formatHex(sha256(root + "\0" + network), 0, 4);
    }

    static String natTable(String bridge) {
        return "stevedore_" + bridge.replace('-', '_');
    }

    /** Stops publishing ports. Networks and their bridges stay: they belong to the store. */
    @Override
    public synchronized void close() {
        closed = true;
        ruleChanges.shutdown();
        if (forwarder != null) {
            forwarder.close();
        }
    }
}
