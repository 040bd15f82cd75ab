/**
 * Internal: seccomp data shared by the engine and the Linux backend. Docker's default profile is
 * kept as data ({@code docker-default.json}, in Moby's format) and resolved by
 * {@link dev.stevedore.internal.seccomp.DefaultSeccomp} for a container's capabilities, the host's
 * architecture and kernel; the system call tables ({@code syscalls-*.txt}) were generated once
 * from the kernel headers. The Linux backend compiles the result to BPF.
 */
package dev.stevedore.internal.seccomp;
