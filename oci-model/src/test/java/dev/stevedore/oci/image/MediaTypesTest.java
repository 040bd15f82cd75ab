package dev.stevedore.oci.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.GrammarAgreement;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MediaTypesTest {

    @Test
    void classifiesManifestsIndexesAndConfigsOfBothFamilies() {
        assertThat(MediaTypes.isManifest(MediaTypes.IMAGE_MANIFEST)).isTrue();
        assertThat(MediaTypes.isManifest(MediaTypes.DOCKER_MANIFEST)).isTrue();
        assertThat(MediaTypes.isManifest(MediaTypes.IMAGE_INDEX)).isFalse();
        assertThat(MediaTypes.isIndex(MediaTypes.IMAGE_INDEX)).isTrue();
        assertThat(MediaTypes.isIndex(MediaTypes.DOCKER_MANIFEST_LIST)).isTrue();
        assertThat(MediaTypes.isIndex(null)).isFalse();
        assertThat(MediaTypes.isConfig(MediaTypes.IMAGE_CONFIG)).isTrue();
        assertThat(MediaTypes.isConfig(MediaTypes.DOCKER_CONFIG)).isTrue();
        assertThat(MediaTypes.isConfig(MediaTypes.EMPTY_JSON)).isFalse();
    }

    @Test
    void knowsEveryLayerTypeAndItsCompression() {
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_TAR)).isEqualTo(Compression.NONE);
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_TAR_GZIP)).isEqualTo(Compression.GZIP);
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_TAR_ZSTD)).isEqualTo(Compression.ZSTD);
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_NONDISTRIBUTABLE_TAR)).isEqualTo(Compression.NONE);
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_NONDISTRIBUTABLE_TAR_GZIP)).isEqualTo(Compression.GZIP);
        assertThat(MediaTypes.layerCompression(MediaTypes.LAYER_NONDISTRIBUTABLE_TAR_ZSTD)).isEqualTo(Compression.ZSTD);
        assertThat(MediaTypes.layerCompression(MediaTypes.DOCKER_LAYER_GZIP)).isEqualTo(Compression.GZIP);
        assertThat(MediaTypes.layerCompression(MediaTypes.DOCKER_LAYER_TAR)).isEqualTo(Compression.NONE);
        assertThat(MediaTypes.layerCompression(MediaTypes.DOCKER_FOREIGN_LAYER)).isEqualTo(Compression.GZIP);
        assertThat(MediaTypes.isLayer(MediaTypes.IMAGE_CONFIG)).isFalse();
        assertThatThrownBy(() -> MediaTypes.layerCompression("application/vnd.oci.image.layer.v1.tar+lz4"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("\"application/vnd.oci.image.layer.v1.tar+lz4\" is not a layer media type this library knows");
        for (Compression c : Compression.values()) {
            assertThat(MediaTypes.layerCompression(MediaTypes.layer(c))).isEqualTo(c);
        }
    }

    @Test
    void nonDistributableMeansOciNondistributableOrDockerForeign() {
        assertThat(MediaTypes.isNonDistributable(MediaTypes.LAYER_NONDISTRIBUTABLE_TAR_ZSTD)).isTrue();
        assertThat(MediaTypes.isNonDistributable(MediaTypes.DOCKER_FOREIGN_LAYER)).isTrue();
        assertThat(MediaTypes.isNonDistributable(MediaTypes.LAYER_TAR_GZIP)).isFalse();
    }

    @Test
    void mediaTypeGrammarFollowsRfc6838() {
        assertThat(MediaTypes.problem(MediaTypes.IMAGE_LAYOUT)).isNull();
        assertThat(MediaTypes.problem("application/spdx+json")).isNull();
        assertThat(MediaTypes.problem("application/")).isEqualTo("\"application/\" is not a media type: expected type/subtype (RFC 6838)");
        assertThat(MediaTypes.problem("application/json; charset=utf-8")).isNotNull();
        assertThat(MediaTypes.problem(null)).isEqualTo("is required");
    }

    @Test
    void handWrittenMatcherAgreesWithTheRfcExpression() {
        String name = "[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}";
        Pattern mediaType = Pattern.compile(name + "/" + name);
        // Short strings exercise the characters; names around 127 characters long exercise the limit.
        GrammarAgreement.agree(mediaType, s -> MediaTypes.problem(s) == null, random -> random.nextBoolean()
                        ? GrammarAgreement.strings("aZ9/!.+-; ", 0, 6).apply(random)
                        : "a".repeat(125 + random.nextInt(4)) + "/" + "b".repeat(125 + random.nextInt(4)),
                "", "/", "a/b", "a//b", "+a/b", "a/+b", "a/b/c", "a/b+json", "a/b;c", "é/b", "a b/c");
    }
}
