package io.sluice.gateway.proxy;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * https backends: the certificate is verified against the configured CA and the host name (Netty 4.2 verifies
 * host names by default), so a backend Sluice cannot trust is a 502, not a silent risk.
 */
class UpstreamTlsTest {
    private static X509Bundle ca;
    private static ScriptedBackend backend;

    @BeforeAll
    static void start() throws Exception {
        ca = new CertificateBuilder().subject("CN=Sluice test CA").setIsCertificateAuthority(true).ecp256()
                .buildSelfSigned();
        final X509Bundle server = new CertificateBuilder().subject("CN=localhost").addSanDnsName("localhost")
                .addExtendedKeyUsageServerAuth().ecp256().buildIssuedBy(ca);
        final SslContext tls = SslContextBuilder.forServer(server.toKeyManagerFactory()).build();
        backend = ScriptedBackend.startTls(tls);
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    private static String tlsProvider(String host, String tls) throws Exception {
        return TestGateway.config(backend.url(host), "    tls: " + tls + "\n", "");
    }

    @Test
    void aBackendSignedByTheConfiguredCaStreamsOverTls() throws Exception {
        final Path caFile = ca.toTempRootCertPem().toPath();
        try (TestGateway gateway = TestGateway.start(tlsProvider("localhost", "{ ca: \"" + caFile + "\" }"))) {
            final byte[] sample = WireSamples.bytes("openai_chat_stream_usage.txt");
            backend.enqueue(Script.sse(sample, 50));
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
            assertArrayEquals(sample, response.body());
            assertEquals(112, gateway.usage().take().totalTokens());
            assertEquals("localhost:" + backend.url().getPort(), backend.takeRequest().headers().get("host"));
        }
    }

    @Test
    void aCertificateFromAnUnknownCaIsRefused() throws Exception {
        try (TestGateway gateway = TestGateway.start(tlsProvider("localhost", "{ verify: true }"))) {
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}");
            assertEquals(502, response.statusCode());
            assertTrue(Http.text(response).contains("\"type\":\"upstream_error\""), Http.text(response));
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        final Path caFile = ca.toTempRootCertPem().toPath();
        try (TestGateway gateway = TestGateway.start(tlsProvider("127.0.0.1", "{ ca: \"" + caFile + "\" }"))) {
            assertEquals(502, Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\"}").statusCode());
        }
    }

    @Test
    void verificationCanBeTurnedOffForATestBackend() throws Exception {
        try (TestGateway gateway = TestGateway.start(tlsProvider("127.0.0.1", "{ verify: false }"))) {
            backend.enqueue(Script.json(200, "{\"ok\":true}"));
            assertEquals("{\"ok\":true}", Http.text(Http.post(gateway.uri("/v1/chat/completions"),
                    "{\"model\":\"m\"}")));
        }
    }
}
