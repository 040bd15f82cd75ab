package dev.stevedore.oci.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** An enum's creator and value method are called once per text and constant, however often a document names them. */
class StringValuedConstantsTest {

    static final AtomicInteger CREATED = new AtomicInteger();
    static final AtomicInteger WRITTEN = new AtomicInteger();

    enum Shade {
        LIGHT("light"), DARK("dark");

        private final String text;

        Shade(String text) {
            this.text = text;
        }

        @JsonValue
        public String text() {
            WRITTEN.incrementAndGet();
            return text;
        }

        @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
        public static Shade of(String text) {
            CREATED.incrementAndGet();
            for (Shade s : values()) {
                if (s.text.equals(text)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("\"" + text + "\" is not a shade");
        }
    }

    record Palette(@JsonProperty("shades") List<Shade> shades) {
    }

    @Test
    void constantsAreRememberedAndFailuresStillNameThePath() {
        List<Shade> many = new java.util.ArrayList<>(Collections.nCopies(20, Shade.LIGHT));
        many.addAll(Collections.nCopies(20, Shade.DARK));
        byte[] json = OciJson.write(new Palette(many));
        assertThat(WRITTEN.get()).isEqualTo(2);
        assertThat(OciJson.read(json, Palette.class, "palette").shades()).isEqualTo(many);
        assertThat(CREATED.get()).isEqualTo(2);
        assertThatThrownBy(() -> OciJson.read("{\"shades\":[\"dark\",\"dim\"]}", Palette.class, "palette"))
                .isInstanceOf(OciFormatException.class)
                .hasMessage("palette.shades[1]: \"dim\" is not a shade");
        assertThatThrownBy(() -> OciJson.read("{\"shades\":[\"dim\"]}", Palette.class, "palette"))
                .as("a text refused once is refused again")
                .hasMessage("palette.shades[0]: \"dim\" is not a shade");
    }
}
