package dev.stevedore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.Container;
import dev.stevedore.ContainerSpec;
import dev.stevedore.Containers;
import dev.stevedore.Engine;
import dev.stevedore.ExecResult;
import dev.stevedore.Network;
import dev.stevedore.NetworkException;
import dev.stevedore.Networks;
import dev.stevedore.linux.net.NetlinkHostNetwork;
import dev.stevedore.testing.BusyboxImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Networking as a user sees it: none, published ports, bridge networks with names, several
 * networks, shared namespaces, bad input and cleanup. All traffic stays on this machine: loopback
 * and the tests' own bridges, no NAT.
 */
class NetworkTest {

    static final ContainerSpec BUSYBOX = Containers.image(BusyboxImage.NAME);
    static final ContainerSpec HTTPD = BUSYBOX.withFileContent("/www/index.html", "hello from httpd\n")
            .withCommand("httpd", "-f", "-p", "80", "-h", "/www");
    static final NetlinkHostNetwork HOST = new NetlinkHostNetwork();

    @BeforeAll
    static void busybox() throws IOException {
        assertThat(Files.readString(Path.of("/proc/self/status"))).as("network tests need root")
                .containsPattern("Uid:\\s+0\\s");
        BusyboxImage.ensure(Engine.defaultEngine());
        // Networks of an earlier run that was killed: their containers are gone with that JVM.
        Networks.list().stream().filter(n -> n.name().startsWith("nt-")).forEach(Network::remove);
    }

    /** The default network the port tests created goes too, so no bridge outlives the test root. */
    @org.junit.jupiter.api.AfterAll
    static void removeDefaultNetwork() {
        Networks.list().stream().filter(n -> n.name().equals("stevedore")).forEach(Network::remove);
    }

    @Test
    void noneHasOnlyLoopbackAndNoRoute() {
        ExecResult r = BUSYBOX.withCommand("sh", "-c", "ip -o link; echo ---; ip route; ip -6 route; echo ---;"
                + " cat /proc/net/route").run();
        String[] parts = r.stdout().split("---\n");
        assertThat(parts[0].lines()).hasSize(1).allMatch(l -> l.contains(": lo:"));
        assertThat(parts[1]).isEmpty();
        assertThat(parts[2].lines()).hasSize(1).allMatch(l -> l.startsWith("Iface"));
    }

