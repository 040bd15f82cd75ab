package dev.stevedore.oci.image;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Fixtures;
import dev.stevedore.oci.OciFormatException;
import dev.stevedore.oci.OciJson;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each case breaks one realistic document in one place and expects the exact message. Lines and
 * columns count from 1 and point at the offending character, or at the end of a truncated document.
 */
class MalformedDocumentTest {

    private static final String MANIFEST = Fixtures.text("busybox-manifest.json");
    private static final String CONFIG = Fixtures.text("busybox-config.json");
    private static final String INDEX = Fixtures.text("busybox-index.json");
    private static final String LAYER_DIGEST = "sha256:dac1d7cfa95021764849fd102524e141488c5e3a90f861dbb5a12d9ac8584f85";

    private static Arguments manifest(String from, String to, String message) {
        return Arguments.of(edit(MANIFEST, from, to), Manifest.class, "manifest", message);
    }

    private static Arguments config(String from, String to, String message) {
        return Arguments.of(edit(CONFIG, from, to), ImageConfig.class, "config", message);
    }

    private static Arguments index(String from, String to, String message) {
        return Arguments.of(edit(INDEX, from, to), Index.class, "index", message);
    }

    private static String edit(String json, String from, String to) {
        if (!json.contains(from)) {
            throw new IllegalArgumentException("the fixture has no " + from);
        }
        return json.replaceFirst(Pattern.quote(from), Matcher.quoteReplacement(to));
    }

