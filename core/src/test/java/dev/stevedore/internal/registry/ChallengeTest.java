package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ChallengeTest {

    @Test
    void parsesABearerChallengeWithQuotedParameters() {
        Challenge c = Challenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull\"");
        assertThat(c.isBearer()).isTrue();
        assertThat(c.parameters()).containsEntry("realm", "https://auth.docker.io/token")
                .containsEntry("service", "registry.docker.io")
                .containsEntry("scope", "repository:library/busybox:pull");
    }

    @Test
    void parsesUnquotedValuesEscapesAndSpacesAroundEquals() {
        Challenge c = Challenge.parse("bearer realm = \"a\\\"b\", error=insufficient_scope");
        assertThat(c.scheme()).isEqualTo("bearer");
        assertThat(c.parameters()).containsEntry("realm", "a\"b").containsEntry("error", "insufficient_scope");
    }

    @Test
    void prefersBearerOverBasicAndIgnoresUnknownSchemes() {
        Challenge c = Challenge.choose(List.of("Negotiate", "Basic realm=\"r\"", "Bearer realm=\"t\""));
        assertThat(c.isBearer()).isTrue();
        assertThat(Challenge.choose(List.of("Basic realm=\"registry\"")).isBasic()).isTrue();
        assertThat(Challenge.choose(List.of("Negotiate abc=="))).isNull();
        assertThat(Challenge.choose(List.of())).isNull();
    }

    @Test
    void aSecondChallengeInTheSameValueEndsTheFirst() {
        Challenge c = Challenge.parse("Basic realm=\"one\", Bearer realm=\"two\"");
        assertThat(c.isBasic()).isTrue();
        assertThat(c.parameters()).containsOnlyKeys("realm").containsEntry("realm", "one");
    }
}
