package dev.stevedore.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Owner files must keep Instant's text: the hand-written one is compared with Instant.toString. */
class InstantTextTest {

    private static void same(Instant t) {
        assertThat(InstantText.of(t)).as("%s", t).isEqualTo(t.toString());
    }

    @Test
    void writesWhatInstantWrites() {
        for (String text : new String[] {"1970-01-01T00:00:00Z", "2026-11-30T02:55:13.450Z", "2024-02-29T23:59:59Z",
            "0000-01-01T00:00:00Z", "0999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.000001Z",
            "1969-12-31T23:59:59.100Z", "+10000-01-01T00:00:00Z", "-0001-12-31T23:59:59.5Z"}) {
            same(Instant.parse(text));
        }
        same(Instant.MIN);
        same(Instant.MAX);
        same(Instant.EPOCH.minusNanos(1));
    }

    @Test
    void writesWhatInstantWritesForRandomInstants() {
        Random random = new Random(7);
        long year10000 = Instant.parse("+10000-01-01T00:00:00Z").getEpochSecond();
        long year0 = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            // Most in years 0-9999, some beyond on either side, some close to the edges of that range.
            long seconds = switch (i % 4) {
                case 0, 1 -> year0 + Math.floorMod(random.nextLong(), year10000 - year0);
                case 2 -> (random.nextBoolean() ? year0 : year10000) + random.nextInt(200_000) - 100_000;
                default -> random.nextLong() % (Instant.MAX.getEpochSecond() + 1);
            };
            int nanos = switch (random.nextInt(4)) {
                case 0 -> 0;
                case 1 -> random.nextInt(1000) * 1_000_000;
                case 2 -> random.nextInt(1_000_000) * 1000;
                default -> random.nextInt(1_000_000_000);
            };
            same(Instant.ofEpochSecond(seconds, nanos));
        }
    }
}
