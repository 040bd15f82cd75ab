package dev.stevedore.internal.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A test CA and a server certificate it signed for 127.0.0.1 and localhost, made with openssl.
 *
 * @param caCertificate the CA's PEM certificate, to trust
 * @param caKey the CA's PEM private key
 * @param serverCertificate the server's PEM certificate
 * @param serverKey the server's PEM private key
 */
record TestCertificates(Path caCertificate, Path caKey, Path serverCertificate, Path serverKey) {

    static TestCertificates create(Path dir) {
        try {
            Files.createDirectories(dir);
            Path caKey = dir.resolve("ca.key");
            Path ca = dir.resolve("ca.pem");
            Path key = dir.resolve("server.key");
            Path csr = dir.resolve("server.csr");
            Path cert = dir.resolve("server.pem");
            Path ext = dir.resolve("server.ext");
            Files.writeString(ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
                    + "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
            LocalRegistry.run(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=stevedore test CA"));
            LocalRegistry.run(List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(),
                    "-out", csr.toString(), "-subj", "/CN=127.0.0.1"));
            LocalRegistry.run(List.of("openssl", "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(),
                    "-CAkey", caKey.toString(), "-CAcreateserial", "-out", cert.toString(), "-days", "2",
                    "-extfile", ext.toString()));
            return new TestCertificates(ca, caKey, cert, key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
