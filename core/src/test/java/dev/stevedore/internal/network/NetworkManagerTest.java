package dev.stevedore.internal.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.NetworkException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Subnets, addresses, hosts files and errors, against a recording kernel side: no root needed. */
class NetworkManagerTest {

    /** Records what the engine asks of the kernel. */
    static final class FakeHost implements HostNetwork {
        final List<String> calls = new ArrayList<>();
        final List<String> routes = new ArrayList<>(List.of("172.17.0.0/16", "10.89.0.0/24"));
        final Set<String> links = ConcurrentHashMap.newKeySet();
        final List<String> nat = new ArrayList<>();
        final java.util.Map<String, List<PortForward>> forwarded = new ConcurrentHashMap<>();

        @Override
        public String unavailableReason() {
            return null;
        }

        @Override
        public void createBridge(String name, List<String> addresses) {
            calls.add("bridge " + name + " " + addresses);
            links.add(name);
        }

        @Override
        public boolean deleteLink(String name) {
            calls.add("delete " + name);
            return links.remove(name);
        }

        @Override
        public boolean linkExists(String name) {
            return links.contains(name);
        }

        @Override
        public List<String> links() {
            return List.copyOf(links);
        }

        @Override
        public List<String> bridgePorts(String bridge) {
            return List.of();
        }

        @Override
        public List<String> ipv4Routes() {
            return routes;
        }

        @Override
        public void attach(long pid, String bridge, String hostName, String containerName, List<String> addresses,
                List<String> gateways) {
            // The pair goes with the namespace, as when the container's process has died.
            calls.add("attach " + pid + " " + bridge + " " + containerName + " " + addresses + " via " + gateways);
        }

        @Override
        public void enableNat(String table, String subnet, String bridge) {
            nat.add(table);
        }

        @Override
        public void disableNat(String table) {
            nat.remove(table);
        }

        @Override
        public List<String> natTables() {
            return nat;
        }

        @Override
        public void forwardPorts(String tag, String bridge, List<PortForward> forwards) {
            forwarded.put(tag, forwards);
        }

        @Override
        public void unforwardPorts(String tag) {
            forwarded.remove(tag);
        }

        @Override
        public Set<String> portForwardTags() {
            return Set.copyOf(forwarded.keySet());
        }
    }

    final FakeHost host = new FakeHost();
    final Set<String> dead = ConcurrentHashMap.newKeySet();

    NetworkManager manager(Path root) {
        return new NetworkManager(root, "me", o -> !dead.contains(o), host);
    }

    NetworkManager.Request request(Path root, String id, List<String> networks, String... aliases) {
        return new NetworkManager.Request(id, id, networks, List.of(aliases), List.of(), root.resolve(id + ".hosts"));
    }

    @Test
    void automaticSubnetsAvoidHostRoutesAndEachOther(@TempDir Path root) {
        NetworkManager m = manager(root);
        NetworkRecord a = m.create("a", null, false);
        NetworkRecord b = m.create("b", null, true);
        // 10.89.0.0/24 is a host route here.
        assertThat(a.subnet()).isEqualTo("10.89.1.0/24");
        assertThat(b.subnet()).isEqualTo("10.89.2.0/24");
        assertThat(a.bridge()).matches("sd-[0-9a-f]{8}").isNotEqualTo(b.bridge());
        assertThat(a.subnet6()).matches("fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::/64").isNotEqualTo(b.subnet6());
        String prefix6 = a.subnet6().replace("/64", "");
        assertThat(host.calls).contains("bridge " + a.bridge() + " [10.89.1.1/24, " + prefix6 + "1/64]");
        assertThat(host.nat).containsExactly(NetworkManager.natTable(b.bridge()));
        assertThat(m.list()).extracting(NetworkRecord::name).containsExactly("a", "b");
        m.remove("b");
        assertThat(host.nat).isEmpty();
        assertThat(host.links).doesNotContain(b.bridge());
    }

