package dev.stevedore.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Test data under src/test/resources/fixtures. */
public final class Fixtures {

    private Fixtures() {
    }

    public static byte[] bytes(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String text(String name) {
        return new String(bytes(name), StandardCharsets.UTF_8);
    }

    /** The fixture's JSON without its whitespace, key order and number forms untouched. */
    public static String compact(String name) {
        try {
            return OciJson.mapper().writeValueAsString(OciJson.mapper().readTree(bytes(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String written(Object document) {
        return new String(OciJson.write(document), StandardCharsets.UTF_8);
    }

}
