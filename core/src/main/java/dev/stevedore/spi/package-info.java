/**
 * Service-provider interfaces: plug in a container backend or a snapshotter without touching
 * core. Implementations are found with {@link java.util.ServiceLoader}.
 */
package dev.stevedore.spi;
