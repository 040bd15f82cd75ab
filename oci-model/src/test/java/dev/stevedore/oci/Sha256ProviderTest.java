package dev.stevedore.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Digest#SHA256_PROVIDER_PROPERTY}: a SHA-256 provider named rather than installed. */
class Sha256ProviderTest {

    /** SHA-256 under another provider's name, made from the JDK's. */
    public static final class Named extends Provider {
        private static final long serialVersionUID = 1L;

        public Named() {
            super("TestSha256", "1.0", "the JDK's SHA-256 under another name");
            putService(new Service(this, "MessageDigest", "SHA-256", Spi.class.getName(), null, null));
        }
    }

    public static final class Spi extends java.security.MessageDigestSpi {
        private final MessageDigest jdk;

        public Spi() throws NoSuchAlgorithmException, java.security.NoSuchProviderException {
            jdk = MessageDigest.getInstance("SHA-256", "SUN");
        }

        @Override
        protected void engineUpdate(byte input) {
            jdk.update(input);
        }

        @Override
        protected void engineUpdate(byte[] input, int offset, int len) {
            jdk.update(input, offset, len);
        }

        @Override
        protected byte[] engineDigest() {
            return jdk.digest();
        }

        @Override
        protected void engineReset() {
            jdk.reset();
        }
    }

    @AfterEach
    void clear() {
        System.clearProperty(Digest.SHA256_PROVIDER_PROPERTY);
    }

    @Test
    void theNamedProviderMakesSha256AndOnlySha256() {
        System.setProperty(Digest.SHA256_PROVIDER_PROPERTY, Named.class.getName());
        MessageDigest md = Digest.newMessageDigest(Digest.SHA256);
        assertThat(md.getProvider()).isInstanceOf(Named.class);
        assertThat(Digest.sha256("abc".getBytes(StandardCharsets.US_ASCII)).toString())
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Digest.newMessageDigest(Digest.SHA512).getProvider().getName()).isEqualTo("SUN");
    }

    @Test
    void withoutThePropertyTheJdksIsUsed() {
        assertThat(Digest.newMessageDigest(Digest.SHA256).getProvider().getName()).isEqualTo("SUN");
    }

    @Test
    void aNameThatIsNoProviderIsRefusedSayingSo() {
        System.setProperty(Digest.SHA256_PROVIDER_PROPERTY, "no.such.Provider");
        assertThatThrownBy(() -> Digest.newMessageDigest(Digest.SHA256)).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("the system property stevedore.sha256.provider names \"no.such.Provider\", which"
                        + " is no security provider with a public constructor without arguments");
        System.setProperty(Digest.SHA256_PROVIDER_PROPERTY, String.class.getName());
        assertThatThrownBy(() -> Digest.newMessageDigest(Digest.SHA256)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("names \"java.lang.String\"");
    }
}
