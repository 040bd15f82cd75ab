package dev.stevedore.oci.runtime;

import dev.stevedore.oci.GrammarAgreement;
import java.util.Random;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The runtime records match their grammars by hand; these are the grammars' regular expressions, and each
 * matcher must agree with its expression on many strings built from the characters that matter to it.
 */
class ChecksGrammarTest {

    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)"
                    + "(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?");
    private static final Pattern CAPABILITY = Pattern.compile("CAP_[A-Z0-9_]+");
    private static final Pattern DEVICE_ACCESS = Pattern.compile("[rwm]{1,3}");

    /** Strings of up to {@code maxLength} of {@code alphabet}'s characters, most after {@code prefix}. */
    private static Function<Random, String> prefixed(String prefix, String alphabet, int maxLength) {
        Function<Random, String> rest = GrammarAgreement.strings(alphabet, 0, maxLength);
        return random -> (random.nextInt(4) > 0 ? prefix : "") + rest.apply(random);
    }

    @Test
    void semVer() {
        GrammarAgreement.agree(SEMVER, Checks::isSemVer, prefixed("1.2.", "01239.-+aZ", 7),
                "", "1.2.0", "1.0.0-rc.1+build.5", "01.0.0", "1.0", "1.0.0-", "1.0.0+", "1.0.0-a..b", "1.0.0--",
                "1.0.0-a+b+c", "1.0.0+b-c.d", "1.0.0.0", "10.20.30");
    }

    @Test
    void capabilityName() {
        GrammarAgreement.agree(CAPABILITY, Checks::isCapabilityName, prefixed("CAP_", "AZ09_a-C", 4),
                "", "CAP_", "CAP_KILL", "cap_kill", "CAP_SYS_ADMIN", "CAPS_X", "CAP_k");
    }

    @Test
    void deviceAccess() {
        GrammarAgreement.agree(DEVICE_ACCESS, Checks::isDeviceAccess, prefixed("", "rwmx", 4),
                "", "rwm", "rr", "rwmr", "R");
    }
}
