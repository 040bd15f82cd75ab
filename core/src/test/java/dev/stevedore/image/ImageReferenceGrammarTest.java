package dev.stevedore.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
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

    private static final int CASES = 200_000;

    private static void agree(Pattern expression, Predicate<String> matcher, String alphabet, int maxLength,
            String... examples) {
        agree(expression, matcher, random -> {
            char[] chars = new char[random.nextInt(maxLength + 1)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            return new String(chars);
        }, examples);
    }

    private static void agree(Pattern expression, Predicate<String> matcher, Function<Random, String> strings,
            String... examples) {
        for (String example : examples) {
            assertThat(matcher.test(example)).as("\"%s\" against %s", example, expression)
                    .isEqualTo(expression.matcher(example).matches());
        }
        Random random = new Random(42);
        int matched = 0;
        for (int i = 0; i < CASES; i++) {
            String s = strings.apply(random);
            boolean expected = expression.matcher(s).matches();
            assertThat(matcher.test(s)).as("\"%s\" against %s", s, expression).isEqualTo(expected);
            matched += expected ? 1 : 0;
        }
        // Both answers must be common, or the comparison says little.
        assertThat(matched).isBetween(CASES / 100, CASES - CASES / 100);
    }

    @Test
    void tag() {
        agree(TAG, ImageReference::isTag, "aZ09_.-:/é", 6, "", "latest", "_x", ".x", "-x", "1.36-musl", "é");
    }

    @Test
    void pathComponent() {
        agree(PATH_COMPONENT, ImageReference::isPathComponent, "az09._-A/", 7,
                "", "busybox", "a.b", "a..b", "a__b", "a___b", "a---b", "a._b", "-a", "a-", "A");
    }

    @Test
    void hostAndPort() {
        agree(HOST_AND_PORT, ImageReference::isHostAndPort, "aZ09-.:[]fF", 8,
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
