package dev.stevedore.internal.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SubnetTest {

    @Test
    void parsesAndNumbersAddresses() {
        Subnet s = Subnet.parse("10.89.3.0/24");
        assertThat(s).hasToString("10.89.3.0/24");
        assertThat(s.gateway()).isEqualTo("10.89.3.1");
        assertThat(s.address(0)).isEqualTo("10.89.3.2");
        assertThat(s.capacity()).isEqualTo(253);
        assertThat(s.address(s.capacity() - 1)).isEqualTo("10.89.3.254");
        assertThat(s.indexOf("10.89.3.2")).isZero();
        assertThat(s.indexOf("10.89.3.255")).isEqualTo(-1);
        assertThat(s.indexOf("10.89.4.2")).isEqualTo(-1);
        assertThat(Subnet.parse("192.168.255.252/30").capacity()).isEqualTo(1);
    }

    @Test
    void overlapsInBothDirections() {
        Subnet small = Subnet.parse("10.99.0.0/24");
        int[] big = Subnet.parseRoute("10.99.0.0/16");
        int[] other = Subnet.parseRoute("10.98.0.0/16");
        assertThat(small.overlaps(big[0], big[1])).isTrue();
        Subnet wide = Subnet.parse("10.0.0.0/8");
        assertThat(wide.overlaps(small.network(), small.prefix())).isTrue();
        assertThat(small.overlaps(other[0], other[1])).isFalse();
        assertThat(Subnet.parse("10.99.1.0/24").overlaps(small.network(), small.prefix())).isFalse();
    }

    @Test
    void badSubnetsAreNamed() {
        assertThatThrownBy(() -> Subnet.parse("10.89.3.7/24")).hasMessageContaining("host bits set")
                .hasMessageContaining("10.89.3.0/24");
        assertThatThrownBy(() -> Subnet.parse("10.89.3.0")).hasMessageContaining("needs a prefix length");
        assertThatThrownBy(() -> Subnet.parse("10.89.300.0/24")).hasMessageContaining("'10.89.300.0' is not an IPv4");
        assertThatThrownBy(() -> Subnet.parse("10.0.0.0/31")).hasMessageContaining("8 to 30");
        assertThatThrownBy(() -> Subnet.parse("10.0.0.0/x")).hasMessageContaining("not a number");
    }
}
