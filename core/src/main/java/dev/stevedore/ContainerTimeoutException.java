package dev.stevedore;

import java.util.Optional;

/**
 * A container did not finish, or did not become ready, in the time allowed. The message says what
 * was awaited; {@link #partialResult()} holds the output produced until then, when there is one.
 */
public final class ContainerTimeoutException extends ContainerException {

    private static final long serialVersionUID = 1L;

    private final transient ExecResult partialResult;

    /**
     * @param message what was awaited, for how long, and what to do
     * @param partialResult what the process wrote until it was stopped, or null
     */
    public ContainerTimeoutException(String message, ExecResult partialResult) {
        super(message);
        this.partialResult = partialResult;
    }

    /** @return the output until the timeout, with the status the process ended with once killed */
    public Optional<ExecResult> partialResult() {
        return Optional.ofNullable(partialResult);
    }
}
