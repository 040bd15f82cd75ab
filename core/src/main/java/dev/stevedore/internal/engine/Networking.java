package dev.stevedore.internal.engine;

import dev.stevedore.ContainerState;
import dev.stevedore.NetworkException;
import dev.stevedore.internal.network.ContainerNetwork;
import dev.stevedore.internal.network.NetworkManager;
import dev.stevedore.spi.ContainerHandle;
import java.nio.file.Path;

/**
 * A container's network settings turned into its network state: nothing for the none and host
 * modes, a shared namespace for {@code withNetworkOf}, addresses and ports otherwise.
 */
final class Networking {
    private Networking() {
    }

    /** @return the container's network state, or null when it needs none from the engine */
    static ContainerNetwork prepare(EngineCore engine, String id, ContainerConfig config, Path dir) {
        boolean bridged = !config.networks.isEmpty() || !config.ports.isEmpty();
        if (config.networkOf != null) {
            if (bridged || config.network == ContainerConfig.Network.HOST) {
                throw new IllegalArgumentException("container \"" + id + "\" shares the network of \""
                        + config.networkOf + "\": it cannot also use host mode, join networks or publish ports;"
                        + " set those on \"" + config.networkOf + "\"");
            }
            Instance other = engine.instance(config.networkOf).orElseThrow(() -> new NetworkException("cannot share"
                    + " the network of container \"" + config.networkOf + "\": this engine has no such container"));
            if (other.state() == ContainerState.EXITED || other.state() == ContainerState.REMOVED) {
                throw new NetworkException("cannot share the network of container \"" + config.networkOf + "\": it is "
                        + other.state() + "; it must be running");
            }
            return ContainerNetwork.sharing(id, other.pid(),
                    other.network() == null ? null : other.network().hostsFile());
        }
        if (!bridged) {
            return null;
        }
        long euid = HostChecks.effectiveUid();
        if (euid != 0) {
            // Bridges, veth pairs and NAT rules need CAP_NET_ADMIN on the host.
            throw new NetworkException("container \"" + id + "\" cannot join networks " + config.networks
                    + " or publish ports " + config.ports + ": bridge networks need root, and this is a rootless"
                    + " engine (uid " + euid + "); use NetworkMode.NONE (the default: its own network namespace"
                    + " with loopback only) or NetworkMode.HOST (the host's network)");
        }
        if (config.network == ContainerConfig.Network.HOST) {
            throw new IllegalArgumentException("container \"" + id + "\" uses the host's network: it cannot join"
                    + " networks " + config.networks + " or publish ports " + config.ports + " (its ports are the"
                    + " host's already)");
        }
        return engine.networks().prepare(new NetworkManager.Request(id, config.hostname, config.networks,
                config.networkAliases, config.ports, dir.resolve("hosts")));
    }

    /** Wires the created container to its networks; deletes it when that fails. */
    static void connect(ContainerNetwork network, ContainerHandle handle) {
        if (network == null) {
            return;
        }
        try {
            network.connect(handle.pid());
        } catch (RuntimeException e) {
            handle.delete();
            throw e;
        }
    }

    static void release(ContainerNetwork network) {
        if (network != null) {
            network.release();
        }
    }
}
