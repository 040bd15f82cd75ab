package dev.stevedore.oci.image;

import static dev.stevedore.oci.Fixtures.bytes;
import static dev.stevedore.oci.Fixtures.written;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageDocumentsTest {

    private static final Digest DIFF_1 = Digest.parse("sha256:0697c0f434f8672811eb1b52d443d0d4cb616fa58e4d10b25e91471b7f45a665");
    private static final Digest DIFF_2 = Digest.parse("sha256:a9485d17c39b521f9de31b558df98f81dd72a9c7498f57f27b74356ea150fbd9");

    @Test
    void busyboxManifestReadsIntoItsParts() {
        Manifest m = OciJson.read(bytes("busybox-manifest.json"), Manifest.class, "manifest");

        assertThat(m.mediaType()).isEqualTo(MediaTypes.IMAGE_MANIFEST);
        assertThat(m.config().mediaType()).isEqualTo(MediaTypes.IMAGE_CONFIG);
        assertThat(m.config().size()).isEqualTo(372);
        assertThat(m.layers()).singleElement().satisfies(layer -> {
            assertThat(MediaTypes.layerCompression(layer.mediaType())).isEqualTo(Compression.GZIP);
            assertThat(layer.digest().encoded()).startsWith("dac1d7cf");
        });
        assertThat(m.annotations()).as("document order is kept").containsExactly(
                Map.entry(Annotations.URL, "https://hub.docker.com/_/busybox"),
                Map.entry(Annotations.VERSION, "1.36.1-glibc"),
                Map.entry(Annotations.REVISION, "3f2a4e2e0f5b7c9f7c5b5f7f6a1d2c3b4a5f6e7d"),
                Map.entry(Annotations.CREATED, "2024-09-26T21:31:42Z"),
                Map.entry(Annotations.BASE_NAME, "scratch"));
    }

    @Test
    void everyConfigFieldIsRead() {
        ImageConfig c = OciJson.read(bytes("config-all-fields.json"), ImageConfig.class, "config");

        assertThat(c.created()).isEqualTo("2024-05-01T12:34:56.123456789+02:00");
        assertThat(c.createdInstant()).contains(Instant.parse("2024-05-01T10:34:56.123456789Z"));
        assertThat(c.platform()).isEqualTo(new Platform("arm64", "linux", "6.1.0", List.of("feature-a"), "v8", null));
        ImageConfig.Config run = c.config();
        assertThat(run.user()).isEqualTo("1000:1000");
        assertThat(run.exposedPorts()).containsExactly("8080/tcp", "53/udp", "9000", "2905/sctp");
        assertThat(run.env()).containsExactly("PATH=/usr/local/bin:/usr/bin:/bin", "APP_HOME=/app", "EMPTY=");
        assertThat(run.entrypoint()).containsExactly("/app/entrypoint.sh");
        assertThat(run.cmd()).containsExactly("--serve", "--port=8080");
        assertThat(run.volumes()).containsExactly("/data", "/var/log/app");
        assertThat(run.workingDir()).isEqualTo("/app");
        assertThat(run.labels()).containsEntry("a.label", "").hasSize(3);
        assertThat(run.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(run.argsEscaped()).isTrue();
        assertThat(run.healthcheck().test()).containsExactly("CMD-SHELL", "wget -q -O- http://localhost:8080/health || exit 1");
        assertThat(run.healthcheck().interval()).isEqualTo(30_000_000_000L);
        assertThat(run.healthcheck().timeout()).isEqualTo(5_000_000_000L);
        assertThat(run.healthcheck().startPeriod()).isEqualTo(10_000_000_000L);
        assertThat(run.healthcheck().startInterval()).isEqualTo(2_000_000_000L);
        assertThat(run.healthcheck().retries()).isEqualTo(3);
        assertThat(run.healthcheck().extensions()).containsEntry("x-health-extension", 1);
        assertThat(run.onBuild()).containsExactly("COPY . /app/src");
        assertThat(run.shell()).containsExactly("/bin/sh", "-eu", "-c");
        assertThat(run.extensions()).containsOnlyKeys("Hostname", "Image");
        assertThat(c.rootfs().diffIds()).containsExactly(DIFF_1, DIFF_2);
        assertThat(c.history()).hasSize(3);
        assertThat(c.history().get(1).emptyLayer()).isTrue();
        assertThat(c.history().get(1).createdInstant()).contains(Instant.parse("2024-05-01T12:30:00.5Z"));
        assertThat(c.history().get(2).created()).isNull();
        assertThat(c.extensions()).containsOnlyKeys("x-config-extension", "x-null-extension");
    }

    @Test
    void absentOptionalFieldsReadAsEmptyAndAreNotWritten() {
        String minimal = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":null}}";
        ImageConfig c = OciJson.read(minimal, ImageConfig.class, "config");

        assertThat(c.config()).isSameAs(ImageConfig.Config.EMPTY);
        assertThat(c.config().env()).isEmpty();
        assertThat(c.config().healthcheck()).isNull();
        assertThat(c.createdInstant()).isEmpty();
        assertThat(c.history()).isEmpty();
        assertThat(written(c)).as("diff_ids is required, so it is written even when empty")
                .isEqualTo("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}");
        assertThat(written(Manifest.of(Descriptor.of(MediaTypes.EMPTY_JSON, "{}".getBytes(StandardCharsets.UTF_8)), List.of())))
                .as("layers is required, so it is written even when empty")
                .isEqualTo("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\","
                        + "\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},"
                        + "\"layers\":[]}");
    }

    @Test
    void imageBuiltInJavaSurvivesWriteAndRead() {
        Instant when = OffsetDateTime.parse("2025-01-02T03:04:05Z").toInstant();
        ImageConfig config = ImageConfig.of("linux", "amd64")
                .withCreated(when)
                .withConfig(ImageConfig.Config.EMPTY
                        .withEnv(List.of("PATH=/bin", "HOME=/root"))
                        .withEnv("PATH", "/usr/bin:/bin")
                        .withEnv("LANG", "C.UTF-8")
                        .withEntrypoint(List.of("/bin/sh", "-c"))
                        .withCmd(List.of("echo hi"))
                        .withUser("65534")
                        .withWorkingDir("/work")
                        .withExposedPorts(Set.of("8080/tcp"))
                        .withVolumes(Set.of("/data"))
                        .withLabels(Map.of("k", "v"))
                        .withStopSignal("SIGINT")
                        .withShell(List.of("/bin/bash", "-c"))
                        .withOnBuild(List.of("RUN true"))
                        .withHealthcheck(new ImageConfig.Healthcheck(List.of("NONE"), 0, 0, 0, 0, 0, null)))
                .withAddedLayer(DIFF_1, ImageConfig.History.of(when, "ADD rootfs.tar /", false))
                .withAddedLayer(DIFF_2, ImageConfig.History.of(when, "RUN make", false))
                .withHistory(List.of(
                        ImageConfig.History.of(when, "ADD rootfs.tar /", false),
                        ImageConfig.History.of(when, "ENV LANG=C.UTF-8", true),
                        ImageConfig.History.of(null, "RUN make", false)));

        assertThat(config.created()).isEqualTo("2025-01-02T03:04:05Z");
        assertThat(config.config().env()).as("a set variable keeps its place")
                .containsExactly("PATH=/usr/bin:/bin", "HOME=/root", "LANG=C.UTF-8");
        assertThat(config.rootfs()).isEqualTo(ImageConfig.RootFs.of(List.of(DIFF_1, DIFF_2)));
        assertThat(OciJson.read(OciJson.write(config), ImageConfig.class, "config")).isEqualTo(config);

        byte[] configBytes = OciJson.write(config);
        Descriptor layer = Descriptor.of(MediaTypes.layer(Compression.ZSTD), DIFF_2, 1234);
        Manifest manifest = Manifest.of(Descriptor.of(MediaTypes.IMAGE_CONFIG, configBytes), List.of())
                .withLayers(List.of(layer))
                .withAnnotations(Map.of(Annotations.TITLE, "demo"));
        assertThat(manifest.config().digest()).isEqualTo(Digest.sha256(configBytes));
        assertThat(OciJson.read(OciJson.write(manifest), Manifest.class, "manifest")).isEqualTo(manifest);

        byte[] manifestBytes = OciJson.write(manifest);
        Index index = Index.of(List.of(Descriptor.of(MediaTypes.IMAGE_MANIFEST, manifestBytes)
                        .withPlatform(config.platform())
                        .withAnnotations(Map.of(Annotations.REF_NAME, "demo:1"))))
                .withAnnotations(Map.of(Annotations.CREATED, config.created()));
        assertThat(OciJson.read(OciJson.write(index), Index.class, "index")).isEqualTo(index);
        assertThat(index.withManifests(List.of()).manifests()).isEmpty();
        assertThat(OciJson.read(OciJson.write(ImageLayout.current()), ImageLayout.class, "oci-layout"))
                .isEqualTo(new ImageLayout("1.0.0", null));
        assertThat(manifest.withConfig(layer).config()).isEqualTo(layer);
    }

    @Test
    void valuesAreImmutableCopies() {
        Map<String, String> labels = new LinkedHashMap<>(Map.of("a", "1"));
        ImageConfig.Config config = ImageConfig.Config.EMPTY.withLabels(labels);
        labels.put("b", "2");

        assertThat(config.labels()).containsOnlyKeys("a");
        assertThatThrownBy(() -> config.labels().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> config.exposedPorts().add("80")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void javaCallersGetTheSameValidationAsReaders() {
        assertThatThrownBy(() -> ImageConfig.Config.EMPTY.withExposedPorts(Set.of("http")))
                .isInstanceOf(OciFormatException.class)
                .hasMessage("ExposedPorts: \"http\" is not a port: expected port[/tcp|/udp|/sctp] with port from 1 to 65535");
        assertThatThrownBy(() -> ImageConfig.Config.EMPTY.withEnv(List.of("=x")))
                .hasMessage("Env[0]: \"=x\" is not NAME=value");
        assertThatThrownBy(() -> new ImageConfig.RootFs("squashfs", List.of(), null))
                .hasMessage("type: must be \"layers\", got \"squashfs\"");
        assertThatThrownBy(() -> Manifest.of(null, List.of())).hasMessage("config: is required");
        assertThatThrownBy(() -> Descriptor.of("application/json", DIFF_1, -1)).hasMessage("size: must not be negative, got -1");
        assertThatThrownBy(() -> new ImageLayout("0.9.0", null))
                .hasMessage("imageLayoutVersion: \"0.9.0\" is not supported: this library reads image layouts 1.x.y");
    }

    @Test
    void embeddedDataMatchingItsDigestIsAccepted() {
        Descriptor empty = new Descriptor(MediaTypes.EMPTY_JSON,
                Digest.parse("sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), 2,
                null, null, "e30=", null, null, null);
        assertThat(empty.data()).isEqualTo("e30=");
    }
}
