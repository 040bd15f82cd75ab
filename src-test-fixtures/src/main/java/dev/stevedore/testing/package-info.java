/**
 * Test fixtures for users and for this project: {@link dev.stevedore.testing.BusyboxImage}, a
 * busybox image made locally from Debian's static busybox, and the JUnit 5 extension
 * ({@link dev.stevedore.testing.Stevedore} with {@link dev.stevedore.testing.Container} fields)
 * that starts and removes containers around tests.
 */
package dev.stevedore.testing;
