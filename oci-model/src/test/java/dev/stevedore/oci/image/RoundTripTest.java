package dev.stevedore.oci.image;

import static dev.stevedore.oci.Fixtures.bytes;
import static dev.stevedore.oci.Fixtures.compact;
import static dev.stevedore.oci.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciJson;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoundTripTest {

    static Stream<Arguments> fixtures() {
        return Stream.of(
                Arguments.of("busybox-manifest.json", Manifest.class),
                Arguments.of("busybox-config.json", ImageConfig.class),
                Arguments.of("busybox-index.json", Index.class),
                Arguments.of("manifest-all-fields.json", Manifest.class),
                Arguments.of("index-all-fields.json", Index.class),
                Arguments.of("config-all-fields.json", ImageConfig.class),
                Arguments.of("docker-manifest.json", Manifest.class),
                Arguments.of("docker-manifest-list.json", Index.class),
                Arguments.of("oci-layout", ImageLayout.class));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fixtureIsWrittenBackAsTheSameText(String fixture, Class<?> type) {
        Object document = OciJson.read(bytes(fixture), type, "doc");
        assertThat(written(document)).isEqualTo(compact(fixture));
        assertThat(OciJson.read(OciJson.write(document), type, "doc")).isEqualTo(document);
        assertThat(OciJson.read(OciJson.writePretty(document), type, "doc")).isEqualTo(document);
    }
}
