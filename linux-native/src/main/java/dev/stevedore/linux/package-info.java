/**
 * Internal: the Linux container backend. Java turns a runtime-spec configuration into a
 * {@link dev.stevedore.linux.Plan} of operations that the small static helper
 * ({@code src/main/c/helper.c}) executes between clone and exec; cgroups, the overlay snapshotter
 * and the helper's lifecycle are managed from here. Not API: use {@code dev.stevedore.spi}.
 */
package dev.stevedore.linux;