    @Test
    void httpdAnswersHttpClientOnMappedPort() throws Exception {
        String tag;
        try (Container web = HTTPD.withExposedPorts(80).start()) {
            tag = Networks.get("stevedore").bridge() + "/" + web.id();
            // Forwarded in the kernel; the relay keeps the port bound meanwhile.
            awaitForwarded(tag);
            int port = web.getMappedPort(80);
            assertThat(port).isPositive().isNotEqualTo(80);
            HttpResponse<String> response = getWithRetry("http://127.0.0.1:" + port + "/index.html");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("hello from httpd\n");
            assertThatThrownBy(() -> web.getMappedPort(81)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("container port 81").hasMessageContaining("[80]");
            assertThatThrownBy(() -> new ServerSocket(port, 1, InetAddress.getLoopbackAddress()))
                    .isInstanceOf(java.net.BindException.class);
        }
        // A port the kernel picked is closed, and its rule removed, on the engine's cleanup thread.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (HOST.portForwardTags().contains(tag)) {
            assertThat(System.nanoTime()).as("the port forwarding rules of " + tag + " are left").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void sixtyFourMebibytesArriveIntactThroughTheMappedPort(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        byte[] data = new byte[64 << 20];
        new java.util.Random(9).nextBytes(data);
        Path big = Files.write(dir.resolve("big"), data);
        try (Container web = HTTPD.withCopyToContainer(big, "/www/big").withExposedPorts(80).start()) {
            String url = "http://127.0.0.1:" + web.getMappedPort(80) + "/big";
            getWithRetry("http://127.0.0.1:" + web.getMappedPort(80) + "/index.html");
            HttpResponse<byte[]> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(java.security.MessageDigest.getInstance("SHA-256").digest(response.body()))
                    .isEqualTo(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        }
    }

    /**
     * Kernel forwarding from 127.0.0.1 needs route_localnet on the bridge, which would let a
     * container's packets to 127.0.0.0/8 reach the host's loopback services: even with its own
     * loopback address and routes changed to send them out (as a container with NET_ADMIN could),
     * the guard rule drops them. Without that rule this wget gets the host's answer.
     */
    @Test
    void containersDoNotReachHostLoopbackServices() throws Exception {
        com.sun.net.httpserver.HttpServer local = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        local.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        local.start();
        try (Container web = HTTPD.withExposedPorts(80).start()) {
            String bridge = Networks.get("stevedore").bridge();
            assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/conf/" + bridge + "/route_localnet")).strip())
                    .isEqualTo("1");
            Process p = new ProcessBuilder("nsenter", "-t", String.valueOf(web.pid()), "-n", "sh", "-c",
                    "ip addr del 127.0.0.1/8 dev lo && echo 1 > /proc/sys/net/ipv4/conf/all/route_localnet"
                    + " && echo 1 > /proc/sys/net/ipv4/conf/eth0/route_localnet"
                    + " && ip route add 127.0.0.0/8 via " + Networks.get("stevedore").gateway() + " dev eth0"
                    + " && ip route get 127.0.0.1").redirectErrorStream(true).start();
            String route = new String(p.getInputStream().readAllBytes());
            assertThat(p.waitFor()).as(route).isZero();
            assertThat(route).contains("127.0.0.1 via").contains("dev eth0");
            // Not wget -T: with -q, busybox 1.35's wget crashes on it.
            ExecResult wget = web.exec("timeout", "3", "wget", "-qO-", "http://127.0.0.1:"
                    + local.getAddress().getPort() + "/");
            assertThat(wget.exitCode()).as(wget.stderr()).isNotZero();
            assertThat(requests).hasValue(0);
        } finally {
            local.stop(0);
        }
    }

    /** A UDP echo server: busybox has no UDP server, so the test builds a static one with musl-gcc. */
    @Test
    void udpPortRelaysDatagrams(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path source = Files.writeString(dir.resolve("echo.c"), "#include <sys/socket.h>\n#include <netinet/in.h>\n"
                + "#include <stdlib.h>\nint main(int c, char **v) { int s = socket(AF_INET, SOCK_DGRAM, 0);"
                + " struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(atoi(v[1]));"
                + " if (bind(s, (void *) &a, sizeof a) < 0) return 1; char b[2048]; for (;;) { struct sockaddr_in f;"
                + " socklen_t l = sizeof f; int n = recvfrom(s, b, sizeof b, 0, (void *) &f, &l);"
                + " if (n >= 0) sendto(s, b, n, 0, (void *) &f, l); } }\n");
        Process cc = new ProcessBuilder("musl-gcc", "-static", "-O2", "-o", dir.resolve("udpecho").toString(),
                source.toString()).redirectErrorStream(true).start();
        String ccOut = new String(cc.getInputStream().readAllBytes());
        assertThat(cc.waitFor()).as("musl-gcc (package musl-tools) builds the UDP echo server: " + ccOut).isZero();
        try (Container echo = BUSYBOX.withCopyToContainer(dir.resolve("udpecho"), "/udpecho")
                .withCommand("/udpecho", "7").withExposedUdpPorts(7).start();
                java.net.DatagramSocket client = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int port = echo.getMappedUdpPort(7);
            assertThatThrownBy(() -> echo.getMappedPort(7)).hasMessageContaining("[7/udp]");
            client.setSoTimeout(300);
            byte[] out = "ping over udp".getBytes();
            for (int i = 0; ; i++) {
                client.send(new java.net.DatagramPacket(out, out.length, InetAddress.getLoopbackAddress(), port));
                java.net.DatagramPacket in = new java.net.DatagramPacket(new byte[100], 100);
                try {
                    client.receive(in);
                    assertThat(new String(in.getData(), 0, in.getLength())).isEqualTo("ping over udp");
                    break;
                } catch (java.net.SocketTimeoutException e) {
                    // The server may not be bound yet: UDP just loses the datagram.
                    assertThat(i).as("no UDP echo through the published port").isLessThan(20);
                }
            }
        }
    }

    @Test
    void closingTheContainerEndsItsForwardedConnections() throws Exception {
        Container server = BUSYBOX.withCommand("nc", "-l", "-p", "7000", "-e", "sh", "-c", "echo ready; exec sleep 600")
                .withExposedPorts(7000).start();
        java.net.Socket client = null;
        try {
            int port = server.getMappedPort(7000);
            for (int i = 0; client == null; i++) {
                java.net.Socket s = new java.net.Socket();
                try {
                    s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                } catch (java.net.ConnectException e) {
                    // nc is not listening yet: the container refused the forwarded connection.
                }
                s.setSoTimeout(5000);
                if (s.isConnected() && "ready\n".equals(new String(s.getInputStream().readNBytes(6)))) {
                    client = s;
                } else {
                    s.close();
                    assertThat(i).as("no connection through the published port reached nc").isLessThan(50);
                    Thread.sleep(100);
                }
            }
            server.close();
            int read;
            try {
                read = client.getInputStream().read();
            } catch (java.net.SocketException e) {
                assertThat(e).hasMessageContaining("reset");
                read = -1;
            }
            assertThat(read).as("the client's connection ended with the container").isEqualTo(-1);
        } finally {
            server.close();
            if (client != null) {
                client.close();
            }
        }
    }

    @Test
    void explicitHostPortAndAddress() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            free = s.getLocalPort();
        }
        try (Container web = HTTPD.withPortBinding("127.0.0.1", free, 80).start()) {
            assertThat(web.getMappedPort(80)).isEqualTo(free);
            assertThat(getWithRetry("http://127.0.0.1:" + free + "/index.html").body()).isEqualTo("hello from httpd\n");
        }
        // The port is free again once the container is gone.
        new ServerSocket(free, 1, InetAddress.getLoopbackAddress()).close();
    }

    @Test
    void containersOnOneNetworkTalkByNameAndAlias() {
        try (Network net = Networks.create("nt-names");
                Container server = HTTPD.withNetwork("nt-names").withName("nt-server").withNetworkAliases("web")
                        .start()) {
            ExecResult byName = BUSYBOX.withNetwork("nt-names").withCommand("sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://nt-server/index.html && break; sleep 0.2; done;"
                    + " wget -qO- http://web/index.html; cat /etc/hosts").run();
            assertThat(byName.stdout()).startsWith("hello from httpd\nhello from httpd\n");
            assertThat(byName.stdout()).contains(server.networkAddresses().get("nt-names") + "\tnt-server web");
            String server6 = server.networkAddresses6().get("nt-names");
            assertThat(server6).startsWith(net.ipv6Subnet().replace("::/64", "::"));
            ExecResult overIpv6 = BUSYBOX.withNetwork("nt-names").withCommand("sh", "-c",
                    "wget -qO- 'http://[" + server6 + "]/index.html'; ip -6 route").run();
            assertThat(overIpv6.stdout()).startsWith("hello from httpd\n").contains("default via "
                    + net.ipv6Subnet().replace("::/64", "::1") + " dev eth0");
            assertThat(byName.stdout()).contains(server6 + "\tnt-server web");
            // The server's hosts file saw the client come (and will see it go).
            assertThat(server.readFile("/etc/hosts")).contains("nt-server");
        }
    }

    @Test
    void containerOnTwoNetworksReachesBoth() throws Exception {
        List<String> bridges;
        try (Network a = Networks.create("nt-a"); Network b = Networks.create("nt-b");
                Container onA = HTTPD.withNetwork("nt-a").withName("nt-on-a").start();
                Container onB = HTTPD.withNetwork("nt-b").withName("nt-on-b").start()) {
            assertThat(a.subnet()).isNotEqualTo(b.subnet());
            ExecResult r = BUSYBOX.withNetwork("nt-a").withNetwork("nt-b").withCommand("sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://nt-on-a/index.html && break; sleep 0.2; done;"
                    + " for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://nt-on-b/index.html && break; sleep 0.2; done;"
                    + " ip route").run();
            assertThat(r.stdout()).startsWith("hello from httpd\nhello from httpd\n")
                    .contains("default via " + a.gateway() + " dev eth0")
                    .doesNotContain("default via " + b.gateway());
            // Isolation: a container only on network a does not reach b, although the host routes
            // between its bridges (IP forwarding is on for outbound NAT). Not wget -T: with -q,
            // busybox 1.35's wget crashes on it, which would pass this check without isolation.
            assertThat(Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip()).isEqualTo("1");
            ExecResult isolated = BUSYBOX.withNetwork("nt-a").withCommand("sh", "-c", "timeout 3 wget -qO- http://"
                    + onB.networkAddresses().get("nt-b") + "/index.html; echo status $?").run();
            assertThat(isolated.stdout()).doesNotContain("hello from httpd").contains("status ");
            assertThat(isolated.stdout()).doesNotContain("status 0");
            assertThat(nftRules("inet", "stevedore_isolation")).contains("comment \"" + a.bridge() + "\"",
                    "comment \"" + b.bridge() + "\"");
            bridges = List.of(a.bridge(), b.bridge());
        }
        String left = nftRules("inet", "stevedore_isolation");
        assertThat(bridges).allSatisfy(bridge -> assertThat(left).doesNotContain("comment \"" + bridge + "\""));
    }

    private static String nftRules(String family, String table) throws Exception {
        Process p = new ProcessBuilder("nft", "list", "table", family, table).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return out;
    }

    @Test
    void sharingAnotherContainersNetwork() {
        try (Container server = HTTPD.withExposedPorts(80).start()) {
            ExecResult r = BUSYBOX.withNetworkOf(server.id()).withCommand("sh", "-c",
                    "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1/index.html && break; sleep 0.2; done;"
                    + " ip -o -4 addr show eth0").run();
            assertThat(r.stdout()).startsWith("hello from httpd\n")
                    .contains(server.networkAddresses().values().iterator().next() + "/");
        }
    }

    @Test
    void addressesAreReleasedAndReused() {
        try (Network net = Networks.create("nt-reuse")) {
            String first;
            try (Container c = BUSYBOX.withNetwork("nt-reuse").withCommand("sleep", "600").start()) {
                first = c.networkAddresses().get("nt-reuse");
                assertThat(first).isEqualTo(addressAfterGateway(net, 1));
            }
            awaitReleased("nt-reuse");
            try (Container c = BUSYBOX.withNetwork("nt-reuse").withCommand("sleep", "600").start()) {
                assertThat(c.networkAddresses().get("nt-reuse")).isEqualTo(first);
                ExecResult r = BUSYBOX.withNetwork("nt-reuse").withCommand("ip", "-o", "-4", "addr", "show", "eth0")
                        .run();
                assertThat(r.stdout()).contains(addressAfterGateway(net, 2) + "/24");
            }
        }
    }

    @Test
    void fiftyContainersLeaveNothingBehind() {
        List<String> linksBefore = HOST.links();
        String table;
        try (Network net = Networks.spec().withOutboundNat().create("nt-fifty")) {
            table = "stevedore_" + net.bridge().replace('-', '_');
            assertThat(HOST.natTables()).contains(table);
            List<Container> all = new ArrayList<>();
            try {
                for (int i = 0; i < 50; i++) {
                    all.add(BUSYBOX.withNetwork("nt-fifty").withExposedPorts(80).withCommand("sleep", "600").start());
                }
                assertThat(HOST.bridgePorts(net.bridge())).hasSize(50);
                all.forEach(c -> awaitForwarded(net.bridge() + "/" + c.id()));
                assertThat(all.stream().map(c -> c.networkAddresses().get("nt-fifty")).distinct()).hasSize(50);
            } finally {
                all.forEach(Container::close);
            }
            awaitReleased("nt-fifty");
            assertThat(HOST.bridgePorts(net.bridge())).isEmpty();
            assertThat(HOST.portForwardTags()).noneMatch(t -> t.startsWith(net.bridge() + "/"));
        }
        assertThat(HOST.natTables()).doesNotContain(table);
        assertThat(linksBefore).containsAll(HOST.links());
    }

    /** Publishes a port from another JVM on the default engine's store, then waits to be killed. */
    public static final class PublishingJvm {
        public static void main(String[] args) throws Exception {
            try (Engine engine = Engine.builder().root(Path.of(args[0])).build()) {
                Container c = engine.container(BusyboxImage.NAME).withCommand("sleep", "600").withExposedPorts(80)
                        .start();
                System.out.println(c.id());
                Thread.sleep(600_000);
            }
        }
    }

    /** Rules outlive a JVM killed with SIGKILL; the next engine opened on the store removes them. */
    @Test
    void portForwardsOfAKilledJvmAreRemovedByTheNextEngine() throws Exception {
        Path root = Engine.defaultEngine().root();
        // The default network exists before the child's port uses it.
        HTTPD.withExposedPorts(80).start().close();
        String bridge = Networks.get("stevedore").bridge();
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PublishingJvm.class.getName(), root.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String tag;
        try {
            tag = bridge + "/" + new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()))
                    .readLine();
            awaitForwarded(tag);
        } finally {
            child.destroyForcibly().waitFor();
        }
        assertThat(HOST.portForwardTags()).as("rules outlive a killed JVM").contains(tag);
        try (Engine next = Engine.builder().root(root).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (HOST.portForwardTags().contains(tag) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertThat(HOST.portForwardTags()).doesNotContain(tag);
        }
    }

