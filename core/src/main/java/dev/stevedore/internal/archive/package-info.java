/**
 * Internal: moving images between the content store and the formats other tools exchange: OCI
 * image layout directories, OCI archives (a layout in a tar) and docker-archive tarballs (the
 * {@code docker save} format). May change in any release.
 */
package dev.stevedore.internal.archive;
