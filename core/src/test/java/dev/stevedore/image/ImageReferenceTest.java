package dev.stevedore.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

    private static final String HEX = "b5d6fe0712636ceb7430189de28819e195e8966372edfc2d9409d79402a0dc16";
    private static final String DIGEST = "sha256:" + HEX;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
            busybox                               | docker.io      | library/busybox      | latest | -
            busybox:1.36                          | docker.io      | library/busybox      | 1.36   | -
            library/busybox                       | docker.io      | library/busybox      | latest | -
            docker.io/busybox                     | docker.io      | library/busybox      | latest | -
            index.docker.io/library/busybox:1     | docker.io      | library/busybox      | 1      | -
            user/app                              | docker.io      | user/app             | latest | -
            docker.io/user/app:v2                 | docker.io      | user/app             | v2     | -
            ghcr.io/org/team/app:1.0-rc.1_x       | ghcr.io        | org/team/app         | 1.0-rc.1_x | -
            localhost/app                         | localhost      | app                  | latest | -
            localhost:5000/app:dev                | localhost:5000 | app                  | dev    | -
            registry.example.com:443/a/b/c/d      | registry.example.com:443 | a/b/c/d    | latest | -
            127.0.0.1:5000/app                    | 127.0.0.1:5000 | app                  | latest | -
            [::1]:5000/app:x                      | [::1]:5000     | app                  | x      | -
            Registry.Example/app                  | Registry.Example | app                | latest | -
            UPPER/app                             | UPPER          | app                  | latest | -
            localhost:5000                        | docker.io      | library/localhost    | 5000   | -
            a.b-c--e/f.g_h__i---j                 | a.b-c--e       | f.g_h__i---j         | latest | -
            busybox:Latest_1                      | docker.io      | library/busybox      | Latest_1 | -
            busybox:_x                            | docker.io      | library/busybox      | _x     | -
            """)
    void parsesAndNormalizes(String text, String registry, String repository, String tag, String unused) {
        ImageReference ref = ImageReference.parse(text);
        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).contains(tag);
        assertThat(ref.digest()).isEmpty();
        assertThat(ref.toString()).isEqualTo(registry + "/" + repository + ":" + tag);
    }

    @Test
    void digestOnlyHasNoTag() {
        ImageReference ref = ImageReference.parse("busybox@" + DIGEST);
        assertThat(ref.tag()).isEmpty();
        assertThat(ref.digest()).contains(Digest.parse(DIGEST));
        assertThat(ref).hasToString("docker.io/library/busybox@" + DIGEST);
        assertThat(ref.familiar()).isEqualTo("busybox@" + DIGEST);
    }

    @Test
    void tagAndDigestTogether() {
        ImageReference ref = ImageReference.parse("localhost:5000/team/app:1.2@" + DIGEST);
        assertThat(ref.registry()).isEqualTo("localhost:5000");
        assertThat(ref.repository()).isEqualTo("team/app");
        assertThat(ref.tag()).contains("1.2");
        assertThat(ref.digest()).contains(Digest.parse(DIGEST));
        assertThat(ref).hasToString("localhost:5000/team/app:1.2@" + DIGEST);
        assertThat(ref.familiar()).isEqualTo(ref.toString());
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            busybox                       | busybox:latest
            docker.io/library/busybox:1   | busybox:1
            user/app                      | user/app:latest
            docker.io/library/a/b         | library/a/b:latest
            ghcr.io/org/app:2             | ghcr.io/org/app:2
            localhost/app                 | localhost/app:latest
            """)
    void familiarForm(String text, String familiar) {
        assertThat(ImageReference.parse(text).familiar()).isEqualTo(familiar);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            busybox                                  | docker.io/library/busybox:latest
            docker.io/library/busybox:latest         | docker.io/library/busybox:latest
            index.docker.io/busybox                  | docker.io/library/busybox:latest
            """)
    void canonicalFormIsAFixedPoint(String text, String canonical) {
        ImageReference ref = ImageReference.parse(text);
        assertThat(ref).hasToString(canonical);
        assertThat(ImageReference.parse(ref.toString())).isEqualTo(ref).hasSameHashCodeAs(ref);
        assertThat(ImageReference.parse(ref.familiar())).isEqualTo(ref);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            Busybox                 | repository name must be lowercase
            docker.io/Library/app   | repository name must be lowercase
            user/App:1              | repository name must be lowercase
            busybox:                | the tag after ':' is empty
            busybox:-x              | tag "-x" may only contain
            busybox:.x              | tag ".x" may only contain
            busybox:a+b             | tag "a+b" may only contain
            busybox:a/b             | registry "busybox:a" is not a valid host name
            busybox@sha256:abc      | digest "sha256:abc" is invalid: sha256 needs 64 hex characters, got 3
            busybox@sha256          | digest "sha256" is invalid: expected algorithm:encoded
            busybox@                | digest "" is invalid
            :latest                 | the repository name is missing
            @sha256:b5d6fe0712636ceb7430189de28819e195e8966372edfc2d9409d79402a0dc16 | the repository name is missing
            a//b                    | empty path component
            a/b/                    | empty path component
            /a                      | empty path component
            localhost/              | the repository name is missing
            -app                    | repository path component "-app"
            app-                    | repository path component "app-"
            a..b                    | repository path component "a..b"
            a___b                   | repository path component "a___b"
            my_host.com:x/app       | registry "my_host.com:x" is not a valid host name
            -bad.com/app            | registry "-bad.com" is not a valid host name
            bad .com/app            | registry "bad .com" is not a valid host name
            b5d6fe0712636ceb7430189de28819e195e8966372edfc2d9409d79402a0dc16 | image ID, not a repository name
            """)
    void refusesInvalidReferencesNamingInputAndProblem(String text, String problem) {
        assertThatThrownBy(() -> ImageReference.parse(text))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageStartingWith("invalid image reference \"" + text + "\": ")
                .hasMessageContaining(problem)
                .extracting(e -> ((InvalidReferenceException) e).input()).isEqualTo(text);
        assertThat(ImageReference.isValid(text)).isFalse();
    }

    @Test
    void refusesEmptyAndNull() {
        assertThatThrownBy(() -> ImageReference.parse("")).hasMessage("invalid image reference \"\": it is empty");
        assertThatThrownBy(() -> ImageReference.parse(null)).isInstanceOf(InvalidReferenceException.class);
    }

    @Test
    void tagLengthLimitIs128() {
        assertThat(ImageReference.parse("app:" + "t".repeat(128)).tag()).contains("t".repeat(128));
        assertThatThrownBy(() -> ImageReference.parse("app:" + "t".repeat(129)))
                .hasMessageContaining("tag is 129 characters long, at most 128 are allowed");
    }

    @Test
    void nameLengthLimitIs255() {
        String repo = "a".repeat(240);
        assertThat(ImageReference.parse("localhost:5000/" + repo).name()).hasSize(255);
        assertThatThrownBy(() -> ImageReference.parse("localhost:50000/" + repo))
                .hasMessageContaining("the name is longer than 255 characters");
    }

    @Test
    void hexNameWithTagIsAllowed() {
        assertThat(ImageReference.parse(HEX + ":1").repository()).isEqualTo("library/" + HEX);
    }

    @Test
    void withTagAndWithDigest() {
        ImageReference ref = ImageReference.parse("ghcr.io/org/app:1@" + DIGEST);
        assertThat(ref.withTag("2")).hasToString("ghcr.io/org/app:2");
        assertThat(ImageReference.parse("app").withDigest(Digest.parse(DIGEST)))
                .hasToString("docker.io/library/app:latest@" + DIGEST);
        assertThatThrownBy(() -> ref.withTag("bad tag")).isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("tag \"bad tag\"");
    }

    @Test
    void equalityIgnoresSpelling() {
        assertThat(ImageReference.parse("busybox")).isEqualTo(ImageReference.parse("docker.io/library/busybox:latest"))
                .isNotEqualTo(ImageReference.parse("busybox:1"));
    }
}
