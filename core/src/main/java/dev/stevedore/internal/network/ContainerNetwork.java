package dev.stevedore.internal.network;

import dev.stevedore.NetworkException;
import dev.stevedore.oci.runtime.Linux;
import dev.stevedore.oci.runtime.Mount;
import dev.stevedore.oci.runtime.Namespace;
import dev.stevedore.oci.runtime.NamespaceType;
import dev.stevedore.oci.runtime.Spec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One container's networking: its addresses, veth pairs and published ports, or the container
 * whose network namespace it shares. Created by {@link NetworkManager#prepare} or
 * {@link #sharing}; {@link #release()} undoes everything.
 */
public final class ContainerNetwork {

    /** One network joined: the address given and the interfaces that carry it. */
    record Attachment(String network, String bridge, String address, int prefix, String gateway, String address6,
            String gateway6, String hostVeth, String containerInterface) {
    }

    private record Published(PortBinding binding, PortForwarder.Listener listener) {
    }

    private final NetworkManager manager;
    private final String container;
    private final List<Attachment> attachments;
    private final Path hostsFile;
    private final long sharedPid;
    private final List<Published> published = new ArrayList<>();
    private final List<Attachment> connected = new ArrayList<>();
    /** The tag of this container's kernel port forwarding rules, while there may be some. */
    private String forwardTag;
    /** Whether the rules went in (in the background: the listeners relay meanwhile). */
    private CompletableFuture<Boolean> forwarded;
    private boolean released;

    ContainerNetwork(NetworkManager manager, String container, List<Attachment> attachments, Path hostsFile) {
        this(manager, container, attachments, hostsFile, 0);
    }

    private ContainerNetwork(NetworkManager manager, String container, List<Attachment> attachments, Path hostsFile,
            long sharedPid) {
        this.manager = manager;
        this.container = container;
        this.attachments = List.copyOf(attachments);
        this.hostsFile = hostsFile;
        this.sharedPid = sharedPid;
    }

    /**
     * A container that joins another's network namespace ({@code container:<id>} mode).
     *
     * @param container the joining container
     * @param pid the other container's process
     * @param hostsFile the other container's hosts file, or null when it has none of ours
     */
    public static ContainerNetwork sharing(String container, long pid, Path hostsFile) {
        return new ContainerNetwork(null, container, List.of(), hostsFile, pid);
    }

    void publish(PortBinding binding, PortForwarder.Listener listener) {
        published.add(new Published(binding, listener));
    }

    /** @return this container's hosts file, which containers sharing its namespace share too */
    public Path hostsFile() {
        return hostsFile;
    }

    /** @return the address on each network joined, by network name */
    public Map<String, String> addresses() {
        Map<String, String> map = new LinkedHashMap<>();
        attachments.forEach(a -> map.put(a.network(), a.address()));
        return map;
    }

    /** @return the IPv6 address on each network joined, by network name */
    public Map<String, String> addresses6() {
        Map<String, String> map = new LinkedHashMap<>();
        attachments.stream().filter(a -> a.address6() != null).forEach(a -> map.put(a.network(), a.address6()));
        return map;
    }

    /**
     * @return the host port a container port is published on
     * @throws IllegalArgumentException when it is not published
     */
    public int mappedPort(int containerPort, boolean udp) {
        List<String> all = new ArrayList<>();
        for (Published p : published) {
            if (p.binding().containerPort() == containerPort && p.binding().udp() == udp) {
                return p.listener().address().getPort();
            }
            all.add(p.binding().containerPort() + (p.binding().udp() ? "/udp" : ""));
        }
        throw new IllegalArgumentException("container " + (udp ? "UDP " : "") + "port " + containerPort
                + " of container \"" + container + "\" is not published (published: " + all + "); add it with "
                + (udp ? "withExposedUdpPorts(" : "withExposedPorts(") + containerPort + ")");
    }

    /**
     * The runtime configuration with this container's networking: the hosts file at
     * {@code /etc/hosts} and, when sharing, the other container's network namespace.
     */
    public Spec apply(Spec spec) {
        Spec result = spec;
        if (sharedPid > 0) {
            Linux linux = spec.linux() == null ? Linux.of(List.of()) : spec.linux();
            List<Namespace> namespaces = new ArrayList<>();
            for (Namespace ns : linux.namespaces()) {
                if (ns.type() != NamespaceType.NETWORK) {
                    namespaces.add(ns);
                }
            }
            namespaces.add(Namespace.join(NamespaceType.NETWORK, "/proc/" + sharedPid + "/ns/net"));
            result = result.withLinux(linux.withNamespaces(namespaces));
        }
        if (hostsFile != null && result.mounts().stream().noneMatch(m -> m.destination().equals("/etc/hosts"))) {
            result = result.withMount(Mount.bind(hostsFile.toString(), "/etc/hosts", false));
        }
        return result;
    }

    /**
     * Wires the container's network namespace to its networks: a veth pair per network, the
     * first carrying the default route.
     *
     * @param pid the container's process, created and waiting to be started
     * @throws NetworkException naming the network; the pairs made so far are removed again
     */
    public void connect(long pid) {
        if (manager == null) {
            return;
        }
        HostNetwork h = manager.host();
        for (Attachment a : attachments) {
            try {
                List<String> addresses = new ArrayList<>(List.of(a.address() + "/" + a.prefix()));
                List<String> gateways = new ArrayList<>();
                if (connected.isEmpty()) {
                    gateways.add(a.gateway());
                }
                if (a.address6() != null) {
                    addresses.add(a.address6() + "/64");
                    if (connected.isEmpty()) {
                        gateways.add(a.gateway6());
                    }
                }
                h.attach(pid, a.bridge(), a.hostVeth(), a.containerInterface(), addresses, gateways);
            } catch (RuntimeException e) {
                disconnect();
                throw new NetworkException("cannot connect container \"" + container + "\" to network \"" + a.network()
                        + "\" (" + a.address() + "/" + a.prefix() + "): " + e.getMessage(), e);
            }
            connected.add(a);
        }
        forwardPorts();
    }

    /**
     * Forwards the published TCP ports of IPv4 host addresses in the kernel, now that the
     * container's address is on its bridge; their listeners stay bound (see {@link PortForwarder})
     * and relay the connections that come before the rules.
     */
    private void forwardPorts() {
        List<HostNetwork.PortForward> forwards = new ArrayList<>();
        for (Published p : published) {
            java.net.InetSocketAddress bound = p.listener().address();
            if (!p.binding().udp() && bound.getAddress() instanceof java.net.Inet4Address host) {
                forwards.add(new HostNetwork.PortForward(host.getHostAddress(), bound.getPort(),
                        attachments.get(0).address(), p.binding().containerPort()));
            }
        }
        if (forwards.isEmpty()) {
            return;
        }
        String bridge = attachments.get(0).bridge();
        forwardTag = bridge + "/" + container;
        forwarded = manager.forwardPorts(forwardTag, bridge, forwards);
    }

    /**
     * The container's process is dead: the kernel removes its veth pairs with its network
     * namespace, batching that work. Deleting them here instead would hold the kernel's rtnl lock
     * for an RCU grace period per pair (tens of milliseconds), stalling every other container's
     * network setup meanwhile. The addresses are freed only once the pairs are gone, so a reused
     * address never meets its predecessor's interface on the bridge.
     */
    private void awaitVethsGone() {
        HostNetwork h = manager.host();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        for (Attachment a : connected) {
            while (h.linkExists(a.hostVeth())) {
                if (System.nanoTime() > deadline) {
                    // The namespace is held by something else (a process that joined it, say).
                    h.deleteLink(a.hostVeth());
                    break;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    h.deleteLink(a.hostVeth());
                }
            }
        }
        connected.clear();
    }

    private void disconnect() {
        HostNetwork h = manager.host();
        for (Attachment a : connected) {
            h.deleteLink(a.hostVeth());
        }
        connected.clear();
    }

    /**
     * The container is being removed and {@link #release()} follows on a cleanup thread. A removed
     * network waits for it from now on, and a host port the caller chose is free again when this
     * returns, as after {@code docker rm}. Ports the kernel picked close in {@link #release()}:
     * removing their forwarding rules takes two nft runs, several times a container's whole start.
     */
    public synchronized void removing() {
        if (published.stream().anyMatch(p -> p.binding().hostPort() != 0)) {
            closePorts();
        } else if (manager != null && !released) {
            manager.releaseStarted(container);
        }
    }

    /** Stops publishing this container's ports; the ports are free again when this returns. */
    private synchronized void closePorts() {
        if (manager != null && !released) {
            manager.releaseStarted(container);
        }
        if (forwarded != null && forwarded.join()) {
            // Before the ports are free: a rule without its bound port would capture connections
            // to whatever binds the port next.
            manager.unforwardPorts(forwardTag);
        }
        forwarded = null;
        published.forEach(p -> p.listener().close());
        published.clear();
    }

    /** Closes ports, removes veth pairs, frees addresses and updates peers' hosts files. Idempotent. */
    public synchronized void release() {
        if (released) {
            return;
        }
        closePorts();
        released = true;
        if (manager != null) {
            try {
                awaitVethsGone();
                if (!attachments.isEmpty()) {
                    manager.unallocate(container);
                }
            } finally {
                manager.releaseDone(container);
            }
        }
    }
}
