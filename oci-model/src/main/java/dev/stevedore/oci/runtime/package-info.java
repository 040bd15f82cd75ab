/**
 * The OCI runtime-spec (v1.2) as immutable records: a bundle's {@code config.json}
 * ({@link dev.stevedore.oci.runtime.Spec} and the types it holds) and a container's
 * {@link dev.stevedore.oci.runtime.State}.
 *
 * <p>Read and write them with {@link dev.stevedore.oci.OciJson}; reading validates what the spec
 * requires that can be checked without touching the file system, and names the JSON path of any
 * problem, for example {@code config.linux.namespaces[1].type: "pidd" is not a namespace type;
 * expected one of pid, network, mount, ipc, uts, user, cgroup, time}. Fields this model does not
 * know are kept in each object's {@code extensions} and written back, so a configuration survives a
 * read-write round trip.
 *
 * <p>Optional scalar fields are boxed ({@code Boolean}, {@code Long}, ...) and null when absent, so
 * an absent field stays absent when written back. Optional lists and maps are never null: absent
 * reads as empty, and empty is not written. The one exception is
 * {@link dev.stevedore.oci.runtime.Process.Capabilities}, whose sets are null when absent because an
 * explicitly empty set is meaningful there.
 *
 * <p>The records' {@code withX} methods return modified copies, so a configuration can serve as a
 * template: {@code Spec.of(Process.of("sh"), Root.of("rootfs")).withHostname("box")}.
 */
package dev.stevedore.oci.runtime;
