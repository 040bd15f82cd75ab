package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reading a kernel release, as overlay snapshots ask for Linux 6.8 or later. */
class KernelReleaseTest {
    private static final int[] SIX_EIGHT = {6, 8};

    @Test
    void comparesTheLeadingNumbers() {
        assertThat(OverlaySnapshotter.releaseAtLeast("6.8.0-45-generic", SIX_EIGHT)).isTrue();
        assertThat(OverlaySnapshotter.releaseAtLeast("6.18.1-amd64", SIX_EIGHT)).isTrue();
        assertThat(OverlaySnapshotter.releaseAtLeast("7.0", SIX_EIGHT)).isTrue();
        assertThat(OverlaySnapshotter.releaseAtLeast("6.7.12", SIX_EIGHT)).isFalse();
        assertThat(OverlaySnapshotter.releaseAtLeast("5.15.0-1-generic", SIX_EIGHT)).isFalse();
    }

    @Test
    void aMissingOrNonNumericPartCountsAsZero() {
        assertThat(OverlaySnapshotter.releaseAtLeast("6", SIX_EIGHT)).isFalse();
        assertThat(OverlaySnapshotter.releaseAtLeast("6-rc1", SIX_EIGHT)).isFalse();
        assertThat(OverlaySnapshotter.releaseAtLeast("6.8rc1", SIX_EIGHT)).isFalse();
        assertThat(OverlaySnapshotter.releaseAtLeast("", new int[] {0})).isTrue();
    }
}
