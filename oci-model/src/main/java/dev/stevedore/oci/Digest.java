package dev.stevedore.oci;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.util.HexFormat;
import java.util.Objects;

/**
 * A content digest as the OCI image spec defines it: {@code algorithm ":" encoded}.
 *
 * <p>The registered algorithms {@code sha256} (64 lowercase hex characters) and {@code sha512}
 * (128) are checked strictly; other algorithms are accepted when they follow the spec's grammar,
 * so documents that use them can still be read, but they cannot be computed.
 */
public final class Digest implements Comparable<Digest> {

    /** The algorithm every digest we compute uses. */
    public static final String SHA256 = "sha256";
    /** The other algorithm registered by the image spec. */
    public static final String SHA512 = "sha512";

    private final String algorithm;
    private final String encoded;

    private Digest(String algorithm, String encoded) {
        this.algorithm = algorithm;
        this.encoded = encoded;
    }

    /**
     * Parses a digest string.
     *
     * @param text a digest such as {@code sha256:e3b0c442...}
     * @return the digest
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    @JsonCreator
    public static Digest parse(String text) {
        String problem = problem(text);
        if (problem != null) {
            throw new IllegalArgumentException("\"" + text + "\" is not a valid digest: " + problem);
        }
        int colon = text.indexOf(':');
        return new Digest(text.substring(0, colon), text.substring(colon + 1));
    }

    /**
     * Tells whether a string is a valid digest, without throwing.
     *
     * @param text the candidate, may be null
     * @return true when {@link #parse} would accept it
     */
    public static boolean isValid(String text) {
        return problem(text) == null;
    }

