/**
 * Container networking, engine side: networks and their address management in the store, hosts
 * files, published ports. The kernel side is a {@link dev.stevedore.internal.network.HostNetwork}.
 */
package dev.stevedore.internal.network;
