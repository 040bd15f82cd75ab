/**
 * Public values about images: references such as {@code busybox:1.36} or
 * {@code registry.example:5000/team/app@sha256:...}, parsed with Docker's grammar.
 */
package dev.stevedore.image;
