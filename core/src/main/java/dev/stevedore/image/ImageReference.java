package dev.stevedore.image;

import dev.stevedore.oci.Digest;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A reference to an image in a registry, parsed with Docker's grammar and normalized the way
 * Docker does: {@code busybox} means {@code docker.io/library/busybox:latest}.
 *
 * <pre>{@code
 * ImageReference ref = ImageReference.parse("localhost:5000/team/app:1.2@sha256:0123...");
 * ref.registry();   // "localhost:5000"
 * ref.repository(); // "team/app"
 * ref.tag();        // Optional["1.2"]
 * }</pre>
 *
 * <p>A reference without a tag and without a digest gets the tag {@code latest}; one with only
 * a digest has no tag. Instances are immutable; equal references have the same canonical
 * {@link #toString()}.
 */
public final class ImageReference {

    /** The registry that names without a registry host refer to. */
    public static final String DOCKER_HUB = "docker.io";
    /** The tag that a reference with neither tag nor digest gets. */
    public static final String DEFAULT_TAG = "latest";

    private static final String LEGACY_DOCKER_HUB = "index.docker.io";
    private static final String OFFICIAL_PREFIX = "library/";
    private static final int NAME_MAX = 255;
    private static final int TAG_MAX = 128;

    private final String registry;
    private final String repository;
    private final String tag;
    private final Digest digest;

    private ImageReference(String registry, String repository, String tag, Digest digest) {
        this.registry = registry;
        this.repository = repository;
        this.tag = tag;
        this.digest = digest;
    }

    /**
     * Parses a reference such as {@code busybox}, {@code busybox:1.36},
     * {@code ghcr.io/org/app@sha256:...} or {@code localhost:5000/app:dev@sha256:...}.
     *
     * @param text the reference
     * @return the normalized reference
     * @throws InvalidReferenceException naming the text and what is wrong with it
     */
    public static ImageReference parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidReferenceException(String.valueOf(text), "it is empty");
        }
        String rest = text;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            String digestText = rest.substring(at + 1);
            String problem = Digest.problem(digestText);
            if (problem != null) {
                throw new InvalidReferenceException(text, "digest \"" + digestText + "\" is invalid: " + problem);
            }
            digest = Digest.parse(digestText);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            checkTag(text, tag);
            rest = rest.substring(0, colon);
        }
        if (rest.isEmpty()) {
            throw new InvalidReferenceException(text, "the repository name is missing");
        }
        if (isImageId(rest) && tag == null && digest == null) {
            throw new InvalidReferenceException(text,
                    "a 64-character hexadecimal string is an image ID, not a repository name");
        }
        String registry;
        String path;
        int slash = rest.indexOf('/');
        String first = slash < 0 ? "" : rest.substring(0, slash);
        // Docker's rule: the first component is a registry host only if it looks like one.
        if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost")
                && first.equals(first.toLowerCase(Locale.ROOT)))) {
            registry = DOCKER_HUB;
            path = rest;
        } else {
            registry = first;
            path = rest.substring(slash + 1);
            if (!isHostAndPort(registry)) {
                throw new InvalidReferenceException(text, "registry \"" + registry
                        + "\" is not a valid host name or address with an optional :port");
            }
        }
        if (registry.equals(LEGACY_DOCKER_HUB)) {
            registry = DOCKER_HUB;
        }
        checkPath(text, path);
        if (registry.equals(DOCKER_HUB) && path.indexOf('/') < 0) {
            path = OFFICIAL_PREFIX + path;
        }
        if (registry.length() + 1 + path.length() > NAME_MAX) {
            throw new InvalidReferenceException(text, "the name is longer than " + NAME_MAX + " characters");
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(registry, path, tag, digest);
    }

    /**
     * Tells whether a string is a valid reference, without throwing.
     *
     * @param text the candidate, may be null
     * @return true when {@link #parse} would accept it
     */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (InvalidReferenceException e) {
            return false;
        }
    }

    private static void checkTag(String text, String tag) {
        if (tag.isEmpty()) {
            throw new InvalidReferenceException(text, "the tag after ':' is empty");
        }
        if (tag.length() > TAG_MAX) {
            throw new InvalidReferenceException(text,
                    "tag is " + tag.length() + " characters long, at most " + TAG_MAX + " are allowed");
        }
        if (!isTag(tag)) {
            throw new InvalidReferenceException(text, "tag \"" + tag
                    + "\" may only contain letters, digits, '_', '.' and '-', and must not start with '.' or '-'");
        }
    }

    private static void checkPath(String text, String path) {
        if (path.isEmpty()) {
            throw new InvalidReferenceException(text, "the repository name is missing");
        }
        for (String component : path.split("/", -1)) {
            if (component.isEmpty()) {
                throw new InvalidReferenceException(text, "the repository name has an empty path component");
            }
            if (!component.equals(component.toLowerCase(Locale.ROOT))) {
                throw new InvalidReferenceException(text, "repository name must be lowercase");
            }
            if (!isPathComponent(component)) {
                throw new InvalidReferenceException(text, "repository path component \"" + component
                        + "\" must be lowercase letters and digits, separated by '.', '_', '__' or '-'");
            }
        }
    }

    // Docker's grammar is written as regular expressions; the matchers below follow them by hand because
    // compiling them cost the first reference parsed in a fresh JVM some ms (and \w a class spun at run
    // time). ImageReferenceGrammarTest holds the expressions and checks the matchers against them.

    /** {@code [a-f0-9]{64}}: an image ID, which is not a repository name. */
    static boolean isImageId(String s) {
        if (s.length() != 64) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isLowerHex(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** {@code [\w][\w.-]*}, ASCII {@code \w}. */
    static boolean isTag(String s) {
        if (s.isEmpty() || !isWord(s.charAt(0))) {
            return false;
        }
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!isWord(c) && c != '.' && c != '-') {
                return false;
            }
        }
        return true;
    }

    /** {@code [a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*}. */
    static boolean isPathComponent(String s) {
        int i = 0;
        int n = s.length();
        while (true) {
            int run = i;
            while (i < n && isLowerAlnum(s.charAt(i))) {
                i++;
            }
            if (i == run) {
                return false;
            }
            if (i == n) {
                return true;
            }
            char c = s.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '_') {
                i += i + 1 < n && s.charAt(i + 1) == '_' ? 2 : 1;
            } else if (c == '-') {
                while (i < n && s.charAt(i) == '-') {
                    i++;
                }
            } else {
                return false;
            }
        }
    }

    /**
     * {@code (?:D(?:\.D)*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?} where a domain component D is
     * {@code [a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]}.
     */
    static boolean isHostAndPort(String s) {
        int n = s.length();
        int i;
        if (n > 0 && s.charAt(0) == '[') {
            i = 1;
            while (i < n && (isHex(s.charAt(i)) || s.charAt(i) == ':')) {
                i++;
            }
            if (i == 1 || i == n || s.charAt(i) != ']') {
                return false;
            }
            i++;
        } else {
            i = 0;
            while (true) {
                int start = i;
                while (i < n && (isAlnum(s.charAt(i)) || s.charAt(i) == '-')) {
                    i++;
                }
                if (i == start || s.charAt(start) == '-' || s.charAt(i - 1) == '-') {
                    return false;
                }
                if (i < n && s.charAt(i) == '.') {
                    i++;
                } else {
                    break;
                }
            }
        }
        if (i == n) {
            return true;
        }
        if (s.charAt(i) != ':' || i + 1 == n) {
            return false;
        }
        for (i++; i < n; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isLowerHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }

    private static boolean isHex(char c) {
        return isLowerHex(c) || (c >= 'A' && c <= 'F');
    }

    private static boolean isLowerAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    }

    private static boolean isAlnum(char c) {
        return isLowerAlnum(c) || (c >= 'A' && c <= 'Z');
    }

    private static boolean isWord(char c) {
        return isAlnum(c) || c == '_';
    }

    /** @return the registry host, with its port if given, such as {@code docker.io} or {@code localhost:5000} */
    public String registry() {
        return registry;
    }

    /** @return the repository path within the registry, such as {@code library/busybox} */
    public String repository() {
        return repository;
    }

    /** @return the tag; empty only when the reference names a digest and no tag */
    public Optional<String> tag() {
        return Optional.ofNullable(tag);
    }

    /** @return the digest, when the reference pins one */
    public Optional<Digest> digest() {
        return Optional.ofNullable(digest);
    }

    /** @return {@code registry/repository}, without tag or digest */
    public String name() {
        return registry + "/" + repository;
    }

    /**
     * @param newTag the tag, such as {@code 1.36}
     * @return this reference with that tag and without a digest
     * @throws InvalidReferenceException when the tag is not valid
     */
    public ImageReference withTag(String newTag) {
        Objects.requireNonNull(newTag, "newTag");
        checkTag(name() + ":" + newTag, newTag);
        return new ImageReference(registry, repository, newTag, null);
    }

    /**
     * @param newDigest the digest the reference should pin
     * @return this reference, keeping its tag, pinned to that digest
     */
    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(registry, repository, tag, Objects.requireNonNull(newDigest, "newDigest"));
    }

    /**
     * The short form Docker prints: without {@code docker.io/} and without {@code library/} for
     * official images.
     *
     * @return such as {@code busybox:latest} or {@code ghcr.io/org/app@sha256:...}
     */
    public String familiar() {
        String shortName;
        if (!registry.equals(DOCKER_HUB)) {
            shortName = name();
        } else if (repository.startsWith(OFFICIAL_PREFIX) && repository.indexOf('/', OFFICIAL_PREFIX.length()) < 0) {
            shortName = repository.substring(OFFICIAL_PREFIX.length());
        } else {
            shortName = repository;
        }
        return shortName + suffix();
    }

    private String suffix() {
        return (tag == null ? "" : ":" + tag) + (digest == null ? "" : "@" + digest);
    }

    /** @return the canonical form, such as {@code docker.io/library/busybox:latest} */
    @Override
    public String toString() {
        return name() + suffix();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageReference r && r.registry.equals(registry) && r.repository.equals(repository)
                && Objects.equals(r.tag, tag) && Objects.equals(r.digest, digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(registry, repository, tag, digest);
    }
}
