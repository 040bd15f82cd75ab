/**
 * Public values about images: references such as {@code busybox:1.36} or
 * {@code registry.example:5000/team/app@sha256:...}, parsed with Docker's grammar; {@link
 * dev.stevedore.image.Image}, an image as the store holds it; and the archive formats images are
 * exported to.
 */
package dev.stevedore.image;
