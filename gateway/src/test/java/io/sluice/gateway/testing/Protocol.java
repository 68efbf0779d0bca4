package io.sluice.gateway.testing;

import java.net.http.HttpClient;
import java.time.Duration;

/** The ways a client reaches Sluice over HTTP, each with a real JDK client that speaks it. */
public enum Protocol {
    HTTP_1_1(false, HttpClient.Version.HTTP_1_1),
    /** Cleartext HTTP/2: the JDK client upgrades the connection with {@code Upgrade: h2c}. */
    H2C(false, HttpClient.Version.HTTP_2),
    /** HTTP/2 over TLS, chosen by ALPN. */
    H2(true, HttpClient.Version.HTTP_2);

    private final boolean tls;
    private final HttpClient.Version version;
    private HttpClient client;

    Protocol(boolean tls, HttpClient.Version version) {
        this.tls = tls;
        this.version = version;
    }

    public boolean tls() {
        return tls;
    }

    public HttpClient.Version version() {
        return version;
    }

    public synchronized HttpClient client() {
        if (client == null) {
            final HttpClient.Builder builder = HttpClient.newBuilder().version(version)
                    .connectTimeout(Duration.ofSeconds(5));
            if (tls) {
                builder.sslContext(TestCertificates.clientContext());
            }
            client = builder.build();
        }
        return client;
    }
}
