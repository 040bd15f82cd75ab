package dev.stevedore.internal.network;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.List;

/**
 * What the store keeps of a network ({@code networks/NAME.json}): its subnet and bridge, and the
 * addresses given to containers. Rewritten whole under the store's lock.
 *
 * @param name the network's name
 * @param subnet the IPv4 subnet, such as {@code 10.89.0.0/24}
 * @param subnet6 the IPv6 subnet, a unique local {@code /64} such as {@code fd12:3456:789a::/64};
 *     container addresses in it have the same host number as their IPv4 ones
 * @param bridge the host bridge device
 * @param outboundNat whether traffic leaving the host is masqueraded
 * @param allocations the addresses in use
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record NetworkRecord(
        @JsonProperty("name") String name,
        @JsonProperty("subnet") String subnet,
        @JsonProperty("subnet6") String subnet6,
        @JsonProperty("bridge") String bridge,
        @JsonProperty("outboundNat") boolean outboundNat,
        @JsonProperty("allocations") List<Allocation> allocations) {

    public NetworkRecord {
        allocations = allocations == null ? List.of() : List.copyOf(allocations);
    }

    /**
     * One container's address on the network.
     *
     * @param address the IPv4 address
     * @param address6 the IPv6 address, or null
     * @param container the container's id
     * @param names what other containers call it: id, hostname, aliases
     * @param owner the process that created the container ({@code pid start-time}); an
     *     allocation whose owner is gone is free again
     * @param hostsFile the container's {@code /etc/hosts} on the host, rewritten as members change
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Allocation(
            @JsonProperty("address") String address,
            @JsonProperty("address6") String address6,
            @JsonProperty("container") String container,
            @JsonProperty("names") List<String> names,
            @JsonProperty("owner") String owner,
            @JsonProperty("hostsFile") String hostsFile) {

        public Allocation {
            names = names == null ? List.of() : List.copyOf(names);
        }
    }

    Subnet parsedSubnet() {
        return Subnet.parse(subnet);
    }

    /** @return the IPv6 address with host number {@code n}, or null without IPv6 */
    String address6(int n) {
        return subnet6 == null ? null : subnet6.substring(0, subnet6.indexOf("::") + 2) + Integer.toHexString(n);
    }

    NetworkRecord withAllocations(List<Allocation> list) {
        return new NetworkRecord(name, subnet, subnet6, bridge, outboundNat, new ArrayList<>(list));
    }
}
