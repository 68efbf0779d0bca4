package io.sluice.gateway.proxy;

import io.sluice.gateway.testing.Await;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.TestCertificates;
import io.sluice.gateway.usage.UsageRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every failure gets the right status and an OpenAI-format body before the first response byte, and a terminal
 * {@code data:} error event (never a {@code [DONE]}) after it. Nothing malformed reaches the backend.
 */
class ErrorsTest {
    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
    private static final String STREAM = "{\"model\":\"m\",\"stream\":true}";
    /** A chat completion chunk, as an OpenAI-compatible server names it: its stream is judged by OpenAI's end rules. */
    private static final String CHUNK = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n";

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        final int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        final String config = """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                  max_request_bytes: 1KiB
                %3$s
                usage:
                  log: false
                routing:
                  hold_body_bytes: 1KiB
                providers:
                  - id: mock
                    type: vllm
                    endpoints: [ "%1$s" ]
                    models: { m: m }
                    timeouts: { first_byte: 300ms, idle: 300ms, total: 2s }
                  - id: dead
                    type: vllm
                    endpoints: [ "http://127.0.0.1:%2$d" ]
                    models: { dead-model: dead-model }
                  - id: tiny
                    type: vllm
                    endpoints: [ "%1$s" ]
                    models: { tiny-model: tiny-model }
                    pool: { max_connections: 1, max_waiters: 0 }
                  - id: narrow
                    type: vllm
                    endpoints: [ "%1$s" ]
                    models: { narrow-model: narrow-model }
                    pool: { max_connections: 1, max_waiters: 4 }
                    timeouts: { connect: 10s }
                routes:
                  - model: narrow-quick
                    targets: [ { provider: narrow, model: narrow-model } ]
                    timeouts: { total: 500ms }
                  - model: narrow-impatient
                    targets: [ { provider: narrow, model: narrow-model } ]
                    timeouts: { connect: 300ms, total: 5s }
                """;
        gateways = ProtocolGateways.forConfig(config.formatted(backend.url(), deadPort, ""),
                config.formatted(backend.url(), deadPort, TestCertificates.serverTlsYaml()));
    }

    @BeforeEach
    void forgetEarlierTests() {
        backend.reset();
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        backend.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"model\":", "[\"model\"]", "{\"model\":\"m\"} trailing", "", "{\"model\":\"m\",}"})
    void malformedJsonIs400AndNeverForwarded(String body) throws Exception {
        for (Protocol protocol : Protocol.values()) {
            malformedJsonIs400(protocol, body);
        }
    }

    private void malformedJsonIs400(Protocol protocol, String body) throws Exception {
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                body);
        assertEquals(400, response.statusCode());
        assertTrue(Http.text(response).startsWith("{\"error\":{\"message\":\"The request body "), Http.text(response));
        assertTrue(Http.text(response).endsWith("\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"invalid_json\"}}"), Http.text(response));
        assertEquals(0, backend.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aMissingModelIs400AndAnUnknownOne404(Protocol protocol) throws Exception {
        final HttpResponse<byte[]> missing = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), "{\"stream\":true}");
        assertEquals(400, missing.statusCode());
        assertEquals("{\"error\":{\"message\":\"You must provide a model parameter.\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"missing_model\"}}", Http.text(missing));
        final HttpResponse<byte[]> empty = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"\"}");
        assertEquals(400, empty.statusCode(), "an empty model is none");
        assertTrue(Http.text(empty).contains("\"code\":\"missing_model\""), Http.text(empty));
        final HttpResponse<byte[]> unknown = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), "{\"model\":\"gpt-9\"}");
        assertEquals(404, unknown.statusCode());
        assertEquals("{\"error\":{\"message\":\"The model `gpt-9` does not exist or you do not have access to it.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}", Http.text(unknown));
        assertEquals(0, backend.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void unknownPathsAre404AndWrongMethods405(Protocol protocol) throws Exception {
        final HttpResponse<String> notFound = Http.get(protocol, gateways.uri(protocol, "/v1/nothing"));
        assertEquals(404, notFound.statusCode());
        assertEquals("{\"error\":{\"message\":\"Invalid URL (GET /v1/nothing).\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":\"not_found\"}}", notFound.body());
        final HttpResponse<String> wrongMethod = Http.get(protocol, gateways.uri(protocol, "/v1/chat/completions"));
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("allow").orElseThrow());
        final HttpResponse<byte[]> postModels = Http.post(protocol, gateways.uri(protocol, "/v1/models"), "{}");
        assertEquals(405, postModels.statusCode());
        assertEquals("application/json", postModels.headers().firstValue("content-type").orElseThrow());
        assertEquals("GET, HEAD", postModels.headers().firstValue("allow").orElseThrow());
        for (String path : new String[] {"/health", "/v1/models"}) {
            final HttpResponse<String> head = protocol.client().send(HttpRequest.newBuilder(gateways.uri(protocol,
                    path)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode(), "HEAD wherever GET: " + path);
            assertEquals("", head.body());
        }
    }

    @Test
    void aDeclaredLengthOverTheLimitIs413BeforeTheBodyIsRead() throws Exception {
        try (RawHttp client = new RawHttp(gateways.port(Protocol.HTTP_1_1))) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: 5000\r\n\r\n{\"model\":\"m\"");
            final String response = client.readToClose();
            assertTrue(response.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), response);
            assertTrue(response.contains("connection: close\r\n"), response);
            assertTrue(response.endsWith("\"code\":\"request_too_large\"}}"), response);
        }
        assertEquals(0, backend.requestCount());
    }

    @Test
    void aChunkedBodyIsCountedAsItArrivesAnd413EndsItEarly() throws Exception {
        try (RawHttp client = new RawHttp(gateways.port(Protocol.HTTP_1_1))) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n");
            final String piece = "{\"model\":\"m\",\"messages\":\"" + "x".repeat(600);
            client.send(Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n");
            client.send(Integer.toHexString(piece.length()) + "\r\n" + piece + "\r\n");
            final String response = client.readToClose();
            assertTrue(response.startsWith("HTTP/1.1 413 "), response);
        }
        assertEquals(0, backend.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRefusedConnectionIs502(Protocol protocol) throws Exception {
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"dead-model\"}");
        assertEquals(502, response.statusCode());
        assertTrue(Http.text(response).contains("\"code\":\"upstream_unavailable\""), Http.text(response));
        final UsageRecord record = gateways.usage(protocol).takeFor(response);
        assertEquals(502, record.status());
        assertEquals("dead", record.provider());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aResetBeforeTheFirstByteIs502(Protocol protocol) throws Exception {
        backend.respondAlways(Script.builder().reset().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(502, response.statusCode());
        assertEquals(2, backend.requestCount(), "tried again once, as the route's policy says");
        assertEquals(List.of("reset", "reset"), gateways.usage(protocol).takeFor(response).attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList());
        assertTrue(Http.text(response).contains("\"code\":\"upstream_failed\""), Http.text(response));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aMalformedResponseIs502(Protocol protocol) throws Exception {
        backend.respondAlways(Script.builder().raw("NOT HTTP AT ALL\r\n\r\n").close().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(502, response.statusCode());
        assertEquals(502, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aSilentBackendIs504(Protocol protocol) throws Exception {
        backend.respondAlways(Script.builder().stall().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(504, response.statusCode());
        assertEquals("{\"error\":{\"message\":\"The backend did not start answering within 300ms.\","
                + "\"type\":\"timeout_error\",\"param\":null,\"code\":\"upstream_timeout\"}}", Http.text(response));
        assertEquals(504, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamThatGoesSilentEndsWithAnErrorEventAndNoDone(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT + EVENT, 7, Duration.ZERO).stall().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(200, response.statusCode());
        assertEquals(EVENT + EVENT + "data: {\"error\":{\"message\":\"The backend sent nothing for 300ms.\","
                + "\"type\":\"timeout_error\",\"param\":null,\"code\":\"upstream_timeout\"}}\n\n", Http.text(response));
        assertEquals(504, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamCutMidEventDropsTheHalfEventAndEndsWithAnErrorEvent(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(EVENT + EVENT.substring(0, 20), 9, Duration.ZERO).pause(Duration.ofMillis(50)).close().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(EVENT + "data: {\"error\":{\"message\":\"The backend closed the connection before the response "
                + "was complete.\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_failed\"}}\n\n",
                Http.text(response));
        assertFalse(Http.text(response).contains("[DONE]"));
        assertEquals(502, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamThatEndsCleanlyBeforeItsFinalEventEndsWithAnErrorEvent(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(CHUNK + CHUNK + CHUNK.substring(0, 20), 7, Duration.ZERO).end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(200, response.statusCode());
        assertEquals(CHUNK + CHUNK + "data: {\"error\":{\"message\":\"The backend ended the stream before its final "
                + "event.\",\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_failed\"}}\n\n",
                Http.text(response), "no [DONE] and no finish reason: cut short, however cleanly it closed");
        assertEquals(502, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamWithAFinishReasonAndNoDoneIsWholeAndRelayedAsItCame(Protocol protocol) throws Exception {
        final String stream = CHUNK + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n";
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .body(stream, 7, Duration.ZERO).end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        assertEquals(stream, Http.text(response));
        assertEquals(200, gateways.usage(protocol).takeFor(response).status());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamOverItsTotalTimeEndsWithAnErrorEvent(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .endless(EVENT, Duration.ofMillis(50)).build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM);
        final String text = Http.text(response);
        assertTrue(text.startsWith(EVENT), text);
        assertTrue(text.endsWith("data: {\"error\":{\"message\":\"The request took longer than its limit of 2s.\","
                + "\"type\":\"timeout_error\",\"param\":null,\"code\":\"upstream_timeout\"}}\n\n"), text);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aJsonAnswerCutShortIsTriedAgainThenA502NeverHalfADocument(Protocol protocol) throws Exception {
        backend.respondAlways(Script.builder().fixedHead(200, 100, "content-type", "application/json")
                .body("{\"id\":\"x\",").pause(Duration.ofMillis(50)).close().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}");
        assertEquals(502, response.statusCode());
        assertEquals("{\"error\":{\"message\":\"The backend closed the connection before the response was complete.\","
                + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_failed\"}}", Http.text(response));
        assertEquals(2, backend.requestCount(), "tried again once, as the route's policy says");
        assertEquals(List.of("reset", "reset"), gateways.usage(protocol).takeFor(response).attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aJsonAnswerCutShortOnceIsAnsweredByTheNextAttempt(Protocol protocol) throws Exception {
        final String answer = "{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}";
        backend.enqueue(Script.builder().fixedHead(200, 100, "content-type", "application/json")
                        .body("{\"id\":\"x\",").pause(Duration.ofMillis(50)).close().build(),
                Script.builder().fixedHead(200, answer.length(), "content-type", "application/json")
                        .body(answer, 9, Duration.ofMillis(5)).end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}");
        assertEquals(200, response.statusCode());
        assertEquals(answer, Http.text(response));
        assertEquals(List.of("reset", "200"), gateways.usage(protocol).takeFor(response).attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aJsonAnswerLargerThanTheHoldIsRelayedAsItComesAndItsCutNeverLooksComplete(Protocol protocol)
            throws Exception {
        final String answer = "{\"data\":\"" + "x".repeat(3000) + "\"}";
        backend.enqueue(Script.builder().fixedHead(200, answer.length(), "content-type", "application/json")
                .body(answer, 500, Duration.ofMillis(5)).end().build());
        final HttpResponse<byte[]> whole = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}");
        assertEquals(200, whole.statusCode());
        assertEquals(answer, Http.text(whole));

        backend.enqueue(Script.builder().fixedHead(200, answer.length(), "content-type", "application/json")
                .body(answer.substring(0, 2000)).pause(Duration.ofMillis(50)).close().build());
        assertThrows(IOException.class, () -> Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}"));
        assertEquals(2, backend.requestCount(), "past the hold the answer has started: nothing is tried again");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aJsonAnswerPastTheHoldThatGoesSilentIsCutAtTheIdleLimit(Protocol protocol) throws Exception {
        final String answer = "{\"data\":\"" + "x".repeat(3000) + "\"}";
        backend.enqueue(Script.builder().fixedHead(200, answer.length(), "content-type", "application/json")
                .body(answer.substring(0, 2000)).stall().build());
        gateways.usage(protocol).clear();
        assertThrows(IOException.class, () -> Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}"));
        UsageRecord record;
        do {
            record = gateways.usage(protocol).take();
        } while (record.status() != 504);
        // The idle limit (300 ms) cut it, not the total (2 s): silence counts from the answer's first byte.
        assertTrue(record.durationMs() < 2000, record.durationMs() + " ms");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aWaitForAConnectionEndsWithTheRequestsTotalTime(Protocol protocol) throws Exception {
        final CompletableFuture<HttpResponse<InputStream>> first = takeTheOnlyConnection(protocol, "narrow-model");
        final long start = System.nanoTime();
        final HttpResponse<byte[]> second = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"narrow-quick\"}");
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, second.statusCode());
        assertTrue(Http.text(second).contains("longer than its limit of 500ms"), Http.text(second));
        assertTrue(millis < 5_000, "the route's total, not the 10 s connect timeout: " + millis + " ms");
        first.get().body().close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRoutesConnectLimitBoundsEachAttemptsWaitForAConnection(Protocol protocol) throws Exception {
        final CompletableFuture<HttpResponse<InputStream>> first = takeTheOnlyConnection(protocol, "narrow-model");
        final HttpResponse<byte[]> second = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"narrow-impatient\"}");
        assertEquals(504, second.statusCode());
        assertTrue(Http.text(second).contains("No connection to the backend within 300ms."), Http.text(second));
        assertEquals(List.of("connect", "connect"), gateways.usage(protocol).takeFor(second).attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList(), "each attempt waited 300 ms, under the 5 s total");
        first.get().body().close();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aFullPoolWithNoRoomToWaitIs503(Protocol protocol) throws Exception {
        final CompletableFuture<HttpResponse<InputStream>> first = takeTheOnlyConnection(protocol, "tiny-model");
        final HttpResponse<byte[]> second = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"tiny-model\"}");
        assertEquals(503, second.statusCode());
        assertTrue(Http.text(second).contains("\"code\":\"upstream_busy\""), Http.text(second));
        first.get().body().close();
    }

    /** Starts a stream of {@code model} that holds its provider's one connection until its body is closed. */
    private static CompletableFuture<HttpResponse<InputStream>> takeTheOnlyConnection(Protocol protocol, String model)
            throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream").body(EVENT).stall().build());
        final AtomicReference<CompletableFuture<HttpResponse<InputStream>>> taken = new AtomicReference<>();
        // The slot of the previous test's stream is given back once its connection has closed: soon.
        Await.until("the provider's one connection is free", () -> {
            final CompletableFuture<HttpResponse<InputStream>> stream = protocol.client().sendAsync(
                    Http.postRequest(gateways.uri(protocol, "/v1/chat/completions"),
                            "{\"model\":\"" + model + "\",\"stream\":true}"),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (stream.get().statusCode() == 503) {
                stream.get().body().close();
                return false;
            }
            taken.set(stream);
            return true;
        });
        assertEquals(200, taken.get().get().statusCode(), "the provider's one connection is taken");
        return taken.get();
    }
}
