package dev.stevedore.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.stevedore.oci.Digest;
import java.security.MessageDigest;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeSha256Test {

    @Test
    void libcryptoDigestsAsTheJdkDoesForEveryWayOfFeedingIt() throws Exception {
        NativeSha256.use();
        assertThat(NativeSha256.nativeAvailable()).as("libcrypto (Debian's libssl3) loads and passes its probe").isTrue();
        MessageDigest nativeMd = Digest.newMessageDigest(Digest.SHA256);
        assertThat(nativeMd.getProvider().getName()).isEqualTo("StevedoreNativeSha256");
        MessageDigest jdk = MessageDigest.getInstance("SHA-256", "SUN");
        Random random = new Random(7);
        // Below, across and above the size from which libcrypto takes over.
        for (int size : new int[] {0, 1, 55, 64, 1000, 70_000, 1_500_000, 3_000_000}) {
            byte[] data = new byte[size + 10];
            random.nextBytes(data);
            // Offsets, single bytes and a clone midway: each way a caller may feed a digest.
            nativeMd.update(data, 5, size / 2);
            jdk.update(data, 5, size / 2);
            MessageDigest half = (MessageDigest) nativeMd.clone();
            if (size > 0) {
                nativeMd.update(data[5 + size / 2]);
                jdk.update(data[5 + size / 2]);
            }
            int rest = size - size / 2 - (size > 0 ? 1 : 0);
            nativeMd.update(data, 6 + size / 2, rest);
            jdk.update(data, 6 + size / 2, rest);
            byte[] expected = jdk.digest();
            assertThat(nativeMd.digest()).as("%d bytes", size).isEqualTo(expected);
            half.update(data, 5 + size / 2, size - size / 2);
            assertThat(half.digest()).as("clone of %d bytes", size).isEqualTo(expected);
        }
    }
}
