package dev.stevedore.examples.cli;

import dev.stevedore.oci.Digest;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.MessageDigestSpi;
import java.security.NoSuchAlgorithmException;
import java.security.NoSuchProviderException;
import java.security.Provider;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * SHA-256 from the C library's crypto (OpenSSL's libcrypto) for what the command line hashes in bulk: its
 * JVM runs C1 only (it starts faster), and C1 has no SHA-256 intrinsic, so the JDK's SHA-256 hashes about
 * five times slower there than C2's, which is seconds for a build context of a few hundred MB. OpenSSL uses
 * the CPU's SHA instructions from the first byte. A digest of less than {@value #NATIVE_FROM} bytes stays
 * with the JDK's, so a command that hashes nothing big does not pay for loading libcrypto; when libcrypto
 * cannot be loaded, the JDK's serves everything.
 */
public final class NativeSha256 {

    /** The libcrypto functions used. */
    public interface LibCrypto {
        int SHA256_Init(Pointer ctx);

        int SHA256_Update(Pointer ctx, @In byte[] data, long length);

        int SHA256_Final(@Out byte[] digest, Pointer ctx);
    }

    /** Inputs up to this size are hashed by the JDK. */
    static final int NATIVE_FROM = 1 << 20;
    /** {@code sizeof(SHA256_CTX)} is 112; rounded up. */
    private static final int CTX_SIZE = 128;
    private static final String NAME = "StevedoreNativeSha256";

    private NativeSha256() {}

    /**
     * Has the command line's SHA-256 digests made by {@link Sha256Provider}, unless the system property
     * names another provider already. Not installed among the JDK's providers: that loads all of them,
     * about 16 ms of CPU for a command that may hash nothing big.
     */
    static void use() {
        if (System.getProperty(Digest.SHA256_PROVIDER_PROPERTY) == null) {
            System.setProperty(Digest.SHA256_PROVIDER_PROPERTY, Sha256Provider.class.getName());
        }
    }

    /** The provider of the SHA-256 that goes native for big inputs, which {@link #use()} names. */
    public static final class Sha256Provider extends Provider {
        private static final long serialVersionUID = 1L;

        /** Made by {@link Digest#newMessageDigest}, by its class name. */
        public Sha256Provider() {
            super(NAME, "1.0", "SHA-256 from libcrypto for big inputs");
            putService(new Service(this, "MessageDigest", "SHA-256", Spi.class.getName(), java.util.List.of("SHA256"),
                    null));
        }
    }

    /** libcrypto, loaded on first use and checked on a known digest; null when it cannot serve. */
    private static final class Native {
        static final LibCrypto CRYPTO;
        static final Runtime RUNTIME;

        static {
            LibCrypto crypto = null;
            Runtime runtime = null;
            try {
                crypto = load();
                runtime = Runtime.getRuntime(crypto);
                Pointer ctx = Memory.allocateDirect(runtime, CTX_SIZE);
                byte[] out = new byte[32];
                crypto.SHA256_Init(ctx);
                crypto.SHA256_Update(ctx, "abc".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 3);
                crypto.SHA256_Final(out, ctx);
                if (!java.util.HexFormat.of().formatHex(out)
                        .equals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")) {
                    crypto = null;
                }
            } catch (RuntimeException | LinkageError e) {
                crypto = null;
            }
            CRYPTO = crypto;
            RUNTIME = runtime;
        }

        /** By the development link's name, else by the runtime package's file (Debian's libssl3). */
        private static LibCrypto load() {
            try {
                return LibraryLoader.create(LibCrypto.class).failImmediately().load("crypto");
            } catch (LinkageError | RuntimeException e) {
                return LibraryLoader.create(LibCrypto.class).failImmediately().load("libcrypto.so.3");
            }
        }
    }

    /** @return whether big inputs are hashed by libcrypto here (which loads it) */
    static boolean nativeAvailable() {
        return Native.CRYPTO != null;
    }

    private static MessageDigest jdk() {
        try {
            return MessageDigest.getInstance("SHA-256", "SUN");
        } catch (NoSuchAlgorithmException | NoSuchProviderException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** One SHA-256: the first bytes kept until they are many, then a native context (or the JDK's). */
    public static final class Spi extends MessageDigestSpi implements Cloneable {
        private ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private Pointer ctx;
        private MessageDigest fallback;
        private byte[] buffer;

        public Spi() {}

        @Override
        protected void engineUpdate(byte input) {
            engineUpdate(new byte[] {input}, 0, 1);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            if (len == 0) {
                return;
            }
            if (pending != null) {
                if (pending.size() + len <= NATIVE_FROM) {
                    pending.write(input, offset, len);
                    return;
                }
                byte[] head = pending.toByteArray();
                pending = null;
                if (nativeAvailable()) {
                    ctx = Memory.allocateDirect(Native.RUNTIME, CTX_SIZE);
                    Native.CRYPTO.SHA256_Init(ctx);
                    Native.CRYPTO.SHA256_Update(ctx, head, head.length);
                } else {
                    fallback = jdk();
                    fallback.update(head);
                }
            }
            if (fallback != null) {
                fallback.update(input, offset, len);
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
            Native.CRYPTO.SHA256_Update(ctx, data, len);
        }

        @Override
        protected byte[] engineDigest() {
            byte[] out;
            if (pending != null) {
                out = jdk().digest(pending.toByteArray());
            } else if (fallback != null) {
                out = fallback.digest();
            } else {
                out = new byte[32];
                Native.CRYPTO.SHA256_Final(out, ctx);
            }
            engineReset();
            return out;
        }

        @Override
        protected void engineReset() {
            pending = new ByteArrayOutputStream();
            ctx = null;
            fallback = null;
        }

        @Override
        protected int engineGetDigestLength() {
            return 32;
        }

        @Override
        public Object clone() throws CloneNotSupportedException {
            Spi copy = (Spi) super.clone();
            copy.buffer = null;
            if (pending != null) {
                copy.pending = new ByteArrayOutputStream();
                copy.pending.writeBytes(pending.toByteArray());
            } else if (fallback != null) {
                copy.fallback = (MessageDigest) fallback.clone();
            } else {
                copy.ctx = Memory.allocateDirect(Native.RUNTIME, CTX_SIZE);
                byte[] state = new byte[CTX_SIZE];
                ctx.get(0, state, 0, CTX_SIZE);
                copy.ctx.put(0, state, 0, CTX_SIZE);
            }
            return copy;
        }
    }
}
