/**
 * Seccomp for the Linux backend: {@link dev.stevedore.linux.seccomp.SeccompCompiler} turns a
 * runtime-spec {@code linux.seccomp} into classic BPF for x86_64 or aarch64 (the helper only
 * installs it). Docker's default profile and the system call tables are data in core's
 * {@code dev.stevedore.internal.seccomp}, where the engine resolves the profile for a container's
 * capabilities.
 *
 * <p>A configuration without {@code linux.seccomp} runs unconfined, as the runtime spec says; the
 * engine adds {@code DefaultSeccomp.profile(capabilities)} unless the user asks for no filter.
 * System call names are checked against the host architecture's table: a profile naming a call this
 * architecture lacks is refused with the JSON path of the name (Docker's multi-architecture
 * profile is resolved first, so it never is).
 */
package dev.stevedore.linux.seccomp;
