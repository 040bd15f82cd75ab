package dev.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Checks a hand-written matcher against the regular expression it replaces, on given examples and on many
 * random strings, of which both accepted and refused ones must be common or the comparison says little.
 */
public final class GrammarAgreement {

    private static final int CASES = 200_000;

    private GrammarAgreement() {
    }

    /** Random strings of {@code minLength} to {@code maxLength} characters of {@code alphabet}. */
    public static Function<Random, String> strings(String alphabet, int minLength, int maxLength) {
        return random -> {
            char[] chars = new char[minLength + random.nextInt(maxLength - minLength + 1)];
            for (int j = 0; j < chars.length; j++) {
                chars[j] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            return new String(chars);
        };
    }

    /** Asserts that the matcher and the expression agree on the examples and on generated strings. */
    public static void agree(Pattern expression, Predicate<String> matcher, Function<Random, String> strings,
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
        assertThat(matched).isBetween(CASES / 100, CASES - CASES / 100);
    }
}
