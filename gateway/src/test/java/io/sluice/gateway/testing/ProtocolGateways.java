package io.sluice.gateway.testing;

import java.net.URI;
import java.util.EnumMap;
import java.util.Map;

/**
 * One gateway per way of listening in front of the same backend: cleartext (HTTP/1.1 and h2c) and TLS (h2), so
 * a test can run unchanged over every {@link Protocol}.
 */
public final class ProtocolGateways implements AutoCloseable {
    private final TestGateway cleartext;
    private final TestGateway tls;
    private final Map<Protocol, TestGateway> byProtocol = new EnumMap<>(Protocol.class);

    private ProtocolGateways(TestGateway cleartext, TestGateway tls) {
        this.cleartext = cleartext;
        this.tls = tls;
        for (Protocol protocol : Protocol.values()) {
            byProtocol.put(protocol, protocol.tls() ? tls : cleartext);
        }
    }

    public static ProtocolGateways forBackend(URI backend, String providerExtra) throws InterruptedException {
        return forConfig(TestGateway.config(backend, providerExtra, ""),
                TestGateway.config(backend, providerExtra, TestCertificates.serverTlsYaml()));
    }

    /** From two configs that differ only in their server TLS. */
    public static ProtocolGateways forConfig(String cleartextYaml, String tlsYaml) throws InterruptedException {
        final TestGateway cleartext = TestGateway.start(cleartextYaml);
        try {
            return new ProtocolGateways(cleartext, TestGateway.start(tlsYaml));
        } catch (RuntimeException | InterruptedException e) {
            cleartext.close();
            throw e;
        }
    }

    public URI uri(Protocol protocol, String path) {
        return byProtocol.get(protocol).uri(path);
    }

    public InMemoryUsageSink usage(Protocol protocol) {
        return byProtocol.get(protocol).usage();
    }

    public int port(Protocol protocol) {
        return byProtocol.get(protocol).port();
    }

    public void clearUsage() {
        cleartext.usage().clear();
        tls.usage().clear();
    }

    @Override
    public void close() throws InterruptedException {
        cleartext.close();
        tls.close();
    }
}
