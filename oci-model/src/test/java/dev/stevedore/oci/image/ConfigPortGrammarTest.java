package dev.stevedore.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.stevedore.oci.GrammarAgreement;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** ImageConfig.Config matches exposed ports by hand; this is the expression it follows. */
class ConfigPortGrammarTest {

    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}(?:/(?:tcp|udp|sctp))?");

    @Test
    void exposedPort() {
        String[] protocols = {"", "", "/tcp", "/udp", "/sctp", "/tcpx", "/", "/TCP", "tcp", "/sct"};
        GrammarAgreement.agree(PORT, ImageConfig.Config::isPort, random ->
                        GrammarAgreement.strings("0123456789a", 0, 6).apply(random)
                                + protocols[random.nextInt(protocols.length)],
                "", "80", "80/tcp", "65535/udp", "123456", "/tcp", "80/", "80/tcp/udp", "８０");
    }

    @Test
    void portsMustBeFromOneTo65535() {
        for (String bad : new String[] {"0", "00000/tcp", "65536/tcp", "99999"}) {
            assertThat(catchThrowable(() -> config(bad))).hasMessage("ExposedPorts: \"" + bad
                    + "\" is not a port: expected port[/tcp|/udp|/sctp] with port from 1 to 65535");
        }
        assertThat(config("1/sctp").exposedPorts()).containsExactly("1/sctp");
        assertThat(config("08080/udp").exposedPorts()).containsExactly("08080/udp");
    }

    private static ImageConfig.Config config(String port) {
        return new ImageConfig.Config(null, Set.of(port), null, null, null, null, null, null, null, false, null, null,
                null, null);
    }
}
