package dev.stevedore.oci;

/**
 * A document that does not follow the OCI (or Docker) specification it claims to follow.
 *
 * <p>The message names the JSON path of the offending value and the problem, for example
 * {@code manifest.layers[2].digest: "sha256:xyz" is not a valid digest: ...}.
 */
public final class OciFormatException extends IllegalArgumentException {

    private final String path;
    private final String problem;

    /**
     * @param path the JSON path of the offending value, such as {@code manifest.layers[2].digest}
     * @param problem what is wrong with it
     */
    public OciFormatException(String path, String problem) {
        super(path.isEmpty() ? problem : path + ": " + problem);
        this.path = path;
        this.problem = problem;
    }

    /** @return the JSON path of the offending value */
    public String path() {
        return path;
    }

    /** @return what is wrong, without the path */
    public String problem() {
        return problem;
    }

    /**
     * Thrown from a type's constructor: the reader prefixes the path of the enclosing object.
     *
     * @param field the field, relative to the object being built
     * @param problem what is wrong with it
     * @return the exception to throw
     */
    public static OciFormatException field(String field, String problem) {
        return new OciFormatException(field, problem);
    }
}
