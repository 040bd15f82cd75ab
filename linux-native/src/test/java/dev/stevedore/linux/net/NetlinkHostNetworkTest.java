package dev.stevedore.linux.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Bridges, veth pairs, addresses and routes made over netlink, checked with iproute2 and ping. */
class NetlinkHostNetworkTest {
    static final String BRIDGE = "sdtest-br0";
    static final String VETH = "sdtest-v0";

    final NetlinkHostNetwork net = new NetlinkHostNetwork();
    Process namespace;

    @BeforeEach
    void root() throws IOException {
        assertThat(net.unavailableReason()).isNull();
        assertThat(new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/status")))
                .lines().filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow())
                .as("creating links needs root").matches("Uid:\\s+0\\s.*");
        net.deleteLink(VETH);
        net.deleteLink(BRIDGE);
    }

    @AfterEach
    void cleanUp() {
        if (namespace != null) {
            namespace.destroyForcibly();
        }
        net.deleteLink(VETH);
        net.deleteLink(BRIDGE);
    }

    @Test
    void bridgeWithAddressAndRoute() {
        net.createBridge(BRIDGE, List.of("10.250.77.1/24", "fd99:250:77::1/64"));
        assertThat(net.links()).contains(BRIDGE);
        assertThat(net.ipv4Routes()).contains("10.250.77.0/24");
        assertThat(sh("ip -o addr show dev " + BRIDGE)).contains("inet 10.250.77.1/24").contains("inet6 fd99:250:77::1/64");
        // Administratively up; without ports it has no carrier yet.
        assertThat(sh("ip -o link show dev " + BRIDGE)).containsPattern("[<,]UP[,>]");
        assertThat(net.deleteLink(BRIDGE)).isTrue();
        assertThat(net.deleteLink(BRIDGE)).isFalse();
        assertThat(net.links()).doesNotContain(BRIDGE);
        assertThat(net.ipv4Routes()).doesNotContain("10.250.77.0/24");
    }

    @Test
    void vethIntoANamespaceWithAddressRouteAndTraffic() throws Exception {
        net.createBridge(BRIDGE, List.of("10.250.77.1/24", "fd99:250:77::1/64"));
        namespace = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        long pid = namespace.pid();
        waitForOwnNamespace(pid);
        net.attach(pid, BRIDGE, VETH, "eth0", List.of("10.250.77.2/24", "fd99:250:77::2/64"),
                List.of("10.250.77.1", "fd99:250:77::1"));
        assertThat(net.bridgePorts(BRIDGE)).containsExactly(VETH);
        String inside = sh("nsenter -t " + pid + " -n ip -o addr; nsenter -t " + pid + " -n ip route; nsenter -t " + pid
                + " -n ip -6 route");
        assertThat(inside).contains("eth0    inet 10.250.77.2/24").contains("default via 10.250.77.1 dev eth0")
                .contains("eth0    inet6 fd99:250:77::2/64").contains("default via fd99:250:77::1 dev eth0");
        assertThat(sh("nsenter -t " + pid + " -n busybox ping -6 -c 1 -W 2 fd99:250:77::1 >/dev/null && echo reached"))
                .contains("reached");
        assertThat(sh("busybox ping -c 1 -W 2 10.250.77.2 >/dev/null && echo reached")).contains("reached");
        assertThat(sh("nsenter -t " + pid + " -n busybox ping -c 1 -W 2 10.250.77.1 >/dev/null && echo reached"))
                .contains("reached");
        assertThat(net.deleteLink(VETH)).isTrue();
        assertThat(net.bridgePorts(BRIDGE)).isEmpty();
        assertThat(sh("nsenter -t " + pid + " -n ip -o link")).doesNotContain("eth0");
    }

    @Test
    void failuresNameTheRequestAndLeaveNothing() throws Exception {
        assertThatThrownBy(() -> net.attach(1, "sdtest-nobr", VETH, "eth0", List.of("10.250.77.2/24"), List.of()))
                .isInstanceOf(NetlinkException.class)
                .hasMessageContaining("find link 'sdtest-nobr'").hasMessageContaining("no such device");
        net.createBridge(BRIDGE, List.of("10.250.77.1/24", "fd99:250:77::1/64"));
        assertThatThrownBy(() -> net.createBridge(BRIDGE, List.of("10.250.78.1/24")))
                .hasMessageContaining("create bridge '" + BRIDGE + "'").hasMessageContaining("exists");
        namespace = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        waitForOwnNamespace(namespace.pid());
        // A gateway outside the subnet is unreachable: the route fails after the veth exists.
        assertThatThrownBy(() -> net.attach(namespace.pid(), BRIDGE, VETH, "eth0", List.of("10.250.77.2/24"),
                List.of("10.9.9.9")))
                .hasMessageContaining("add default route via 10.9.9.9");
        assertThat(net.links()).doesNotContain(VETH);
        assertThat(net.bridgePorts(BRIDGE)).isEmpty();
    }

    private static void waitForOwnNamespace(long pid) throws Exception {
        String host = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/net")).toString();
        for (int i = 0; i < 200; i++) {
            try {
                if (!java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/" + pid + "/ns/net")).toString()
                        .equals(host)) {
                    return;
                }
            } catch (IOException e) {
                // not there yet
            }
            Thread.sleep(10);
        }
        throw new AssertionError("unshare --net did not enter a new namespace");
    }

    static String sh(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(10, TimeUnit.SECONDS);
            return out;
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(command, e);
        }
    }
}
