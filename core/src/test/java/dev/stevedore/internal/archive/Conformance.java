package dev.stevedore.internal.archive;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the external conformance suites, which CI keeps beside the clone in
 * {@code ../shared/conformance} (relative to the repository root); the system property
 * {@code stevedore.conformance.dir} overrides.
 */
public final class Conformance {

    private Conformance() {
    }

    static Path imageLayoutScript() {
        return script("image-layout.sh");
    }

    /**
     * @param name a script of the suites, such as {@code dockerfile-corpus.sh}
     * @return its path
     * @throws AssertionError naming the expected place when it is missing
     */
    public static Path script(String name) {
        Path dir;
        String override = System.getProperty("stevedore.conformance.dir");
        if (override != null) {
            dir = Path.of(override);
        } else {
            Path root = repositoryRoot();
            dir = root.resolve("../shared/conformance").normalize();
        }
        Path script = dir.resolve(name);
        if (!Files.isRegularFile(script)) {
            throw new AssertionError("the conformance script " + name + " is missing: expected '" + script
                    + "' (../shared/conformance beside the repository, or -Dstevedore.conformance.dir=DIR)");
        }
        return script;
    }

    private static Path repositoryRoot() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("core"))
                    && Files.isDirectory(p.resolve("oci-model"))) {
                return p;
            }
        }
        throw new AssertionError("cannot find the repository root (a directory with pom.xml, core/ and oci-model/) above '"
                + start + "'");
    }
}
