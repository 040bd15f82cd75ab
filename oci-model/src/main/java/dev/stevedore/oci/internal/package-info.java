/**
 * Internal helpers of the OCI model; not API, may change in any release.
 */
package dev.stevedore.oci.internal;
