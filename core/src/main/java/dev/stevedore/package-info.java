/**
 * The public API: run containers from OCI images inside this JVM's process tree, without a daemon.
 *
 * <pre>{@code
 * try (Container c = Containers.image("busybox:1.36")
 *         .withCommand("sh", "-c", "echo hi > /data/out; hostname")
 *         .withVolume(hostDir, "/data")
 *         .withMemoryLimit(64 * 1024 * 1024)
 *         .start()) {
 *     ExecResult r = c.waitFor(Duration.ofSeconds(10));
 * }
 * }</pre>
 *
 * <p>Entry points: {@link dev.stevedore.Containers} (container specs), {@link dev.stevedore.Images}
 * (images in the store) and {@link dev.stevedore.Engine} (the store root, backend and host report).
 * Every failure is an unchecked {@link dev.stevedore.StevedoreException} or a standard
 * {@link java.lang.IllegalArgumentException} whose message names the input and what to do.
 */
package dev.stevedore;
