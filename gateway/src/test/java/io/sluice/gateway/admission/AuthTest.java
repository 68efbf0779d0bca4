package io.sluice.gateway.admission;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.testing.WsClient;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Keys as clients meet them, on every front (HTTP/1.1, h2c, h2 and the WebSocket): a request needs a configured key
 * (Bearer or x-api-key) or the internal key; a missing, wrong, disabled or expired key is a 401 in the OpenAI format
 * (an UNAUTHORIZED error on a socket), a model the key may not use a 403, and the usage record names the key's id.
 * No key, raw or hashed, reaches a log line, a usage record or a metric.
 */
class AuthTest {
    private static final String KEY = KeyHash.newKey();
    private static final String NARROW_KEY = KeyHash.newKey();
    private static final String DISABLED_KEY = KeyHash.newKey();
    private static final String EXPIRED_KEY = KeyHash.newKey();
    private static final String INTERNAL_KEY = "internal-" + KeyHash.newKey();
    private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;
    private static LogCapture log;

    @BeforeAll
    static void start() throws Exception {
        log = new LogCapture(Logger.ROOT_LOGGER_NAME);
        backend = ScriptedBackend.start();
        backend.respondAlways(Script.json(200, WireSamples.bytes("openai_chat_nonstream.json")));
        gateways = ProtocolGateways.forConfig(config(""), config(TestCertificates.serverTlsYaml()));
    }

