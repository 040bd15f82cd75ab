package dev.stevedore.internal.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stevedore.oci.Digest;
import dev.stevedore.oci.image.Descriptor;
import dev.stevedore.oci.image.Index;
import dev.stevedore.oci.image.MediaTypes;
import dev.stevedore.oci.image.Platform;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlatformsTest {

    private static Descriptor entry(String os, String arch, String variant, int n) {
        return Descriptor.of(MediaTypes.IMAGE_MANIFEST, Digest.sha256(new byte[] {(byte) n}), 100)
                .withPlatform(Platform.of(os, arch, variant));
    }

    private final Index index = Index.of(List.of(
            entry("linux", "amd64", null, 1),
            entry("linux", "arm", "v6", 2),
            entry("linux", "arm", "v7", 3),
            entry("linux", "arm64", null, 4),
            entry("windows", "amd64", null, 5)));

    @Test
    void theHostIsLinuxWithGoArchitectureNames() {
        Platform host = Platforms.host();
        assertThat(host.os()).isEqualTo("linux");
        assertThat(host.architecture()).isIn("amd64", "arm64", "arm", "386", "ppc64le", "s390x", "riscv64");
        assertThat(Platforms.normalizeArchitecture("x86_64")).isEqualTo("amd64");
        assertThat(Platforms.normalizeArchitecture("aarch64")).isEqualTo("arm64");
    }

    @Test
    void selectsByOsArchitectureAndVariant() {
        assertThat(Platforms.select(index, Platform.of("linux", "amd64", null), "i").digest())
                .isEqualTo(index.manifests().get(0).digest());
        assertThat(Platforms.select(index, Platform.of("linux", "arm", "v6"), "i").digest())
                .isEqualTo(index.manifests().get(1).digest());
        assertThat(Platforms.select(index, Platform.of("linux", "arm", null), "i").digest())
                .as("no variant asked: arm means v7").isEqualTo(index.manifests().get(2).digest());
        assertThat(Platforms.select(index, Platform.of("linux", "arm64", "v8"), "i").digest())
                .as("arm64 without a variant is v8").isEqualTo(index.manifests().get(3).digest());
        assertThat(Platforms.select(index, Platform.of("windows", "amd64", null), "i").digest())
                .isEqualTo(index.manifests().get(4).digest());
    }

    @Test
    void namesWhatTheIndexOffersWhenNothingMatches() {
        assertThatThrownBy(() -> Platforms.select(index, Platform.of("linux", "riscv64", null), "index sha256:x"))
                .hasMessage("index sha256:x has no image for linux/riscv64; it offers linux/amd64, linux/arm/v6,"
                        + " linux/arm/v7, linux/arm64, windows/amd64; choose one of those platforms");
    }
}
