/**
 * Internal: the portable copying snapshotter, which works on any filesystem by copying unpacked
 * layers into each container's own directory. May change in any release.
 */
package dev.stevedore.internal.snapshot;
