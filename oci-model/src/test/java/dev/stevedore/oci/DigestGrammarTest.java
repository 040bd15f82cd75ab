package dev.stevedore.oci;

import static dev.stevedore.oci.GrammarAgreement.agree;
import static dev.stevedore.oci.GrammarAgreement.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Digest matches the image spec's grammar by hand; these are the spec's expressions. */
class DigestGrammarTest {

    private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[+._-][a-z0-9]+)*");
    private static final Pattern ENCODED = Pattern.compile("[a-zA-Z0-9=_-]+");
    private static final Pattern LOWER_HEX = Pattern.compile("[a-f0-9]+");

    @Test
    void algorithm() {
        agree(ALGORITHM, Digest::isAlgorithm, strings("az09+._-A:", 0, 5),
                "", "sha256", "sha256+b64u", "a.b_c-d", "a..b", "+a", "a+", "A", "multihash+base58");
    }

    @Test
    void encoded() {
        agree(ENCODED, Digest::isEncoded, strings("aZ09=_-+/", 0, 4), "", "abc=", "a/b", "é");
    }

    @Test
    void lowerHex() {
        agree(LOWER_HEX, Digest::isLowerHex, strings("0a9fgF", 0, 4), "", "e3b0", "E3B0", "g");
    }

    @Test
    void problemsStillSayWhatIsWrong() {
        assertThat(Digest.problem("SHA256:abc")).isEqualTo("invalid algorithm \"SHA256\"");
        assertThat(Digest.problem("sha256:ab/c")).isEqualTo("invalid characters in the encoded part");
        assertThat(Digest.problem("sha256:" + "E".repeat(64))).isEqualTo("sha256 needs lowercase hex characters");
        assertThat(Digest.problem("sha256:" + "e".repeat(63))).isEqualTo("sha256 needs 64 hex characters, got 63");
        assertThat(Digest.problem("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8")).isNull();
        assertThatThrownBy(() -> Digest.parse("sha256+:x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"sha256+:x\" is not a valid digest: invalid algorithm \"sha256+\"");
    }
}
