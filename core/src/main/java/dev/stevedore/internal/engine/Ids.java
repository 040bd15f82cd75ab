package dev.stevedore.internal.engine;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/** Container ids: 12 random hex digits, as Docker shows them. */
final class Ids {
    private Ids() {
    }

    static String next() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()).substring(0, 12);
    }
}
