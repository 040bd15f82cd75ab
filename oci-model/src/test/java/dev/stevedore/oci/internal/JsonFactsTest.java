package dev.stevedore.oci.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.docker.DockerArchiveManifest;
import dev.stevedore.oci.docker.DockerArchiveManifestEntry;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.ImageConfig;
import dev.stevedore.oci.image.Manifest;
import dev.stevedore.oci.runtime.Spec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class JsonFactsTest {

    private static final Path CLASSES = Path.of("target/classes");

    @Test
    void theBuildsTablesSayWhatTheAnnotationsSay() throws Exception {
        int types = 0;
        for (Class<?> type : annotatedTypes()) {
            JsonFacts tabled = JsonFacts.table(type).get(type.getName());
            assertThat(tabled).as("%s is in its package's table", type.getName()).isNotNull();
            assertThat(tabled).as(type.getName()).isEqualTo(JsonFacts.fromAnnotations(type));
            types++;
        }
        assertThat(types).as("annotated types of the model").isGreaterThan(30);
    }

    @Test
    void factsOfEachKind() {
        JsonFacts config = JsonFacts.of(ImageConfig.class);
        assertThat(config.kind()).isEqualTo(JsonFacts.Kind.RECORD);
        assertThat(config.properties()).extracting(JsonFacts.Property::name)
                .containsExactly("created", "author", "architecture", "os", "os.version", "os.features", "variant",
                        "config", "rootfs", "history", "extensions");
        assertThat(config.properties().get(7).inclusion()).isEqualTo(JsonFacts.Inclusion.CUSTOM);
        assertThat(config.properties().get(7).filter()).isEqualTo(ImageConfig.class.getName() + "$ConfigIsEmpty");
        assertThat(config.properties().get(10).unknown()).isTrue();
        assertThat(JsonFacts.of(ImageConfig.Config.class).properties().get(1).custom())
                .isEqualTo(JsonFacts.Custom.KEY_SET);
        assertThat(JsonFacts.of(Digest.class))
                .isEqualTo(new JsonFacts(JsonFacts.Kind.STRING_VALUED, List.of(), "parse", "toString"));
        JsonFacts delegating = JsonFacts.of(DockerArchiveManifest.class);
        assertThat(delegating.kind()).isEqualTo(JsonFacts.Kind.DELEGATING);
        assertThat(delegating.properties()).extracting(JsonFacts.Property::type)
                .containsExactly("java.util.List<" + DockerArchiveManifestEntry.class.getName() + ">");
        assertThat(JsonFacts.of(String.class)).as("neither a record nor string-valued").isNull();
    }

    @Test
    void aTableThatNoLongerMatchesTheRecordIsNotTrusted() throws IOException {
        Map<String, JsonFacts> stale = JsonFacts.parse(new BufferedReader(new StringReader(
                "T " + Descriptor.class.getName() + " RECORD\nP mediaType type NON_NULL - 0 NONE java.lang.String\n")));
        assertThat(stale.get(Descriptor.class.getName()).properties()).hasSize(1);
        assertThat(JsonFacts.of(Descriptor.class, stale)).isEqualTo(JsonFacts.fromAnnotations(Descriptor.class));
        Map<String, JsonFacts> kindChanged = JsonFacts.parse(new BufferedReader(new StringReader(
                "T " + Descriptor.class.getName() + " STRING_VALUED parse toString\n")));
        assertThat(JsonFacts.of(Descriptor.class, kindChanged)).isEqualTo(JsonFacts.fromAnnotations(Descriptor.class));
        Map<String, JsonFacts> current = Map.of(Spec.class.getName(), JsonFacts.fromAnnotations(Spec.class));
        assertThat(JsonFacts.of(Spec.class, current)).isSameAs(current.get(Spec.class.getName()));
    }

    @Test
    void writtenFactsReadBackEqual() throws IOException {
        StringWriter out = new StringWriter();
        for (Class<?> type : List.of(ImageConfig.class, ImageConfig.Config.class, Digest.class,
                DockerArchiveManifest.class)) {
            JsonFacts.fromAnnotations(type).write(type.getName(), out);
        }
        Map<String, JsonFacts> read = JsonFacts.parse(new BufferedReader(new StringReader(out.toString())));
        assertThat(read).hasSize(4);
        assertThat(read.get(ImageConfig.Config.class.getName()))
                .isEqualTo(JsonFacts.fromAnnotations(ImageConfig.Config.class));
        assertThat(read.get(Digest.class.getName())).isEqualTo(JsonFacts.fromAnnotations(Digest.class));
    }

    @Test
    void theTablesTypesAreTheComponentsGenericTypes() throws Exception {
        int generic = 0;
        for (Class<?> type : annotatedTypes()) {
            if (!type.isRecord()) {
                continue;
            }
            for (RecordComponent component : type.getRecordComponents()) {
                Type declared = component.getGenericType();
                Type read = JsonFacts.declaredType(component, JsonFacts.typeText(declared));
                assertThat(read).as(component.toString()).isEqualTo(declared).hasSameHashCodeAs(declared);
                assertThat(declared).as(component.toString()).isEqualTo(read);
                if (read instanceof ParameterizedType) {
                    assertThat(read.getTypeName()).isEqualTo(JsonFacts.typeText(declared));
                    assertThat(read).as("read from the text, not asked of the component")
                            .isNotInstanceOf(declared.getClass());
                    generic++;
                }
            }
        }
        assertThat(generic).as("lists and maps of the model").isGreaterThan(20);
    }

    @Test
    void aTypeTheComponentNoLongerHasIsAskedOfTheComponent() throws Exception {
        RecordComponent layers = Manifest.class.getRecordComponents()[4];
        assertThat(layers.getName()).isEqualTo("layers");
        for (String stale : List.of("java.util.Set<" + Descriptor.class.getName() + ">",
                "java.util.List<a.Gone>", "java.util.List<java.lang.String", "java.util.List<java.lang.String>x",
                "java.util.Lis<java.lang.String>")) {
            assertThat(JsonFacts.declaredType(layers, stale)).as(stale).isEqualTo(layers.getGenericType())
                    .isInstanceOf(ParameterizedType.class);
        }
        assertThat(JsonFacts.declaredType(layers, null)).isEqualTo(layers.getGenericType());
        RecordComponent mediaType = Manifest.class.getRecordComponents()[1];
        assertThat(JsonFacts.declaredType(mediaType, "java.lang.Integer")).isEqualTo(String.class);
        assertThat(JsonFacts.typeText(String[].class)).as("no model type is an array").isNull();
    }

    @Test
    void aMalformedTableIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> JsonFacts.parse(new BufferedReader(new StringReader("X what\n"))))
                .isInstanceOf(IOException.class).hasMessage("unexpected line in json-facts.txt: X what");
    }

    @Test
    void aJsonNameTheTableCannotHoldFailsTheBuild() {
        JsonFacts spaced = new JsonFacts(JsonFacts.Kind.RECORD, List.of(new JsonFacts.Property("a", "two words",
                false, JsonFacts.Inclusion.NON_NULL, null, false, JsonFacts.Custom.NONE, null)), null, null);
        assertThatThrownBy(() -> spaced.write("x.Y", new StringWriter()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("x.Y.a: the JSON name \"two words\" is empty or holds white space, which the table of"
                        + " JSON facts cannot hold");
    }

    /**
     * The point of the tables: in a fresh JVM, reading and writing the documents makes no annotation
     * proxies (each costs a proxy class made at run time; the first, the JDK's proxy machinery). Nor
     * does it load jackson-core, whose factory and parser cost some 20 ms of CPU there.
     */
    @Test
    void aFreshJvmReadsAndWritesDocumentsWithoutReadingAnnotationsOrJacksonCore() throws Exception {
        Process java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:auto", "-Xlog:class+load=info", "-cp", System.getProperty("java.class.path"),
                ColdRead.class.getName()).redirectErrorStream(true).start();
        String out = new String(java.getInputStream().readAllBytes());
        assertThat(java.waitFor()).as(out).isZero();
        assertThat(out).contains("read and wrote 6 documents");
        assertThat(out).as("classes loaded").doesNotContain("__dynamic_proxy__")
                .doesNotContain("sun.reflect.annotation.AnnotationParser ")
                .doesNotContain("com.fasterxml.jackson.core.")
                .doesNotContain("sun.reflect.generics.")
                .contains(JsonReader.class.getName() + " ").contains(JsonWriter.class.getName() + " ");
    }

    /** The classes with a Jackson annotation, as the build's step finds them. */
    private static List<Class<?>> annotatedTypes() throws Exception {
        List<Class<?>> types = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(CLASSES)) {
            for (Path file : walk.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                String name = CLASSES.relativize(file).toString();
                Class<?> type = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false,
                        JsonFactsTest.class.getClassLoader());
                if (JsonFacts.annotated(type) && JsonFacts.fromAnnotations(type) != null) {
                    types.add(type);
                }
            }
        }
        return types;
    }
}
