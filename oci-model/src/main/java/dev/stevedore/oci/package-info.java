/**
 * The OCI specifications as data: digests, JSON mapping and validation. Subpackages hold the
 * image-spec ({@code image}), runtime-spec ({@code runtime}) and Docker ({@code docker}) types.
 */
package dev.stevedore.oci;
