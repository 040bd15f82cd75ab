package dev.stevedore.oci.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Predicate;
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

    private static final int CASES = 200_000;

    /** Strings of {@code alphabet}'s characters, most starting with {@code prefix}, up to {@code maxLength} after it. */
    private static void agree(Pattern expression, Predicate<String> matcher, String prefix, String alphabet,
            int maxLength, String... examples) {
        for (String example : examples) {
            assertThat(matcher.test(example)).as("\"%s\" against %s", example, expression)
                    .isEqualTo(expression.matcher(example).matches());
        }
        Random random = new Random(11);
        int matched = 0;
        for (int i = 0; i < CASES; i++) {
            StringBuilder b = new StringBuilder(random.nextInt(4) > 0 ? prefix : "");
            for (int j = random.nextInt(maxLength + 1); j > 0; j--) {
                b.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String s = b.toString();
            boolean expected = expression.matcher(s).matches();
            assertThat(matcher.test(s)).as("\"%s\" against %s", s, expression).isEqualTo(expected);
            matched += expected ? 1 : 0;
        }
        // Both answers must be common, or the comparison says little.
        assertThat(matched).isBetween(CASES / 100, CASES - CASES / 100);
    }

    @Test
    void semVer() {
        agree(SEMVER, Checks::isSemVer, "1.2.", "01239.-+aZ", 7, "", "1.2.0", "1.0.0-rc.1+build.5", "01.0.0", "1.0",
                "1.0.0-", "1.0.0+", "1.0.0-a..b", "1.0.0--", "1.0.0-a+b+c", "1.0.0+b-c.d", "1.0.0.0", "10.20.30");
    }

    @Test
    void capabilityName() {
        agree(CAPABILITY, Checks::isCapabilityName, "CAP_", "AZ09_a-C", 4, "", "CAP_", "CAP_KILL", "cap_kill",
                "CAP_SYS_ADMIN", "CAPS_X", "CAP_k");
    }

    @Test
    void deviceAccess() {
        agree(DEVICE_ACCESS, Checks::isDeviceAccess, "", "rwmx", 4, "", "rwm", "rr", "rwmr", "R");
    }
}