    /**
     * Says what is wrong with a candidate digest string.
     *
     * @param text the candidate, may be null
     * @return a short description of the problem, or null when the text is a valid digest
     */
    public static String problem(String text) {
        if (text == null) {
            return "it is missing";
        }
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            return "expected algorithm:encoded";
        }
        String algorithm = text.substring(0, colon);
        String encoded = text.substring(colon + 1);
        if (!isAlgorithm(algorithm)) {
            return "invalid algorithm \"" + algorithm + "\"";
        }
        if (!isEncoded(encoded)) {
            return "invalid characters in the encoded part";
        }
        int expectedLength = switch (algorithm) {
            case SHA256 -> 64;
            case SHA512 -> 128;
            default -> -1;
        };
        if (expectedLength > 0) {
            if (encoded.length() != expectedLength) {
                return algorithm + " needs " + expectedLength + " hex characters, got " + encoded.length();
            }
            if (!isLowerHex(encoded)) {
                return algorithm + " needs lowercase hex characters";
            }
        }
        return null;
    }

    // The spec writes the grammar as regular expressions; the matchers below follow them by hand because
    // compiling them cost the first digest parsed in a fresh JVM some ms of CPU. DigestGrammarTest holds
    // the expressions and checks the matchers against them.

    /** {@code [a-z0-9]+(?:[+._-][a-z0-9]+)*}. */
    static boolean isAlgorithm(String s) {
        int n = s.length();
        // A separator must follow a lowercase letter or digit and be followed by one.
        boolean afterComponent = false;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
                afterComponent = true;
            } else if ((c == '+' || c == '.' || c == '_' || c == '-') && afterComponent) {
                afterComponent = false;
            } else {
                return false;
            }
        }
        return afterComponent;
    }

    /** {@code [a-zA-Z0-9=_-]+}. */
    static boolean isEncoded(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '=' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** {@code [a-f0-9]+}. */
    static boolean isLowerHex(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The sha256 digest of some bytes.
     *
     * @param bytes the content
     * @return its digest
     */
    public static Digest sha256(byte[] bytes) {
        MessageDigest md = newMessageDigest(SHA256);
        return new Digest(SHA256, HexFormat.of().formatHex(md.digest(bytes)));
    }

    /**
     * The sha256 digest of a stream, read to its end (the stream is not closed).
     *
     * @param in the content
     * @return its digest
     * @throws UncheckedIOException when reading fails
     */
    public static Digest sha256(InputStream in) {
        MessageDigest md = newMessageDigest(SHA256);
        byte[] buffer = new byte[64 * 1024];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                md.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fromMessageDigest(SHA256, md);
    }

    /**
     * Completes a running {@link MessageDigest} into a digest, for code that hashes while it streams.
     *
     * @param algorithm {@link #SHA256} or {@link #SHA512}
     * @param md a message digest of that algorithm, consumed by this call
     * @return the digest of everything {@code md} was fed
     */
    public static Digest fromMessageDigest(String algorithm, MessageDigest md) {
        return new Digest(algorithm, HexFormat.of().formatHex(md.digest()));
    }

    /**
     * The system property naming a {@link Provider} class (public, with a public constructor taking
     * no argument) whose SHA-256 {@link #newMessageDigest} uses instead of the JDK's. A JVM that runs
     * C1 only, as a command line does for a faster start, hashes several times slower than one with
     * C2, whose SHA-256 uses the CPU's instructions; a provider named here can do that. Naming it
     * rather than installing it in the JDK's list spares the JVM loading every other provider.
     */
    public static final String SHA256_PROVIDER_PROPERTY = "stevedore.sha256.provider";

    /** The provider named by {@link #SHA256_PROVIDER_PROPERTY}, made once per class name. */
    private static volatile Provider sha256Provider;

    /**
     * A fresh {@link MessageDigest} for a registered algorithm.
     *
     * @param algorithm {@link #SHA256} or {@link #SHA512}
     * @return a new message digest
     * @throws IllegalArgumentException for any other algorithm
     * @throws IllegalStateException when {@link #SHA256_PROVIDER_PROPERTY} names no usable provider
     */
    public static MessageDigest newMessageDigest(String algorithm) {
        String jdkName = switch (algorithm) {
            case SHA256 -> "SHA-256";
            case SHA512 -> "SHA-512";
            default -> throw new IllegalArgumentException("cannot compute digests with algorithm \"" + algorithm + "\"");
        };
        String named = algorithm.equals(SHA256) ? System.getProperty(SHA256_PROVIDER_PROPERTY) : null;
        try {
            return named == null || named.isEmpty() ? MessageDigest.getInstance(jdkName)
                    : MessageDigest.getInstance(jdkName, sha256Provider(named));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(jdkName + " is missing from "
                    + (named == null ? "this JVM" : "the provider " + named + " (" + SHA256_PROVIDER_PROPERTY + ")"), e);
        }
    }

    private static Provider sha256Provider(String className) {
        Provider p = sha256Provider;
        if (p != null && p.getClass().getName().equals(className)) {
            return p;
        }
        try {
            Class<?> type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            p = (Provider) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException | LinkageError e) {
            throw new IllegalStateException("the system property " + SHA256_PROVIDER_PROPERTY + " names \"" + className
                    + "\", which is no security provider with a public constructor without arguments: " + e, e);
        }
        sha256Provider = p;
        return p;
    }

    /** @return a message digest of this digest's algorithm, to verify content against it */
    public MessageDigest newMessageDigest() {
        return newMessageDigest(algorithm);
    }

    /** @return the algorithm, such as {@code sha256} */
    public String algorithm() {
        return algorithm;
    }

    /** @return the encoded part after the colon (lowercase hex for sha256 and sha512) */
    public String encoded() {
        return encoded;
    }

    /** @return {@code algorithm:encoded} */
    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + encoded;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Digest d && d.algorithm.equals(algorithm) && d.encoded.equals(encoded);
    }

    @Override
    public int hashCode() {
        return Objects.hash(algorithm, encoded);
    }

    @Override
    public int compareTo(Digest other) {
        return toString().compareTo(other.toString());
    }
}
