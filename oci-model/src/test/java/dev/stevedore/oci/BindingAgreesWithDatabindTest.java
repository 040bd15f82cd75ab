package dev.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.stevedore.oci.docker.DockerArchiveManifest;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.ImageLayout;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.runtime.Spec;
import dev.stevedore.oci.runtime.State;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link OciJson} applies the model's Jackson annotations itself; jackson-databind, configured as
 * strictly ({@link OciJson#mapper()}), is the reference for what they mean. Both must read every
 * document to equal values and write every value to the same bytes, compact and indented.
 */
class BindingAgreesWithDatabindTest {

    private static final ObjectMapper DATABIND = OciJson.mapper();

    static Stream<Arguments> documents() {
        return Stream.of(
                Arguments.of("/fixtures/busybox-manifest.json", Manifest.class),
                Arguments.of("/fixtures/busybox-config.json", ImageConfig.class),
                Arguments.of("/fixtures/busybox-index.json", Index.class),
                Arguments.of("/fixtures/manifest-all-fields.json", Manifest.class),
                Arguments.of("/fixtures/index-all-fields.json", Index.class),
                Arguments.of("/fixtures/config-all-fields.json", ImageConfig.class),
                Arguments.of("/fixtures/docker-manifest.json", Manifest.class),
                Arguments.of("/fixtures/docker-manifest-list.json", Index.class),
                Arguments.of("/fixtures/docker-config.json", ImageConfig.class),
                Arguments.of("/fixtures/docker-archive-manifest.json", DockerArchiveManifest.class),
                Arguments.of("/fixtures/oci-layout", ImageLayout.class),
                Arguments.of("/runtime/full-config.json", Spec.class),
                Arguments.of("/runtime/runc-spec.json", Spec.class),
                Arguments.of("/runtime/crun-spec.json", Spec.class));
    }

    @ParameterizedTest
    @MethodSource("documents")
    void readsAndWritesAsDatabindDoes(String resource, Class<?> type) throws IOException {
        byte[] json = resource(resource);
        assertSameReadAndWrite(json, type);
    }

    /** The edges of the inclusion rules: zeros, falses, empty strings and collections, nulls in unknown fields. */
    @Test
    void includesAndOmitsTheSameFields() throws IOException {
        assertSameReadAndWrite("""
                {"architecture": "amd64", "os": "linux", "author": "", "os.features": [],
                 "config": {"User": "", "Env": [], "ExposedPorts": {}, "Volumes": {"/data": {}}, "ArgsEscaped": false,
                            "Healthcheck": {"Test": ["NONE"], "Interval": 0, "Retries": 0}, "Labels": {},
                            "x-null": null, "x-empty": "", "x-list": [], "x-map": {}},
                 "rootfs": {"type": "layers", "diff_ids": []},
                 "history": [{"created_by": "a", "empty_layer": false}, {"empty_layer": true, "comment": ""}],
                 "x-numbers": [0, -1, 2147483648, 9223372036854775808, 1.5, -0.0, 1e300],
                 "x-deep": {"a": [{"b": null}, [true, false]]}}
                """.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
        assertSameReadAndWrite("""
                {"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}}
                """.getBytes(StandardCharsets.UTF_8), ImageConfig.class);
        assertSameReadAndWrite("""
                {"schemaVersion": 2, "manifests": []}
                """.getBytes(StandardCharsets.UTF_8), Index.class);
        assertSameReadAndWrite("""
                {"ociVersion": "1.2.0", "id": "c1", "status": "stopped", "bundle": "/b", "pid": 0}
                """.getBytes(StandardCharsets.UTF_8), State.class);
    }

    @Test
    void valuesBuiltInCodeAreWrittenTheSame() throws IOException {
        Descriptor built = Descriptor.of("application/vnd.oci.image.layer.v1.tar", Digest.sha256(new byte[0]), 0);
        assertThat(OciJson.write(built)).isEqualTo(DATABIND.writeValueAsBytes(built));
        Index index = OciJson.read(resource("/fixtures/busybox-index.json"), Index.class, "index");
        assertThat(OciJson.writePretty(index)).isEqualTo(DATABIND.writerWithDefaultPrettyPrinter().writeValueAsString(index));
    }

    @Test
    void unknownFieldsKeepTheirDocumentOrder() {
        String json = "{\"Cmd\":[\"sh\"],\"z\":1,\"a\":2,\"m\":{\"y\":null,\"b\":[]}}";
        ImageConfig.Config config = OciJson.read(json, ImageConfig.Config.class, "config");
        assertThat(new String(OciJson.write(config), StandardCharsets.UTF_8)).isEqualTo(json);
    }

    @Test
    void aTypeOutsideTheModelIsRefusedByName() {
        assertThatThrownBy(() -> OciJson.write(new StringBuilder("x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no JSON mapping for java.lang.StringBuilder");
        assertThatThrownBy(() -> OciJson.read("{}", Thread.class, "thread"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no JSON mapping for java.lang.Thread");
    }

    /**
     * Writing is compared on the value this binding read: databind gathers a record's unknown fields
     * in a hash map, losing their document order, which this binding keeps.
     */
    private static void assertSameReadAndWrite(byte[] json, Class<?> type) throws IOException {
        Object ours = OciJson.read(json, type, "document");
        assertThat(ours).isEqualTo(DATABIND.readValue(json, type));
        assertThat(new String(OciJson.write(ours), StandardCharsets.UTF_8)).isEqualTo(DATABIND.writeValueAsString(ours));
        assertThat(OciJson.writePretty(ours)).isEqualTo(DATABIND.writerWithDefaultPrettyPrinter().writeValueAsString(ours));
    }

    private static byte[] resource(String name) {
        try (InputStream in = BindingAgreesWithDatabindTest.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
