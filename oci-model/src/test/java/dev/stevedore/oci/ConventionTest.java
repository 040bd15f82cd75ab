package dev.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.image.Descriptor;
import org.junit.jupiter.api.Test;

class ConventionTest {
    @Test
    void unknownFieldsSurviveAndPathsAreNamed() {
        String json = "{\"mediaType\":\"a/b\",\"digest\":\"sha256:" + "a".repeat(64) + "\",\"size\":3,\"x-ext\":{\"k\":[1,2]}}";
        Descriptor d = OciJson.read(json, Descriptor.class, "descriptor");
        assertThat(d.extensions()).containsKey("x-ext");
        assertThat(new String(OciJson.write(d))).isEqualTo(json);
        assertThatThrownBy(() -> OciJson.read(json.replace("\"size\":3", "\"size\":-3"), Descriptor.class, "descriptor"))
                .hasMessage("descriptor.size: must not be negative, got -3");
        assertThatThrownBy(() -> OciJson.read(json.replace("sha256:a", "sha256:X"), Descriptor.class, "descriptor"))
                .hasMessageStartingWith("descriptor.digest: ");
    }
}
