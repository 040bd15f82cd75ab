package dev.stevedore.image;

/**
 * An image reference that does not follow Docker's reference grammar. The message names the
 * input and what is wrong with it.
 */
public final class InvalidReferenceException extends IllegalArgumentException {

    private final String input;

    /**
     * @param input the text that was refused
     * @param problem what is wrong with it
     */
    public InvalidReferenceException(String input, String problem) {
        super("invalid image reference \"" + input + "\": " + problem);
        this.input = input;
    }

    /** @return the text that was refused, as given */
    public String input() {
        return input;
    }
}
