package dev.stevedore.internal.registry;

import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.Platform;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** The platform names of Go's GOOS/GOARCH (which images use) and choosing one from an index. */
final class Platforms {

    private Platforms() {
    }

    /** @return this JVM's platform in image terms, such as linux/amd64 or linux/arm64/v8 */
    static Platform host() {
        String os = System.getProperty("os.name", "linux").toLowerCase(Locale.ROOT);
        String goOs = os.startsWith("mac") || os.startsWith("darwin") ? "darwin"
                : os.startsWith("windows") ? "windows" : os.replace(' ', '-');
        String arch = normalizeArchitecture(System.getProperty("os.arch", "amd64"));
        return Platform.of(goOs, arch, defaultVariant(arch));
    }

    static String normalizeArchitecture(String arch) {
        return switch (arch.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64", "x86-64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            case "arm", "armhf", "armv7l", "aarch32" -> "arm";
            case "ppc64le", "powerpc64le" -> "ppc64le";
            default -> arch.toLowerCase(Locale.ROOT);
        };
    }

    /** The variant an architecture means when an index entry names none (containerd's rule). */
    private static String defaultVariant(String arch) {
        return switch (arch) {
            case "arm64" -> "v8";
            case "arm" -> "v7";
            default -> null;
        };
    }

    private static String variantOf(Platform p) {
        String v = p.variant();
        return v == null || v.isEmpty() ? defaultVariant(normalizeArchitecture(p.architecture())) : v;
    }

    static boolean matches(Platform wanted, Platform offered) {
        return offered != null
                && wanted.os().equals(offered.os())
                && normalizeArchitecture(wanted.architecture()).equals(normalizeArchitecture(offered.architecture()))
                && (wanted.variant() == null || Objects.equals(variantOf(wanted), variantOf(offered)));
    }

    /**
     * @param index an image index or manifest list
     * @param wanted the platform to run on
     * @param what the index, for the message
     * @return the entry for that platform: an exact variant match first, then the first match
     * @throws IllegalArgumentException listing what the index offers when nothing matches
     */
    static Descriptor select(Index index, Platform wanted, String what) {
        List<Descriptor> candidates = new ArrayList<>();
        for (Descriptor d : index.manifests()) {
            if (matches(wanted, d.platform())) {
                candidates.add(d);
            }
        }
        for (Descriptor d : candidates) {
            if (Objects.equals(variantOf(d.platform()), variantOf(wanted))) {
                return d;
            }
        }
        if (!candidates.isEmpty()) {
            return candidates.get(0);
        }
        String offered = index.manifests().stream()
                .map(d -> d.platform() == null ? "(no platform)" : format(d.platform()))
                .collect(Collectors.joining(", "));
        throw new IllegalArgumentException(what + " has no image for " + format(wanted) + "; it offers "
                + (offered.isEmpty() ? "nothing" : offered) + "; choose one of those platforms");
    }

    static String format(Platform p) {
        return p.os() + "/" + p.architecture() + (p.variant() == null || p.variant().isEmpty() ? "" : "/" + p.variant());
    }
}
