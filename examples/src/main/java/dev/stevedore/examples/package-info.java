/**
 * Runnable examples of the public API, and the {@code stevedore} command line built on it. Each
 * example stores the local busybox image first, so they run without network.
 */
package dev.stevedore.examples;
