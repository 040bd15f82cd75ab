/**
 * The {@code stevedore} command line: Docker-like commands built on the public API only. There is
 * no daemon: a detached container ({@code run -d}) is held by a small background JVM of this
 * program, which later commands reach over a Unix socket in the engine's root.
 */
package dev.stevedore.examples.cli;
