package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Container ids a runtime accepts: they name files and cgroups. */
class ContainerIdTest {
    @Test
    void lettersDigitsAndSomePunctuationStartingWithALetterOrDigit() {
        assertThat(LinuxRuntime.validId("a")).isTrue();
        assertThat(LinuxRuntime.validId("Z9_x.y-z")).isTrue();
        assertThat(LinuxRuntime.validId("0" + "a".repeat(63))).as("64 characters").isTrue();
    }

    @Test
    void othersAreRefused() {
        assertThat(LinuxRuntime.validId(null)).isFalse();
        assertThat(LinuxRuntime.validId("")).isFalse();
        assertThat(LinuxRuntime.validId("a".repeat(65))).as("65 characters").isFalse();
        assertThat(LinuxRuntime.validId(".hidden")).isFalse();
        assertThat(LinuxRuntime.validId("-flag")).isFalse();
        assertThat(LinuxRuntime.validId("_x")).isFalse();
        assertThat(LinuxRuntime.validId("a/b")).isFalse();
        assertThat(LinuxRuntime.validId("a b")).isFalse();
        assertThat(LinuxRuntime.validId("é")).as("letters are ASCII").isFalse();
        assertThat(LinuxRuntime.validId("a\n")).isFalse();
    }
}
