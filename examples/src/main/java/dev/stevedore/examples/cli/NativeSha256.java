package dev.stevedore.examples.cli;

import java.security.MessageDigestSpi;
import java.security.Provider;
import java.security.Security;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * SHA-256 from the C library's crypto (OpenSSL's libcrypto), for the command line: its JVM runs C1 only
 * (it starts faster), and C1 has no SHA-256 intrinsic, so the JDK's SHA-256 hashes about five times slower
 * there than C2's, which is seconds for a build context of a few hundred MB. A short-lived process cannot
 * wait for C2; OpenSSL uses the CPU's SHA instructions from the first byte. When libcrypto cannot be
 * loaded, nothing is installed and the JDK's digest serves as before.
 */
public final class NativeSha256 {

    /** The libcrypto functions used. */
    public interface LibCrypto {
        int SHA256_Init(Pointer ctx);

        int SHA256_Update(Pointer ctx, @In byte[] data, long length);

        int SHA256_Final(@Out byte[] digest, Pointer ctx);
    }

    /** {@code sizeof(SHA256_CTX)} is 112; rounded up. */
    private static final int CTX_SIZE = 128;

    private static LibCrypto crypto;
    private static Runtime runtime;

    private NativeSha256() {}

    /**
     * Puts the native SHA-256 first among the providers.
     *
     * @return whether it could (libcrypto loaded and gives the right digest of a known input)
     */
    static boolean install() {
        try {
            crypto = LibraryLoader.create(LibCrypto.class).failImmediately().load("crypto");
            runtime = Runtime.getRuntime(crypto);
            Spi probe = new Spi();
            probe.engineUpdate("abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, 3);
            if (!java.util.HexFormat.of().formatHex(probe.engineDigest())
                    .equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
                return false;
            }
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
        Provider p = new Provider("StevedoreNativeSha256", "1.0", "SHA-256 from libcrypto") {
            {
                putService(new Service(this, "MessageDigest", "SHA-256", Spi.class.getName(), java.util.List.of("SHA256"),
                        null));
            }
        };
        Security.insertProviderAt(p, 1);
        return true;
    }

    /** One SHA-256 computation in a native context. */
    public static final class Spi extends MessageDigestSpi implements Cloneable {
        private Pointer ctx = Memory.allocateDirect(runtime, CTX_SIZE);
        private byte[] buffer;

        public Spi() {
            engineReset();
        }

        @Override
        protected void engineUpdate(byte input) {
            engineUpdate(new byte[] {input}, 0, 1);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len == 0) {
                return;
            }
            byte[] data = input;
            if (offset != 0) {
                if (buffer == null || buffer.length < len) {
                    buffer = new byte[Math.max(len, 1 << 16)];
                }
                System.arraycopy(input, offset, buffer, 0, len);
                data = buffer;
            }
            crypto.SHA256_Update(ctx, data, len);
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out = new byte[32];
            crypto.SHA256_Final(out, ctx);
            engineReset();
            return out;
        }

        @Override
        protected void engineReset() {
            crypto.SHA256_Init(ctx);
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        @Override
        public Object clone() throws CloneNotSupportedException {
            Spi copy = (Spi) super.clone();
            copy.ctx = Memory.allocateDirect(runtime, CTX_SIZE);
            byte[] state = new byte[CTX_SIZE];
            ctx.get(0, state, 0, CTX_SIZE);
            copy.ctx.put(0, state, 0, CTX_SIZE);
            copy.buffer = null;
            return copy;
        }
    }
}
