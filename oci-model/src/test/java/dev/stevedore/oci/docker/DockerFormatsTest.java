package dev.stevedore.oci.docker;

import static dev.stevedore.oci.Fixtures.bytes;
import static dev.stevedore.oci.Fixtures.compact;
import static dev.stevedore.oci.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import dev.stevedore.oci.image.Compression;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.image.MediaTypes;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DockerFormatsTest {

    @Test
    void schema2ManifestReadsAsManifestAndKeepsItsMediaTypes() {
        Manifest m = OciJson.read(bytes("docker-manifest.json"), Manifest.class, "manifest");

        assertThat(m.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(m.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
        assertThat(m.layers()).extracting(l -> MediaTypes.layerCompression(l.mediaType()))
                .containsExactly(Compression.GZIP, Compression.GZIP, Compression.GZIP);
        assertThat(MediaTypes.isNonDistributable(m.layers().get(0).mediaType())).isTrue();
        assertThat(m.layers().get(0).urls()).singleElement().asString().startsWith("https://mcr.microsoft.com/");
        assertThat(m.layers().get(0).size()).isEqualTo(1_718_332_879L);
        assertThat(written(m)).isEqualTo(compact("docker-manifest.json"));
    }

    @Test
    void manifestListReadsAsIndexKeepingDockerOnlyPlatformFields() {
        Index list = OciJson.read(bytes("docker-manifest-list.json"), Index.class, "index");

        assertThat(list.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST_LIST);
        assertThat(list.manifests()).extracting(d -> d.platform().os() + "/" + d.platform().architecture())
                .containsExactly("linux/amd64", "linux/arm", "windows/amd64");
        assertThat(list.manifests().get(1).platform().variant()).isEqualTo("v6");
        assertThat(list.manifests().get(1).platform().extensions()).containsEntry("features", List.of("sse4"));
        assertThat(list.manifests().get(2).platform().osVersion()).isEqualTo("10.0.17763.5936");
        assertThat(written(list)).isEqualTo(compact("docker-manifest-list.json"));
    }

    @Test
    void dockerContainerConfigReadsWithItsExtraFieldsKept() {
        ImageConfig c = OciJson.read(bytes("docker-config.json"), ImageConfig.class, "config");

        assertThat(c.config().cmd()).containsExactly("sh");
        assertThat(c.config().entrypoint()).as("Docker writes null for an unset entrypoint").isEmpty();
        assertThat(c.config().user()).as("Docker's \"\" reads as unset").isNull();
        assertThat(c.config().workingDir()).isNull();
        assertThat(c.config().extensions()).containsKeys("Hostname", "AttachStdin", "Image");
        assertThat(c.extensions()).containsKeys("container", "container_config", "docker_version");
        assertThat(c.created()).isEqualTo("2023-07-18T23:19:33.655005962Z");
        assertThat(c.history()).extracting(ImageConfig.History::emptyLayer).containsExactly(false, true);
        assertThat(OciJson.read(OciJson.write(c), ImageConfig.class, "config")).isEqualTo(c);
    }

    @Test
    void archiveManifestRoundTripsAsTheSameText() {
        DockerArchiveManifest m = OciJson.read(bytes("docker-archive-manifest.json"), DockerArchiveManifest.class,
                DockerArchiveManifest.FILE_NAME);

        assertThat(m.entries()).hasSize(2);
        DockerArchiveManifestEntry first = m.entries().get(0);
        assertThat(first.repoTags()).containsExactly("busybox:1.36.1", "busybox:latest");
        Digest diffId = Digest.parse("sha256:0697c0f434f8672811eb1b52d443d0d4cb616fa58e4d10b25e91471b7f45a665");
        assertThat(first.layerSources()).containsOnlyKeys(diffId);
        assertThat(first.layerSources().get(diffId).size()).isEqualTo(4_495_360);
        assertThat(m.entries().get(1).repoTags()).as("untagged image").isEmpty();
        assertThat(m.entries().get(1).layers()).hasSize(2);
        assertThat(written(m)).isEqualTo(compact("docker-archive-manifest.json"));
        DockerArchiveManifest built = new DockerArchiveManifest(List.of(
                DockerArchiveManifestEntry.of("c.json", List.of("app:1"), List.of("l1/layer.tar"))));
        assertThat(OciJson.read(OciJson.write(built), DockerArchiveManifest.class, "manifest.json")).isEqualTo(built);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "[{\"Config\":\"../../etc/shadow\",\"Layers\":[]}]"
                + " | manifest.json[0].Config: \"../../etc/shadow\" is not a relative path inside the archive",
        "[{\"Config\":\"c.json\",\"Layers\":[\"ok/layer.tar\",\"/etc/passwd\"]}]"
                + " | manifest.json[0].Layers[1]: \"/etc/passwd\" is not a relative path inside the archive",
        "[{\"Config\":\"c.json\",\"Layers\":[\"a/../../b\"]}]"
                + " | manifest.json[0].Layers[0]: \"a/../../b\" is not a relative path inside the archive",
        "[{\"Config\":\"c.json\",\"Layers\":[]},{\"Layers\":[]}] | manifest.json[1].Config: is required",
        "[{\"Config\":\"c.json\"}] | manifest.json[0].Layers: is required",
        "[{\"Config\":\"c.json\",\"Layers\":[],\"RepoTags\":\"busybox\"}]"
                + " | manifest.json[0].RepoTags: expected an array, got the string \"busybox\"",
        "[{\"Config\":\"c.json\",\"Layers\":[],\"LayerSources\":{\"sha256:zz\":{}}}]"
                + " | manifest.json[0].LayerSources: key \"sha256:zz\" is not a valid digest:"
                + " sha256 needs 64 hex characters, got 2",
        "[null] | manifest.json[0]: must not be null",
        "{\"Config\":\"c.json\",\"Layers\":[]} | manifest.json: expected an array, got an object",
    })
    void hostileOrBrokenArchiveManifestIsRefused(String json, String message) {
        assertThatThrownBy(() -> OciJson.read(json, DockerArchiveManifest.class, DockerArchiveManifest.FILE_NAME))
                .isInstanceOf(OciFormatException.class)
                .hasMessage(message);
    }
}
