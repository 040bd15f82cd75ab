package dev.stevedore.image;

import static dev.stevedore.oci.GrammarAgreement.agree;
import static dev.stevedore.oci.GrammarAgreement.strings;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * ImageReference matches Docker's grammar by hand; these are the grammar's regular expressions, and each
 * hand-written matcher must agree with its expression on many strings built from the characters that
 * matter to it.
 */
class ImageReferenceGrammarTest {

    private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
    private static final Pattern HOST_AND_PORT = Pattern.compile(
            "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]*");
    private static final Pattern IMAGE_ID = Pattern.compile("[a-f0-9]{64}");

    @Test
    void tag() {
        agree(TAG, ImageReference::isTag, strings("aZ09_.-:/é", 0, 6),
                "", "latest", "_x", ".x", "-x", "1.36-musl", "é");
    }

    @Test
    void pathComponent() {
        agree(PATH_COMPONENT, ImageReference::isPathComponent, strings("az09._-A/", 0, 7),
                "", "busybox", "a.b", "a..b", "a__b", "a___b", "a---b", "a._b", "-a", "a-", "A");
    }

    @Test
    void hostAndPort() {
        agree(HOST_AND_PORT, ImageReference::isHostAndPort, strings("aZ09-.:[]fF", 0, 8),
                "", "localhost", "localhost:5000", "a-b.c", "-a", "a-", "a..b", "a.", "[::1]", "[::1]:5000", "[]",
                "[::1", "host:", ":5000", "[fe80::1]x", "g[::1]");
    }

    @Test
    void imageId() {
        String hex = "0123456789abcdef".repeat(4);
        // Hexadecimal strings around 64 characters, half of them with one character changed to a non-digit.
        agree(IMAGE_ID, ImageReference::isImageId, random -> {
            char[] chars = new char[63 + random.nextInt(3)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = "0123456789abcdef".charAt(random.nextInt(16));
            }
            if (random.nextBoolean()) {
                chars[random.nextInt(chars.length)] = "gA:".charAt(random.nextInt(3));
            }
            return new String(chars);
        }, hex, hex + "0", hex.substring(1), hex.replace('a', 'A'), hex.replace('f', 'g'));
    }
}
