/**
 * The OCI image spec v1.1 as immutable records: {@link dev.stevedore.oci.image.Descriptor},
 * {@link dev.stevedore.oci.image.Manifest}, {@link dev.stevedore.oci.image.Index},
 * {@link dev.stevedore.oci.image.ImageConfig}, {@link dev.stevedore.oci.image.Platform} and the
 * {@code oci-layout} file {@link dev.stevedore.oci.image.ImageLayout}, with the media types and
 * annotation keys the spec defines. Public API.
 *
 * <p>Read and write them with {@link dev.stevedore.oci.OciJson}: reading validates and names the
 * JSON path of any violation; fields this model does not know are kept in each record's
 * {@code extensions} and written back, in document order. Absent optional fields read as null,
 * empty collections or {@code false}, and are not written; optional text fields that Docker
 * writes as {@code ""} (such as {@code User} or {@code WorkingDir}) read as null, as if absent.
 *
 * <p>Records are built with their canonical constructors, their {@code of} factories and
 * {@code with} copies; the constructors validate exactly as reading does and throw
 * {@link dev.stevedore.oci.OciFormatException} naming the field.
 */
package dev.stevedore.oci.image;
