/**
 * Internal: layer tar streams to and from directories. Extraction is contained in its target
 * whatever the tar says, OCI whiteouts are applied or kept as overlayfs whiteouts, and layers
 * written here are reproducible (sorted entries, fixed timestamps).
 */
package dev.stevedore.internal.layer;
