/**
 * Internal: the content store, an OCI image layout on disk holding blobs by digest, image
 * names in {@code index.json}, leases that protect blobs from garbage collection, and the cache
 * of unpacked layers. May change in any release.
 */
package dev.stevedore.internal.store;