    private static String config(String serverExtra) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                %s
                usage: { log: true }
                auth:
                  mode: keys
                  internal_key: "%s"
                  keys:
                    - { id: team-a, hash: "%s", user: alice }
                    - { id: narrow, hash: "%s", allowed_models: [ m ] }
                    - { id: paused, hash: "%s", disabled: true }
                    - { id: old, hash: "%s", expires: 2020-01-01T00:00:00Z }
                providers:
                  - id: mock
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { m: m, other: other }
                """.formatted(serverExtra, INTERNAL_KEY, KeyHash.of(KEY), KeyHash.of(NARROW_KEY),
                KeyHash.of(DISABLED_KEY), KeyHash.of(EXPIRED_KEY), backend.url());
    }

    @BeforeEach
    void clear() {
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        backend.close();
        log.close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRequestWithoutAKeyIsRefusedWithTheOpenAiError(Protocol protocol) throws Exception {
        final int before = backend.requestCount();
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                CHAT);
        assertEquals(401, response.statusCode());
        final String body = Http.text(response);
        assertTrue(body.contains("\"type\":\"invalid_request_error\"") && body.contains("\"code\":\"missing_api_key\""),
                body);
        assertEquals(401, Http.get(protocol, gateways.uri(protocol, "/v1/models")).statusCode(),
                "the model list needs a key too");
        assertEquals(before, backend.requestCount(), "nothing reached the backend");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void wrongDisabledAndExpiredKeysAreRefusedWithoutRepeatingThem(Protocol protocol) throws Exception {
        final String wrong = KeyHash.newKey();
        for (String[] header : List.of(new String[] {"authorization", "Bearer " + wrong},
                new String[] {"x-api-key", wrong}, new String[] {"x-internal-auth", wrong},
                new String[] {"authorization", "Bearer " + DISABLED_KEY},
                new String[] {"authorization", "Bearer " + EXPIRED_KEY})) {
            final HttpResponse<byte[]> response = Http.post(protocol,
                    gateways.uri(protocol, "/v1/chat/completions"), CHAT, header);
            final String body = Http.text(response);
            assertEquals(401, response.statusCode(), body);
            assertTrue(body.contains("\"code\":\"invalid_api_key\""), body);
            assertFalse(body.contains(header[1].replace("Bearer ", "")), "the key is not repeated: " + body);
        }
        final String disabled = Http.text(Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), CHAT,
                "authorization", "Bearer " + DISABLED_KEY));
        assertTrue(disabled.contains("(paused) is disabled"), disabled);
        final String expired = Http.text(Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), CHAT,
                "x-api-key", EXPIRED_KEY));
        assertTrue(expired.contains("(old) expired"), expired);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aKeyInEitherHeaderIsLetInAndNamedByItsIdInTheRecord(Protocol protocol) throws Exception {
        for (String[] header : List.of(new String[] {"authorization", "Bearer " + KEY},
                new String[] {"x-api-key", KEY})) {
            final HttpResponse<byte[]> response = Http.post(protocol,
                    gateways.uri(protocol, "/v1/chat/completions"), CHAT, header);
            assertEquals(200, response.statusCode(), Http.text(response));
            final UsageRecord record = gateways.usage(protocol).takeFor(response);
            assertEquals("team-a", record.keyId());
            assertEquals("alice", record.userId());
            assertNull(backend.takeRequest().headers().get("x-api-key"), "the client's key is not sent on");
        }
        final HttpResponse<byte[]> internal = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                CHAT, "x-internal-auth", INTERNAL_KEY);
        assertEquals(200, internal.statusCode());
        assertEquals("internal", gateways.usage(protocol).takeFor(internal).keyId());
        final HttpResponse<String> models = protocol.client().send(HttpRequest.newBuilder(
                gateways.uri(protocol, "/v1/models")).header("x-api-key", KEY).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, models.statusCode());
        assertTrue(models.body().contains("\"id\":\"other\""), models.body());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aKeyMayUseOnlyItsAllowedModels(Protocol protocol) throws Exception {
        assertEquals(200, Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), CHAT,
                "authorization", "Bearer " + NARROW_KEY).statusCode());
        final HttpResponse<byte[]> refused = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                CHAT.replace("\"m\"", "\"other\""), "authorization", "Bearer " + NARROW_KEY);
        assertEquals(403, refused.statusCode());
        assertTrue(Http.text(refused).contains("\"code\":\"model_not_allowed\""), Http.text(refused));
        final UsageRecord record = gateways.usage(protocol).takeFor(refused);
        assertEquals(403, record.status());
        assertEquals("narrow", record.keyId());
        final String models = protocol.client().send(HttpRequest.newBuilder(gateways.uri(protocol, "/v1/models"))
                .header("authorization", "Bearer " + NARROW_KEY).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(models.contains("\"id\":\"m\"") && !models.contains("\"id\":\"other\""),
                "the list shows the models the key may use: " + models);
        for (String[] retrieve : List.of(new String[] {"m", "200"}, new String[] {"other", "404"})) {
            assertEquals(Integer.parseInt(retrieve[1]), protocol.client().send(HttpRequest.newBuilder(
                    gateways.uri(protocol, "/v1/models/" + retrieve[0])).header("x-api-key", NARROW_KEY).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "models.retrieve of " + retrieve[0]);
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void anAnthropicCallerGetsItsErrorsInTheAnthropicFormat(Protocol protocol) throws Exception {
        final String messages = "{\"model\":\"m\",\"max_tokens\":9,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        final HttpResponse<byte[]> refused = Http.post(protocol, gateways.uri(protocol, "/v1/messages"), messages,
                "x-api-key", KeyHash.newKey(), "anthropic-version", "2023-06-01");
        assertEquals(401, refused.statusCode());
        assertEquals("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\","
                + "\"message\":\"Incorrect API key provided.\"}}", Http.text(refused));
        final HttpResponse<byte[]> answered = Http.post(protocol, gateways.uri(protocol, "/v1/messages"), messages,
                "x-api-key", KEY, "anthropic-version", "2023-06-01");
        assertEquals(200, answered.statusCode(), Http.text(answered));
        assertTrue(Http.text(answered).startsWith("{\"id\":\"msg_"), Http.text(answered));
        final HttpResponse<byte[]> keyed = Http.post(protocol, gateways.uri(protocol, "/v1/messages/batches"),
                messages, "x-api-key", KEY, "anthropic-version", "2023-06-01");
        assertEquals(404, keyed.statusCode());
        assertTrue(Http.text(keyed).startsWith("{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\""),
                Http.text(keyed));
    }

    @Test
    void aWebSocketAuthenticatesEachRequestWithItsHandshakeKey() throws Exception {
        try (WsClient anonymous = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            anonymous.send(request("a1", "m"));
            final WebSocketMessage error = anonymous.next();
            assertEquals("UNAUTHORIZED", error.getError().getCode(), WsClient.json(error));
            assertEquals("a1", error.getError().getRequestId());
        }
        try (WsClient narrow = WsClient.open(gateways.port(Protocol.HTTP_1_1), "protobuf",
                "x-api-key", NARROW_KEY)) {
            narrow.send(request("n1", "other"));
            assertEquals("FORBIDDEN", narrow.next().getError().getCode());
            narrow.send(request("n2", "m"));
            assertTrue(narrow.next().getAck().getAccepted());
            assertEquals("n2", narrow.next().getResponse().getRequestId());
        }
        try (WsClient keyed = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json",
                "Authorization", "Bearer " + KEY)) {
            keyed.send(request("k1", "m"));
            assertTrue(keyed.next().getAck().getAccepted());
            keyed.next();
            UsageRecord record;
            do {
                record = gateways.usage(Protocol.HTTP_1_1).take();
            } while (!"/ws".equals(record.endpoint()) || "narrow".equals(record.keyId()));
            assertEquals("team-a", record.keyId(), "other tests' and the earlier socket's records come first");
        }
    }

    @Test
    void noKeyRawOrHashedReachesALogLineARecordOrAMetric() throws Exception {
        final List<UsageRecord> records = new ArrayList<>();
        for (String key : List.of(KEY, NARROW_KEY, DISABLED_KEY, KeyHash.newKey())) {
            final HttpResponse<byte[]> response = Http.post(Protocol.HTTP_1_1,
                    gateways.uri(Protocol.HTTP_1_1, "/v1/chat/completions"), CHAT, "authorization", "Bearer " + key);
            if (response.statusCode() == 200) {
                records.add(gateways.usage(Protocol.HTTP_1_1).takeFor(response));
            }
        }
        Http.post(Protocol.HTTP_1_1, gateways.uri(Protocol.HTTP_1_1, "/v1/chat/completions"), CHAT,
                "x-internal-auth", INTERNAL_KEY);
        final String metrics = Http.get(Protocol.HTTP_1_1, gateways.uri(Protocol.HTTP_1_1, "/metrics")).body();
        final List<String> secrets = new ArrayList<>();
        for (String key : List.of(KEY, NARROW_KEY, DISABLED_KEY, EXPIRED_KEY, INTERNAL_KEY)) {
            secrets.add(key);
            secrets.add(KeyHash.of(key).substring(KeyHash.PREFIX.length()));
        }
        final List<String> places = new ArrayList<>(log.allWithExceptions());
        records.forEach(record -> places.add(record.toString()));
        places.add(metrics);
        assertTrue(log.all().stream().anyMatch(line -> line.contains("team-a")), "the usage log names key ids");
        for (String place : places) {
            for (String secret : secrets) {
                assertFalse(place.contains(secret), "a key or its hash in: " + place);
            }
        }
    }

    private static WebSocketMessage request(String id, String model) {
        return WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId(id).setModel(model)
                .setUserPrompt("hi")).build();
    }
}
