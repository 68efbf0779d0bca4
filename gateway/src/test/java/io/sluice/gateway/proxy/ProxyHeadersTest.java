package io.sluice.gateway.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.TestGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What crosses the gateway in headers, on every protocol: no credential of any dialect, no proxy metadata a client
 * made up and no internal header goes upstream; the backend learns the real peer; and only the allow-listed
 * response headers come back.
 */
class ProxyHeadersTest {
    private static final String BODY = "{\"model\":\"m\"}";
    private static final String[] CLIENT_SECRETS = {
        "authorization", "Bearer sk-gateway", "x-api-key", "sk-a", "api-key", "sk-b", "x-goog-api-key", "sk-c",
        "anthropic-api-key", "sk-d", "x-internal-auth", "sk-e", "cookie", "session=sk-f",
        "x-forwarded-for", "6.6.6.6", "forwarded", "for=6.6.6.6", "x-real-ip", "6.6.6.6",
        "x-forwarded-host", "evil.example", "openai-organization", "org-sk-chosen-by-client",
        "openai-project", "proj_sk-chosen-by-client", "x-custom", "kept"};

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        // Names Sluice writes itself are configured too: they must still come once, from Sluice.
        final String extra = "  response_headers: [ x-custom-*, content-length, x-request-id, x-sluice-*,"
                + " x-accel-buffering ]\n";
        gateways = ProtocolGateways.forConfig(TestGateway.config(backend.url(), "", extra),
                TestGateway.config(backend.url(), "", extra + TestCertificates.serverTlsYaml()));
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        backend.close();
    }

    @BeforeEach
    void forget() {
        backend.reset();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void noCredentialNoMadeUpOriginAndNoInternalHeaderReachesTheBackend(Protocol protocol) throws Exception {
        assertEquals(200, Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), BODY, CLIENT_SECRETS)
                .statusCode());
        final HttpHeaders upstream = backend.takeRequest().headers();
        for (Map.Entry<String, String> header : upstream) {
            assertFalse(header.getValue().contains("sk-"), "a client credential went upstream: " + header);
            assertFalse(header.getValue().contains("6.6.6.6") || header.getValue().contains("evil"),
                    "a client's own forwarding header went upstream: " + header);
            assertFalse(header.getKey().toLowerCase().startsWith("x-http2-"), "an internal header: " + header);
        }
        assertEquals("127.0.0.1", upstream.get("x-forwarded-for"));
        final String proto = protocol.tls() ? "https" : "http";
        assertEquals("for=127.0.0.1;proto=" + proto, upstream.get("forwarded"));
        assertEquals(proto, upstream.get("x-forwarded-proto"));
        assertEquals("kept", upstream.get("x-custom"), "other end-to-end headers pass");
    }

    @Test
    void aTrustedProxysChainIsKeptAndExtended() throws Exception {
        try (TestGateway trusting = TestGateway.start(TestGateway.config(backend.url(), "",
                "  trusted_proxies: [ 127.0.0.0/8 ]\n"))) {
            Http.post(trusting.uri("/v1/chat/completions"), BODY, "x-forwarded-for", "203.0.113.7",
                    "x-forwarded-for", "198.51.100.2", "forwarded", "for=203.0.113.7", "x-forwarded-proto", "https");
            final HttpHeaders upstream = backend.takeRequest().headers();
            assertEquals("203.0.113.7, 198.51.100.2, 127.0.0.1", upstream.get("x-forwarded-for"));
            assertEquals("for=203.0.113.7, for=127.0.0.1;proto=http", upstream.get("forwarded"));
            assertEquals("https", upstream.get("x-forwarded-proto"), "the TLS-terminating proxy's word for it");
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void onlyAllowListedResponseHeadersReachTheClient(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().fixedHead(200, 2, "content-type", "application/json",
                "set-cookie", "backend-session=1", "server", "internal-vllm/0.6", "x-backend-host", "gpu-17.internal",
                "x-ratelimit-remaining-tokens", "999", "retry-after", "3", "openai-processing-ms", "12",
                "x-request-id", "backend-id", "x-custom-trace", "t1").body("{}").end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                BODY);
        final java.net.http.HttpHeaders headers = response.headers();
        assertFalse(headers.firstValue("set-cookie").isPresent());
        assertFalse(headers.firstValue("server").isPresent());
        assertFalse(headers.firstValue("x-backend-host").isPresent());
        assertEquals("999", headers.firstValue("x-ratelimit-remaining-tokens").orElseThrow());
        assertEquals("3", headers.firstValue("retry-after").orElseThrow());
        assertEquals("12", headers.firstValue("openai-processing-ms").orElseThrow());
        assertEquals("t1", headers.firstValue("x-custom-trace").orElseThrow(), "configured prefix");
        assertEquals("backend-id", headers.firstValue("x-upstream-request-id").orElseThrow());
        assertTrue(headers.firstValue("x-request-id").isPresent());
        assertEquals(List.of("2"), headers.allValues("content-length"), "once, though the config relays its name");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aFieldSluiceWritesComesOnceFromSluiceEvenWhereTheConfigRelaysItsName(Protocol protocol) throws Exception {
        final String events = "data: {}\n\ndata: [DONE]\n\n";
        backend.enqueue(Script.builder().fixedHead(200, events.length(), "content-type", "text/event-stream",
                        "x-sluice-provider", "evil", "x-sluice-model", "evil", "x-accel-buffering", "yes",
                        "x-request-id", "backend-id")
                .body(events).end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                BODY, "x-request-id", "client-id-1");
        assertEquals(200, response.statusCode());
        assertEquals(events, Http.text(response));
        final java.net.http.HttpHeaders headers = response.headers();
        assertEquals(List.of("mock"), headers.allValues("x-sluice-provider"));
        assertEquals(List.of("m"), headers.allValues("x-sluice-model"));
        assertEquals(List.of("no"), headers.allValues("x-accel-buffering"));
        assertEquals(List.of("client-id-1"), headers.allValues("x-request-id"), "the client's id, not the backend's");
        assertEquals(List.of("backend-id"), headers.allValues("x-upstream-request-id"));
        assertEquals(List.of(), headers.allValues("content-length"),
                "an event stream goes on chunked, whatever length the backend gave it");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aBodylessAnswerSaysNothingOfABodyAndTheConnectionServesTheNext(Protocol protocol) throws Exception {
        // The stream's relay reads an empty event stream as one that broke and ends it with an error event, which
        // must not follow a 204: on HTTP/1.1 the client would read it as the next response.
        for (String request : new String[] {BODY, "{\"model\":\"m\",\"stream\":true}"}) {
            backend.enqueue(Script.builder().raw("HTTP/1.1 204 No Content\r\ncontent-type: text/event-stream\r\n"
                    + "x-ratelimit-remaining-requests: 7\r\n\r\n").build());
            final HttpResponse<byte[]> empty = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                    request);
            assertEquals(204, empty.statusCode(), request);
            assertEquals(0, empty.body().length, request);
            assertEquals("7", empty.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
            assertFalse(empty.headers().firstValue("content-length").isPresent(), request);
            assertFalse(empty.headers().firstValue("transfer-encoding").isPresent(), request);
            backend.enqueue(Script.json(200, "{\"after\":true}"));
            final HttpResponse<byte[]> next = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                    BODY);
            assertEquals(200, next.statusCode(), "the next request is answered on its own");
            assertEquals("{\"after\":true}", Http.text(next));
        }
    }
}
