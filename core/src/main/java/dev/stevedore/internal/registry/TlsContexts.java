package dev.stevedore.internal.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** The TLS set-ups of a client: checked (system trust plus extra CAs) and, for insecure registries, unchecked. */
final class TlsContexts {

    private TlsContexts() {
    }

    /**
     * @param extraCa a PEM file of CA certificates to trust besides the system's, or null
     * @return a context trusting both
     */
    static SSLContext checked(Path extraCa) {
        try {
            List<X509ExtendedTrustManager> managers = new ArrayList<>();
            managers.add(trustManager(null));
            if (extraCa != null) {
                managers.add(trustManager(loadCa(extraCa)));
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyOf(managers)}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    /** @return a context that accepts any server certificate, for registries marked insecure */
    static SSLContext unchecked() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new AnyOf(List.of())}, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    private static KeyStore loadCa(Path pem) throws GeneralSecurityException {
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(pem)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException | CertificateException e) {
            throw new IllegalArgumentException("cannot read CA certificates from '" + pem + "': " + e.getMessage()
                    + "; it must hold PEM certificates", e);
        }
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("'" + pem + "' holds no certificate; it must hold PEM certificates");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        int i = 0;
        for (Certificate c : certificates) {
            store.setCertificateEntry("extra-ca-" + i++, c);
        }
        return store;
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager m : factory.getTrustManagers()) {
            if (m instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager available");
    }

    /**
     * Trusts a server when any delegate does; with no delegate it trusts every server (and checks
     * no host name, which the delegates otherwise do).
     */
    private static final class AnyOf extends X509ExtendedTrustManager {
        private final List<X509ExtendedTrustManager> delegates;

        AnyOf(List<X509ExtendedTrustManager> delegates) {
            this.delegates = delegates;
        }

        private interface Check {
            void run(X509ExtendedTrustManager m) throws CertificateException;
        }

        private void any(Check check) throws CertificateException {
            CertificateException first = null;
            for (X509ExtendedTrustManager m : delegates) {
                try {
                    check.run(m);
                    return;
                } catch (CertificateException e) {
                    if (first == null) {
                        first = e;
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            any(m -> m.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            any(m -> m.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            any(m -> m.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("this client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("this client does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this client does not accept client certificates");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>();
            delegates.forEach(m -> all.addAll(List.of(m.getAcceptedIssuers())));
            return all.toArray(X509Certificate[]::new);
        }
    }
}
