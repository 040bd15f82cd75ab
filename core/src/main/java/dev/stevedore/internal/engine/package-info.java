/**
 * Internal: the engine behind the public API. Turns container settings and an image's config into
 * a runtime-spec configuration, prepares root filesystems with a snapshotter, runs containers on a
 * backend and keeps their state directories. May change in any release.
 */
package dev.stevedore.internal.engine;
