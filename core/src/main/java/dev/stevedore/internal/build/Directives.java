package dev.stevedore.internal.build;

import java.util.Optional;

/**
 * The parser directives at the top of a Dockerfile ({@code # syntax=}, {@code # escape=},
 * {@code # check=}).
 *
 * @param escape the escape character: backslash unless {@code # escape=`} chose the backtick
 * @param syntax the {@code # syntax=} frontend reference, kept for information: this builder has one
 *     frontend
 * @param check the {@code # check=} build-check configuration, kept as written
 */
public record Directives(char escape, Optional<String> syntax, Optional<String> check) {

    /** No directive: backslash escapes. */
    public static final Directives DEFAULT = new Directives('\\', Optional.empty(), Optional.empty());
}