    /**
     * Published TCP ports are forwarded in the kernel once the container is wired (UDP only by
     * the relay), the rules go with the container, and rules of a JVM that was killed are swept.
     */
    @Test
    void portForwardsFollowContainersAndStaleOnesAreSwept(@TempDir Path root) {
        NetworkManager m = manager(root);
        NetworkRecord n = m.create("n", "10.100.0.0/24", false);
        NetworkManager killed = new NetworkManager(root, "killed", o -> !dead.contains(o), host);
        List<PortBinding> ports = List.of(new PortBinding("127.0.0.1", 0, 80), new PortBinding("127.0.0.1", 0, 53,
                true));
        ContainerNetwork mine = m.prepare(new NetworkManager.Request("mine", null, List.of("n"), List.of(), ports,
                root.resolve("mine.hosts")));
        ContainerNetwork lost = killed.prepare(new NetworkManager.Request("lost", null, List.of("n"), List.of(),
                ports, root.resolve("lost.hosts")));
        assertThat(host.forwarded).isEmpty();
        mine.connect(1);
        lost.connect(2);
        // Added in the background.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (host.forwarded.size() < 2 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(host.forwarded.get(n.bridge() + "/mine")).containsExactly(new HostNetwork.PortForward("127.0.0.1",
                mine.mappedPort(80, false), "10.100.0.2", 80));
        dead.add("killed");
        killed.close();
        manager(root).removeStalePortForwards();
        assertThat(host.forwarded).containsOnlyKeys(n.bridge() + "/mine");
        mine.release();
        assertThat(host.forwarded).isEmpty();
        m.close();
    }

    @Test
    void overlapsAreNamed(@TempDir Path root) {
        NetworkManager m = manager(root);
        m.create("a", "10.100.0.0/24", false);
        assertThatThrownBy(() -> m.create("b", "10.100.0.0/16", false)).isInstanceOf(NetworkException.class)
                .hasMessageContaining("subnet 10.100.0.0/16 overlaps network \"a\" (10.100.0.0/24)");
        assertThatThrownBy(() -> m.create("c", "172.17.5.0/24", false))
                .hasMessageContaining("overlaps the host's route to 172.17.0.0/16");
        assertThatThrownBy(() -> m.create("d", "10.100.1.7/24", false)).hasMessageContaining("host bits");
        assertThatThrownBy(() -> m.create("a", null, false)).hasMessageContaining("already exists");
        assertThat(m.list()).extracting(NetworkRecord::name).containsExactly("a");
        assertThat(host.links).hasSize(1);
    }

    @Test
    void addressesGoLowestFirstAndComeBack(@TempDir Path root) {
        NetworkManager m = manager(root);
        m.create("n", "10.100.0.0/29", false);
        ContainerNetwork c1 = m.prepare(request(root, "c1", List.of("n")));
        ContainerNetwork c2 = m.prepare(request(root, "c2", List.of("n")));
        ContainerNetwork c3 = m.prepare(request(root, "c3", List.of("n")));
        assertThat(c1.addresses()).containsEntry("n", "10.100.0.2");
        assertThat(c3.addresses()).containsEntry("n", "10.100.0.4");
        c2.release();
        assertThat(m.prepare(request(root, "c4", List.of("n"))).addresses()).containsEntry("n", "10.100.0.3");
        m.prepare(request(root, "c5", List.of("n")));
        m.prepare(request(root, "c6", List.of("n")));
        assertThatThrownBy(() -> m.prepare(request(root, "c7", List.of("n"))))
                .hasMessageContaining("network \"n\" (10.100.0.0/29) has no free address left");
        // Allocations of a process that is gone are free again.
        dead.add("me");
        NetworkManager other = new NetworkManager(root, "other", o -> !dead.contains(o), host);
        assertThat(other.prepare(request(root, "c8", List.of("n"))).addresses()).containsEntry("n", "10.100.0.2");
        assertThat(other.get("n").allocations()).extracting(NetworkRecord.Allocation::container)
                .containsExactly("c8");
        c1.release();
    }

    @Test
    void hostsFilesListEveryMemberAndFollowChanges(@TempDir Path root) throws Exception {
        NetworkManager m = manager(root);
        m.create("front", "10.100.0.0/24", false);
        m.create("back", "10.101.0.0/24", false);
        ContainerNetwork web = m.prepare(request(root, "web", List.of("front", "back"), "www"));
        ContainerNetwork db = m.prepare(request(root, "db", List.of("back")));
        ContainerNetwork client = m.prepare(request(root, "client", List.of("front")));
        assertThat(Files.readString(root.resolve("db.hosts"))).startsWith("127.0.0.1\tlocalhost\n")
                .contains("10.101.0.3\tdb\n").contains("10.101.0.2\tweb www\n").doesNotContain("client");
        assertThat(Files.readString(root.resolve("web.hosts"))).contains("10.100.0.2\tweb www\n")
                .contains("10.101.0.3\tdb\n").contains("10.100.0.3\tclient\n");
        // Names are matched as whole host-file fields: the random IPv6 prefixes may contain "db".
        assertThat(Files.readString(root.resolve("client.hosts"))).contains("10.100.0.2\tweb www\n")
                .doesNotContain("\tdb\n");
        Object inode = Files.getAttribute(root.resolve("web.hosts"), "unix:ino");
        db.release();
        assertThat(Files.readString(root.resolve("web.hosts"))).doesNotContain("\tdb\n");
        // Rewritten in place: the container sees it through a bind mount of that file.
        assertThat(Files.getAttribute(root.resolve("web.hosts"), "unix:ino")).isEqualTo(inode);
        web.connect(42);
        String front6 = m.get("front").subnet6().replace("/64", "");
        String back6 = m.get("back").subnet6().replace("/64", "");
        assertThat(host.calls).contains("attach 42 " + m.get("front").bridge() + " eth0 [10.100.0.2/24, " + front6
                + "2/64] via [10.100.0.1, " + front6 + "1]", "attach 42 " + m.get("back").bridge() + " eth1 [10.101.0.2/24, "
                + back6 + "2/64] via []");
        assertThat(Files.readString(root.resolve("client.hosts"))).contains(front6 + "2\tweb www\n");
        client.release();
        web.release();
    }

    @Test
    void unknownNetworksAndNetworksInUseAreRefused(@TempDir Path root) {
        NetworkManager m = manager(root);
        m.create("n", "10.100.0.0/24", false);
        assertThatThrownBy(() -> m.prepare(request(root, "c", List.of("n", "nope"))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("network \"nope\" does not exist");
        assertThat(m.get("n").allocations()).isEmpty();
        ContainerNetwork c = m.prepare(request(root, "c", List.of("n")));
        assertThatThrownBy(() -> m.remove("n")).hasMessageContaining("cannot remove network \"n\": containers [c]");
        c.release();
        m.remove("n");
        assertThatThrownBy(() -> m.get("n")).hasMessageContaining("does not exist");
    }
}
