package dev.stevedore.internal.build;

/**
 * A Dockerfile that cannot be parsed or whose variables cannot be substituted. The message reads
 * {@code NAME:LINE: problem}, like a compiler's, so an editor or a terminal can jump to the line.
 */
public final class DockerfileException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String fileName;
    private final int line;
    private final String problem;

    /**
     * @param fileName the Dockerfile's name as the user knows it, such as {@code Dockerfile}
     * @param line the 1-based line the problem is on
     * @param problem what is wrong and, where it helps, how to write it instead
     */
    public DockerfileException(String fileName, int line, String problem) {
        super(fileName + ":" + line + ": " + problem);
        this.fileName = fileName;
        this.line = line;
        this.problem = problem;
    }

    public String fileName() {
        return fileName;
    }

    public int line() {
        return line;
    }

    public String problem() {
        return problem;
    }
}
