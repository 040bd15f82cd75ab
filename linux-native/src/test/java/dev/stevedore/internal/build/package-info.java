/**
 * The builder's RUN steps tested with the Linux backend. {@code BuildFixture.java} and
 * {@code BusyboxContext.java} here are symbolic links to core's test sources of the same package: one
 * fixture for both modules, without a test-jar dependency (which {@code mvn compile} of the reactor could
 * not resolve).
 */
package dev.stevedore.internal.build;
