package io.sluice.gateway.testing;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** One test CA and a server certificate it issued for {@code localhost} and {@code 127.0.0.1}, made once. */
public final class TestCertificates {
    private static final X509Bundle CA;
    private static final X509Bundle SERVER;

    static {
        try {
            CA = new CertificateBuilder().subject("CN=Sluice test CA").setIsCertificateAuthority(true).ecp256()
                    .buildSelfSigned();
            SERVER = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                    .addSanIpAddress("127.0.0.1").addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(CA);
        } catch (Exception e) {
            throw new IllegalStateException("cannot make test certificates", e);
        }
    }

    private TestCertificates() {
    }

    public static X509Bundle ca() {
        return CA;
    }

    public static X509Bundle server() {
        return SERVER;
    }

    /** The server's {@code tls:} config lines (PEM files in a temporary folder), indented for {@code server:}. */
    public static String serverTlsYaml() {
        try {
            final Path cert = SERVER.toTempCertChainPem().toPath();
            final Path key = SERVER.toTempPrivateKeyPem().toPath();
            return "  tls: { cert: \"" + cert + "\", key: \"" + key + "\" }\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A client TLS context that trusts the test CA. */
    public static SSLContext clientContext() {
        try {
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, CA.toTrustManagerFactory().getTrustManagers(), null);
            return context;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