    static Stream<Arguments> documents() {
        return Stream.of(
                manifest("\"schemaVersion\": 2", "\"schemaVersion\": 1",
                        "manifest.schemaVersion: must be 2, got 1"),
                manifest("\"schemaVersion\": 2,", "",
                        "manifest.schemaVersion: is required"),
                manifest("\"schemaVersion\": 2", "\"schemaVersion\": \"2\"",
                        "manifest.schemaVersion: expected an integer, got the string \"2\""),
                manifest("\"mediaType\": \"application/vnd.oci.image.manifest.v1+json\"",
                        "\"mediaType\": \"application/vnd.oci.image.index.v1+json\"",
                        "manifest.mediaType: \"application/vnd.oci.image.index.v1+json\" is not a manifest media type"
                                + " (expected application/vnd.oci.image.manifest.v1+json"
                                + " or application/vnd.docker.distribution.manifest.v2+json)"),
                manifest(LAYER_DIGEST, "sha256:xyz",
                        "manifest.layers[0].digest: \"sha256:xyz\" is not a valid digest: sha256 needs 64 hex characters, got 3"),
                manifest(LAYER_DIGEST, LAYER_DIGEST.toUpperCase().replace("SHA256", "sha256"),
                        "manifest.layers[0].digest: \"" + LAYER_DIGEST.toUpperCase().replace("SHA256", "sha256")
                                + "\" is not a valid digest: sha256 needs lowercase hex characters"),
                manifest("\"size\": 2152262", "\"size\": -2152262",
                        "manifest.layers[0].size: must not be negative, got -2152262"),
                manifest("\"size\": 2152262", "\"size\": 2.5",
                        "manifest.layers[0].size: expected an integer, got the number 2.5"),
                manifest("\"size\": 2152262", "\"size\": 2152262, \"size\": 7",
                        "manifest.layers[0]: invalid JSON at line 13, column 24: duplicate key \"size\""),
                manifest("\"size\": 372", "\"bytes\": 372",
                        "manifest.config.size: is required"),
                manifest("\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\",", "",
                        "manifest.layers[0].mediaType: is required"),
                manifest("\"mediaType\": \"application/vnd.oci.image.layer.v1.tar+gzip\"", "\"mediaType\": \"tar+gzip\"",
                        "manifest.layers[0].mediaType: \"tar+gzip\" is not a media type: expected type/subtype (RFC 6838)"),
                manifest("\"config\": {", "\"configuration\": {",
                        "manifest.config: is required"),
                manifest("\"layers\": [", "\"layers\": [null, ",
                        "manifest.layers[0]: must not be null"),
                manifest("\"layers\": [", "\"layers\": {\"x\": [",
                        "manifest.layers: expected an array, got an object"),
                manifest("\"org.opencontainers.image.url\": \"https://hub.docker.com/_/busybox\"",
                        "\"org.opencontainers.image.url\": 42",
                        "manifest.annotations.org.opencontainers.image.url: expected a string, got the number 42"),
                manifest("\"annotations\": {", "\"annotations\": [",
                        "manifest.annotations: expected an object, got an array"),
                Arguments.of(MANIFEST.substring(0, MANIFEST.indexOf("\"size\": 2152262")), Manifest.class, "manifest",
                        "manifest.layers[0]: the document ends too early at line 13, column 7: the JSON is truncated"),
                Arguments.of(MANIFEST + "}", Manifest.class, "manifest",
                        "manifest: invalid JSON at line 24, column 1: unexpected '}' with no object open"),
                Arguments.of(MANIFEST + "{\"schemaVersion\": 2}", Manifest.class, "manifest",
                        "manifest: invalid JSON at line 24, column 1: unexpected '{' after the end of the document"),
                Arguments.of("", Manifest.class, "manifest",
                        "manifest: the document ends too early at line 1, column 1: the JSON is truncated"),
                Arguments.of("null", Manifest.class, "manifest", "manifest: expected a document, got null"),
                Arguments.of("[" + MANIFEST + "]", Manifest.class, "manifest", "manifest: expected an object, got an array"),
                config("\"type\": \"layers\"", "\"type\": \"layer\"",
                        "config.rootfs.type: must be \"layers\", got \"layer\""),
                config("\"type\": \"layers\",", "",
                        "config.rootfs.type: is required"),
                config("\"rootfs\": {", "\"rootfs_\": {",
                        "config.rootfs: is required"),
                config("\"diff_ids\": [", "\"diff_ids\": [\"sha256:\", ",
                        "config.rootfs.diff_ids[0]: \"sha256:\" is not a valid digest: expected algorithm:encoded"),
                config("\"architecture\": \"amd64\",", "",
                        "config.architecture: is required"),
                config("\"os\": \"linux\"", "\"os\": \"\"",
                        "config.os: is required"),
                config("\"created\": \"2024-09-26T21:31:42Z\",\n  \"architecture\"",
                        "\"created\": \"2024-09-26 21:31:42\",\n  \"architecture\"",
                        "config.created: \"2024-09-26 21:31:42\" is not an RFC 3339 date-time such as 2024-05-01T12:00:00Z"),
                config("\"created_by\": \"BusyBox", "\"created\": \"last tuesday\", \"created_by\": \"BusyBox",
                        "config.history[0]: invalid JSON at line 24, column 7: duplicate key \"created\""),
                config("\"empty_layer\": true", "\"empty_layer\": \"true\"",
                        "config.history[1].empty_layer: expected a boolean, got the string \"true\""),
                config("\"Cmd\": [", "\"ExposedPorts\": {\"80/tcp\": {}, \"8080/http\": {}},\n    \"Cmd\": [",
                        "config.config.ExposedPorts: \"8080/http\" is not a port: expected port[/tcp|/udp|/sctp]"
                                + " with port from 1 to 65535"),
                config("\"Cmd\": [", "\"ExposedPorts\": {\"70000/udp\": {}},\n    \"Cmd\": [",
                        "config.config.ExposedPorts: \"70000/udp\" is not a port: expected port[/tcp|/udp|/sctp]"
                                + " with port from 1 to 65535"),
                config("\"Cmd\": [", "\"ExposedPorts\": {\"80/tcp\": true},\n    \"Cmd\": [",
                        "config.config.ExposedPorts.80/tcp: expected an empty object {}, got a boolean"),
                config("\"Cmd\": [", "\"ExposedPorts\": [\"80/tcp\"],\n    \"Cmd\": [",
                        "config.config.ExposedPorts: expected an object of keys to empty objects, got an array"),
                config("\"PATH=/usr", "\"PATH /usr",
                        "config.config.Env[0]: \"PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\""
                                + " is not NAME=value"),
                config("\"Cmd\": [\n      \"sh\"\n    ]", "\"Cmd\": \"sh\"",
                        "config.config.Cmd: expected an array, got the string \"sh\""),
                config("\"Cmd\": [", "\"Healthcheck\": {\"Test\": [\"RUN\", \"true\"]},\n    \"Cmd\": [",
                        "config.config.Healthcheck.Test[0]: \"RUN\" is not NONE, CMD or CMD-SHELL"),
                config("\"Cmd\": [", "\"Healthcheck\": {\"Test\": [\"NONE\"], \"Retries\": -1},\n    \"Cmd\": [",
                        "config.config.Healthcheck.Retries: must not be negative, got -1"),
                config("\"Cmd\": [", "\"Volumes\": {\"/data\": {\"rw\": true}},\n    \"Cmd\": [",
                        "config.config.Volumes./data: expected an empty object {}, got a non-empty object"),
                index("\"architecture\": \"arm\",", "",
                        "index.manifests[1].platform.architecture: is required"),
                index("\"os\": \"unknown\"", "\"os\": null",
                        "index.manifests[3].platform.os: is required"),
                index("\"manifests\": [", "\"entries\": [",
                        "index.manifests: is required"),
                index("\"schemaVersion\": 2", "\"schemaVersion\": 3",
                        "index.schemaVersion: must be 2, got 3"),
                index("\"mediaType\": \"application/vnd.oci.image.index.v1+json\"",
                        "\"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\"",
                        "index.mediaType: \"application/vnd.docker.distribution.manifest.v2+json\" is not an index media type"
                                + " (expected application/vnd.oci.image.index.v1+json"
                                + " or application/vnd.docker.distribution.manifest.list.v2+json)"),
                index("\"size\": 566", "\"size\": 566, \"data\": \"e30=\"",
                        "index.manifests[3].data: holds 2 bytes but size says 566"),
                index("\"size\": 566", "\"size\": 2, \"data\": \"e31=\"",
                        "index.manifests[3].data: does not match digest"
                                + " sha256:ddc6e2b224d0fd821669202258386936fc9ce2899e215eec6322b95f8dd96d6a"),
                index("\"size\": 566", "\"size\": 2, \"data\": \"e3%=\"",
                        "index.manifests[3].data: is not valid base64: Illegal base64 character 25"),
                Arguments.of("{\"imageLayoutVersion\": \"2.0.0\"}", ImageLayout.class, "oci-layout",
                        "oci-layout.imageLayoutVersion: \"2.0.0\" is not supported: this library reads image layouts 1.x.y"),
                Arguments.of("{}", ImageLayout.class, "oci-layout", "oci-layout.imageLayoutVersion: is required"));
    }

    @ParameterizedTest
    @MethodSource("documents")
    void isRefusedNamingThePathAndTheProblem(String json, Class<?> type, String root, String message) {
        assertThatThrownBy(() -> OciJson.read(json, type, root))
                .isInstanceOf(OciFormatException.class)
                .hasMessage(message);
    }
}
