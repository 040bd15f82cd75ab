/**
 * Internal: the OCI distribution (Docker Registry HTTP API v2) client. {@link
 * dev.stevedore.internal.registry.RegistryClient} pulls images into a content store and pushes
 * them from it, with the registry's authentication (anonymous, basic, bearer tokens), TLS,
 * mirrors and platform selection configured by {@link dev.stevedore.internal.registry.RegistryOptions}.
 */
package dev.stevedore.internal.registry;
