package io.sluice.gateway.admission;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Limits as clients meet them through a running gateway: the 429 of a request bucket with Retry-After and the
 * x-ratelimit headers on every HTTP protocol, a RATE_LIMIT error on a socket, per-address limits that believe a
 * trusted proxy's X-Forwarded-For, and token reservations settled against a stream's usage, or kept when the
 * client left before usage came. Buckets refill slowly (one request a minute, a thousand tokens a minute), so the
 * outcomes do not depend on timing.
 */
class LimitsTest {
    private static final String STREAMER = KeyHash.newKey();
    private static final String LEAVER = KeyHash.newKey();
    private static final String SOCKET = KeyHash.newKey();
    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateways = ProtocolGateways.forConfig(config(""), config(TestCertificates.serverTlsYaml()));
    }

    private static String config(String serverExtra) {
        final StringBuilder keys = new StringBuilder();
        for (Protocol protocol : Protocol.values()) {
            keys.append("    - { id: %s, hash: \"%s\", limits: { rps: 0.0167, burst: 2 } }\n"
                    .formatted(protocol.name(), KeyHash.of(keyFor(protocol))));
        }
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                  trusted_proxies: [ 127.0.0.1 ]
                %s
                usage: { log: false }
                auth:
                  mode: keys
                  keys:
                %s    - { id: streamer, hash: "%s", limits: { tpm: 1000 } }
                    - { id: leaver, hash: "%s", limits: { tpm: 1000 } }
                    - { id: socket, hash: "%s", limits: { rps: 0.0167, burst: 1 } }
                providers:
                  - id: mock
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { m: m }
                """.formatted(serverExtra, keys, KeyHash.of(STREAMER), KeyHash.of(LEAVER), KeyHash.of(SOCKET),
                backend.url());
    }

    /** One key per protocol, so that each run of the parameterised test has buckets of its own. */
    private static String keyFor(Protocol protocol) {
        return KEYS[protocol.ordinal()];
    }

    private static final String[] KEYS = {KeyHash.newKey(), KeyHash.newKey(), KeyHash.newKey()};

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        backend.close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aKeyOverItsRequestRateGetsA429WithRetryAfterAndTheRateLimitHeaders(Protocol protocol) throws Exception {
        backend.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        for (int i = 0; i < 2; i++) {
            assertEquals(200, post(protocol, keyFor(protocol), "{\"model\":\"m\"}").statusCode(), "burst " + i);
        }
        final HttpResponse<byte[]> refused = post(protocol, keyFor(protocol), "{\"model\":\"m\"}");
        assertEquals(429, refused.statusCode());
        assertTrue(Http.text(refused).contains("\"code\":\"rate_limit_exceeded\""), Http.text(refused));
        assertTrue(Http.text(refused).contains("\"type\":\"requests\""), Http.text(refused));
        final long retryAfter = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(retryAfter >= 55 && retryAfter <= 60, "a minute for the next one: " + retryAfter);
        assertEquals("2", refused.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("0", refused.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertTrue(refused.headers().firstValue("x-ratelimit-reset-requests").orElseThrow().matches("1m\\d+s"),
                refused.headers().toString());
    }

    @Test
    void requestsWithoutAKeyAreCountedByTheAddressATrustedProxyNames() throws Exception {
        backend.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        try (TestGateway open = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 1, trusted_proxies: [ 127.0.0.1 ] }
                usage: { log: false }
                limits: { per_ip: { rps: 0.0167, burst: 1 } }
                providers:
                  - { id: mock, type: vllm, endpoints: [ "%s" ], models: { m: m } }
                """.formatted(backend.url()))) {
            final java.net.URI uri = open.uri("/v1/chat/completions");
            assertEquals(200, Http.post(uri, "{\"model\":\"m\"}", "x-forwarded-for", "203.0.113.9").statusCode());
            final HttpResponse<byte[]> again = Http.post(uri, "{\"model\":\"m\"}", "x-forwarded-for",
                    "198.51.100.1, 203.0.113.9, 127.0.0.1");
            assertEquals(429, again.statusCode(), "the nearest hop that is not a trusted proxy is the client");
            assertTrue(Http.text(again).contains("your address"), Http.text(again));
            assertEquals(200, Http.post(uri, "{\"model\":\"m\"}", "x-forwarded-for", "203.0.113.10")
                    .statusCode(), "another address has a bucket of its own");
        }
    }

    @Test
    void aStreamsReservationIsSettledAgainstItsUsage() throws Exception {
        final String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":600,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (int i = 0; i < 3; i++) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 100));
            final HttpResponse<byte[]> response = post(Protocol.HTTP_1_1, STREAMER, body);
            assertEquals(200, response.statusCode(), "request " + i + ": 112 tokens used of the 600-odd reserved, "
                    + "so the next one fits: " + Http.text(response));
            assertEquals(112, gateways.usage(Protocol.HTTP_1_1).takeFor(response).totalTokens());
        }
    }

    @Test
    void aCancelledStreamKeepsItsReservation() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .endless(EVENT, Duration.ofMillis(10)).build());
        final String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":600}";
        try (RawHttp client = new RawHttp(gateways.port(Protocol.HTTP_1_1))) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer " + LEAVER
                    + "\r\ncontent-type: application/json\r\ncontent-length: " + body.length() + "\r\n\r\n" + body)
                    .readUntil(EVENT, 2);
        }
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        while (gateways.usage(Protocol.HTTP_1_1).take().status() != 499) {
            // earlier tests' records; take waits at most 10 s for each
        }
        final HttpResponse<byte[]> refused = post(Protocol.HTTP_1_1, LEAVER, body);
        assertEquals(429, refused.statusCode(), "the backend may have spent all 600: " + Http.text(refused));
        assertTrue(Http.text(refused).contains("\"type\":\"tokens\""), Http.text(refused));
        final long remaining = Long.parseLong(refused.headers().firstValue("x-ratelimit-remaining-tokens")
                .orElseThrow());
        assertTrue(remaining < 600, "remaining " + remaining);
    }

    @Test
    void aSocketOverItsKeysRateGetsARateLimitError() throws Exception {
        backend.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        try (WsClient socket = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json", "x-api-key", SOCKET)) {
            socket.send(request("s1"));
            assertTrue(socket.next().getAck().getAccepted());
            assertEquals("s1", socket.next().getResponse().getRequestId());
            socket.send(request("s2"));
            final WebSocketMessage limited = socket.next();
            assertEquals("RATE_LIMIT", limited.getError().getCode(), WsClient.json(limited));
            assertTrue(limited.getError().getMessage().contains("try again in"), limited.getError().getMessage());
        }
    }

    private static HttpResponse<byte[]> post(Protocol protocol, String key, String body) throws Exception {
        return Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), body, "authorization",
                "Bearer " + key);
    }

    private static WebSocketMessage request(String id) {
        return WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId(id).setModel("m")
                .setUserPrompt("hi")).build();
    }
}
