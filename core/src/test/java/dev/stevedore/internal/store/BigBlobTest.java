package dev.stevedore.internal.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BigBlobTest {

    private static final long SIZE = 2L << 30;

    @TempDir
    Path dir;

    @Test
    void writesAndReadsTwoGibibytesWithA128MebibyteHeap() throws Exception {
        long start = System.nanoTime();
        String out = ChildJvm.run(List.of("-Xmx128m"), StoreChild.class, "big", dir.toString(), Long.toString(SIZE)).trim();
        String[] fields = out.split(" ");
        assertThat(fields[0]).as("digest computed while writing").isEqualTo(fields[1]);
        assertThat(fields[2]).as("digest of what was read back").isEqualTo(fields[0]);
        assertThat(Long.parseLong(fields[3])).isEqualTo(SIZE);
        assertThat(Long.parseLong(fields[4])).as("child max heap").isLessThanOrEqualTo(128L << 20);
        System.out.printf("2 GiB blob written, re-generated and read back verified in %.1f s; child max heap %d MiB, peak heap used %d MiB%n",
                (System.nanoTime() - start) / 1e9, Long.parseLong(fields[4]) >> 20, Long.parseLong(fields[5]) >> 20);
    }
}
