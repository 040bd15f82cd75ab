package dev.stevedore.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LibcTest {

    /**
     * The binding reaches jnr-ffi's reflection loader through its internals; a jnr-ffi version that
     * moves them would silently fall back to the slower-loading default, so this says so instead.
     */
    @Test
    void theCLibraryIsBoundByJnrFfisReflectionLoader() {
        assertThat(Libc.unavailableReason()).isNull();
        assertThat(Proxy.isProxyClass(Libc.get().getClass())).as(Libc.get().getClass().getName()).isTrue();
    }

    @Test
    void callsPassArraysAndStringsAndReportErrno() {
        Libc libc = Libc.get();
        int[] fds = new int[2];
        assertThat(libc.pipe2(fds, 02000000)).isZero();
        try {
            byte[] sent = "ping".getBytes(StandardCharsets.US_ASCII);
            assertThat(libc.write(fds[1], sent, sent.length)).isEqualTo(4);
            byte[] received = new byte[8];
            assertThat(libc.read(fds[0], received, received.length)).isEqualTo(4);
            assertThat(new String(received, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("ping");
        } finally {
            libc.close(fds[0]);
            libc.close(fds[1]);
        }

        assertThat(libc.open("/nonexistent/stevedore", 0)).isEqualTo(-1);
        assertThat(Libc.errno()).isEqualTo(2);
        assertThat(Libc.error()).containsIgnoringCase("no such file");
    }
}
