/**
 * Docker's own image formats, where they differ from OCI's: the docker-archive
 * {@code manifest.json} ({@link dev.stevedore.oci.docker.DockerArchiveManifest}).
 *
 * <p>Docker's image manifest v2 schema 2, manifest list and container config have the OCI shapes
 * and read into {@link dev.stevedore.oci.image.Manifest}, {@link dev.stevedore.oci.image.Index} and
 * {@link dev.stevedore.oci.image.ImageConfig}; their media types are in
 * {@link dev.stevedore.oci.image.MediaTypes}. As in the image package, constructors validate as
 * reading does and throw {@link dev.stevedore.oci.OciFormatException} naming the field. Public API.
 */
package dev.stevedore.oci.docker;
