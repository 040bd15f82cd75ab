package dev.stevedore.spi;

import java.util.List;
import java.util.Objects;

/**
 * One mount that, applied in order with the others a snapshotter returns, assembles a
 * container's root filesystem. The backend performs it inside the container's own mount
 * namespace, so nothing of it is visible on the host.
 *
 * @param type the filesystem type, such as {@code overlay} or {@code bind}
 * @param source the mount source: a directory for a bind mount, the type name for overlay
 * @param options mount options as {@code mount(8)} spells them, such as {@code lowerdir=...}
 */
public record RootfsMount(String type, String source, List<String> options) {
    public RootfsMount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        options = List.copyOf(options);
    }
}
