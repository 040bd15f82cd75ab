package dev.stevedore.oci.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.OciJson;
import java.lang.reflect.Constructor;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link ImageConfig.Config} writes its equals and hashCode out (for a fresh JVM's start): they
 * must still cover every component, including one added later.
 */
class ConfigEqualityTest {

    private static final String A = """
            {"User": "a", "ExposedPorts": {"80/tcp": {}}, "Env": ["A=1"], "Entrypoint": ["/a"], "Cmd": ["a"],
             "Volumes": {"/a": {}}, "WorkingDir": "/a", "Labels": {"a": "1"}, "StopSignal": "SIGTERM",
             "ArgsEscaped": true, "Healthcheck": {"Test": ["CMD", "a"]}, "OnBuild": ["RUN a"], "Shell": ["/bin/a"],
             "Unknown": "a"}""";
    private static final String B = """
            {"User": "b", "ExposedPorts": {"81/tcp": {}}, "Env": ["B=2"], "Entrypoint": ["/b"], "Cmd": ["b"],
             "Volumes": {"/b": {}}, "WorkingDir": "/b", "Labels": {"bb": "22"}, "StopSignal": "SIGINT",
             "ArgsEscaped": false, "Healthcheck": {"Test": ["CMD", "b"]}, "OnBuild": ["RUN b"], "Shell": ["/bin/b"],
             "Unknown": "b"}""";

    @Test
    void everyComponentTakesPartInEqualsAndHashCode() throws Exception {
        ImageConfig.Config a = OciJson.read(A, ImageConfig.Config.class, "config");
        ImageConfig.Config b = OciJson.read(B, ImageConfig.Config.class, "config");
        RecordComponent[] components = ImageConfig.Config.class.getRecordComponents();
        Constructor<ImageConfig.Config> canonical = ImageConfig.Config.class.getDeclaredConstructor(
                Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        for (int changed = -1; changed < components.length; changed++) {
            Object[] args = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                args[i] = components[i].getAccessor().invoke(i == changed ? b : a);
            }
            ImageConfig.Config mixed = canonical.newInstance(args);
            if (changed < 0) {
                assertThat(mixed).isEqualTo(a).hasSameHashCodeAs(a);
            } else {
                assertThat(components[changed].getAccessor().invoke(a))
                        .as("the samples differ in %s", components[changed].getName())
                        .isNotEqualTo(components[changed].getAccessor().invoke(b));
                assertThat(mixed).as("a config differing only in %s", components[changed].getName()).isNotEqualTo(a);
                assertThat(mixed.hashCode()).as("hash of %s", components[changed].getName()).isNotEqualTo(a.hashCode());
            }
        }
    }
}