    @Test
    void aBusyHostPortIsNamedAndNothingIsLeft() throws IOException {
        try (Network net = Networks.create("nt-busy");
                ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            int before = Engine.defaultEngine().containers().size();
            assertThatThrownBy(() -> HTTPD.withNetwork("nt-busy").withPortBinding(port, 80).start())
                    .isInstanceOf(NetworkException.class).hasMessageContaining("host port 127.0.0.1:" + port)
                    .hasMessageContaining("in use");
            assertThat(Engine.defaultEngine().containers()).hasSize(before);
            assertThat(Engine.defaultEngine().root().resolve("networks/nt-busy.json")).content()
                    .doesNotContain("allocations");
            assertThat(HOST.bridgePorts(net.bridge())).isEmpty();
        }
    }

    @Test
    void overlappingSubnetsUnknownNetworksAndNetworksInUseAreRefused() {
        try (Network net = Networks.spec().withSubnet("10.99.0.0/24").create("nt-first")) {
            assertThatThrownBy(() -> Networks.spec().withSubnet("10.99.0.0/16").create("nt-second"))
                    .isInstanceOf(NetworkException.class)
                    .hasMessageContaining("subnet 10.99.0.0/16 overlaps network \"nt-first\" (10.99.0.0/24)");
            assertThat(Networks.list()).extracting(Network::name).doesNotContain("nt-second");
            assertThatThrownBy(() -> Networks.create("nt-first")).hasMessageContaining("already exists");

            assertThatThrownBy(() -> BUSYBOX.withNetwork("nt-nope").withCommand("true").run())
                    .isInstanceOf(NetworkException.class).hasMessageContaining("network \"nt-nope\" does not exist");

            try (Container user = BUSYBOX.withNetwork("nt-first").withName("nt-user").withCommand("sleep", "600")
                    .start()) {
                assertThatThrownBy(net::remove).isInstanceOf(NetworkException.class)
                        .hasMessageContaining("network \"nt-first\"").hasMessageContaining("nt-user");
                assertThat(HOST.links()).contains(net.bridge());
            }
            awaitReleased("nt-first");
        }
        assertThat(Networks.list()).extracting(Network::name).doesNotContain("nt-first");
        assertThatThrownBy(() -> Networks.get("nt-first")).hasMessageContaining("does not exist");
        assertThat(HOST.ipv4Routes()).doesNotContain("10.99.0.0/24");
    }

    /** Port forwarding rules are added in the background, the relay serving the port meanwhile. */
    private static void awaitForwarded(String tag) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!HOST.portForwardTags().contains(tag)) {
            assertThat(System.nanoTime()).as("no port forwarding rules for " + tag).isLessThan(deadline);
        }
    }

    private static String addressAfterGateway(Network net, int n) {
        String gw = net.gateway();
        int last = Integer.parseInt(gw.substring(gw.lastIndexOf('.') + 1));
        return gw.substring(0, gw.lastIndexOf('.') + 1) + (last + n);
    }

    /** Removal finishes in the background: waits until the network's addresses are all free. */
    private static void awaitReleased(String network) {
        Path file = Engine.defaultEngine().root().resolve("networks/" + network + ".json");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        try {
            while (Files.readString(file).contains("allocations")) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("addresses of " + network + " still allocated: " + Files.readString(file));
                }
                Thread.sleep(20);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static HttpResponse<String> getWithRetry(String url) throws Exception {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build();
        IOException last = null;
        for (int i = 0; i < 50; i++) {
            try {
                return client.send(request, HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw last;
    }
}
