package io.sluice.gateway.ws;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RawHttp;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.proto.Cancel;
import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.LLMResponse;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The WebSocket API with the JDK's WebSocket client, in both formats. */
class WebSocketTest {
    private static final String REPLY = "One two three four five six.";
    private static final String EVENT = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n";
    /** A chat completion chunk, as an OpenAI-compatible server names it: its stream is judged by OpenAI's end rules. */
    private static final String CHUNK = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n";

    private static ScriptedBackend backend;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start("""
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 2
                  websocket: { max_message_bytes: 64KiB, ping_interval: 300ms, ping_timeout: 300ms }
                usage: { log: false }
                providers:
                  - id: mock
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { m: m, fast: meta/llama-3 }
                  - id: brittle
                    type: vllm
                    endpoints: [ "%s" ]
                    models: { brittle: m }
                    timeouts: { idle: 300ms }
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 30ms, reply: "%s" }
                """.formatted(backend.url(), backend.url(), REPLY));
    }

    @BeforeEach
    void forgetEarlierTests() {
        backend.reset();
        gateway.usage().clear();
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    private static WebSocketMessage request(String id, String model, boolean stream) {
        return WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId(id).setModel(model)
                .setSystemPrompt("Be brief.").setUserPrompt("Count.").setStream(stream)).build();
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "protobuf"})
    void aStreamIsAckChunksAndAResponseWithUsage(String format) throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90));
        try (WsClient client = WsClient.open(gateway.port(), format)) {
            client.send(request("r1", "fast", true));
            final WebSocketMessage ack = client.next();
            assertTrue(ack.getAck().getAccepted(), ack.toString());
            assertEquals("r1", ack.getAck().getRequestId());
            final StringBuilder text = new StringBuilder();
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                assertEquals("r1", message.getChunk().getRequestId());
                text.append(message.getChunk().getContent());
            }
            final LLMResponse response = message.getResponse();
            assertTrue(text.toString().endsWith(" weather app."), text.toString());
            assertEquals("", response.getContent(), "a stream's text came in the chunks");
            assertEquals("stop", response.getFinishReason());
            assertEquals(14, response.getPromptTokens());
            assertEquals(30, response.getCompletionTokens());
            assertEquals(44, response.getTotalTokens());
            assertEquals(32, response.getTraceId().length());

            final RecordedRequest upstream = backend.takeRequest();
            assertEquals("/v1/chat/completions", upstream.uri());
            assertEquals("{\"model\":\"meta/llama-3\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    + "{\"role\":\"user\",\"content\":\"Count.\"}],\"stream\":true,\"stream_options\":"
                    + "{\"include_usage\":true}}", upstream.bodyText());
            final UsageRecord record = gateway.usage().take();
            assertEquals("/ws", record.endpoint());
            assertEquals(response.getTraceId(), record.requestId());
            assertEquals(44, record.totalTokens());
            assertTrue(record.stream());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"json", "protobuf"})
    void withoutStreamingTheWholeAnswerComesInOneResponse(String format) throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), format)) {
            client.send(request("r2", "demo", false));
            assertTrue(client.next().getAck().getAccepted());
            final WebSocketMessage message = client.next();
            assertTrue(message.hasResponse(), message.toString());
            assertEquals(REPLY, message.getResponse().getContent());
            assertEquals("stop", message.getResponse().getFinishReason());
            assertTrue(message.getResponse().getCompletionTokens() > 0);
            assertFalse(gateway.usage().take().stream());
        }
    }

    @Test
    void requestsOnOneSocketInterleaveAndEndSeparately() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(request("a", "demo", true));
            client.send(request("b", "demo", true));
            final Map<String, StringBuilder> texts = new HashMap<>();
            final Map<String, LLMResponse> responses = new HashMap<>();
            String lastChunkId = null;
            boolean interleaved = false;
            while (responses.size() < 2) {
                final WebSocketMessage message = client.next();
                if (message.hasChunk()) {
                    final String id = message.getChunk().getRequestId();
                    interleaved |= lastChunkId != null && !lastChunkId.equals(id);
                    lastChunkId = id;
                    texts.computeIfAbsent(id, k -> new StringBuilder()).append(message.getChunk().getContent());
                } else if (message.hasResponse()) {
                    responses.put(message.getResponse().getRequestId(), message.getResponse());
                }
            }
            assertTrue(interleaved, "the two streams' chunks interleaved");
            assertEquals(REPLY, texts.get("a").toString());
            assertEquals(REPLY, texts.get("b").toString());
            assertEquals(200, gateway.usage().take().status());
            assertEquals(200, gateway.usage().take().status());
        }
    }

    @Test
    void cancelStopsOneRequestAndItsBackend() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .endless(EVENT, Duration.ofMillis(10)).build());
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(request("long", "m", true));
            assertTrue(client.next().getAck().getAccepted());
            assertTrue(client.next().hasChunk());
            client.send(WebSocketMessage.newBuilder().setCancel(Cancel.newBuilder().setRequestId("long")).build());
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                assertEquals("long", message.getChunk().getRequestId());
            }
            assertEquals("cancelled", message.getResponse().getFinishReason());
            assertNotNull(backend.awaitClose(Duration.ofSeconds(10)), "the backend's connection was closed");
            assertEquals(499, gateway.usage().take().status());
            client.send(request("after", "demo", false));
            assertTrue(client.next().getAck().getAccepted(), "the socket goes on");
            assertEquals(REPLY, client.next().getResponse().getContent());
        }
    }

    @Test
    void closingTheSocketStopsEveryRequestsBackend() throws Exception {
        backend.respondAlways(Script.builder().head(200, "content-type", "text/event-stream")
                .endless(EVENT, Duration.ofMillis(10)).build());
        final WsClient client = WsClient.open(gateway.port(), "protobuf");
        client.send(request("x", "m", true));
        client.send(request("y", "m", true));
        backend.takeRequest();
        backend.takeRequest();
        client.close();
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)));
        assertEquals(499, gateway.usage().take().status());
        assertEquals(499, gateway.usage().take().status());
    }

    @Test
    void aSocketThatIsNotReadHoldsTheBackendBack() throws Exception {
        backend.enqueue(Script.builder().head(200, "content-type", "text/event-stream")
                .floodChat(256L << 20, 16 << 10).build());
        try (WsClient client = WsClient.open(gateway.port(), "protobuf")) {
            client.send(request("flood", "m", true));
            assertTrue(client.next().getAck().getAccepted());
            client.stopReading();
            // The client reads nothing more; give a gateway that ignored the socket time to pull far ahead.
            Thread.sleep(1500);
            final long lead = backend.floodedBytes();
            System.out.printf("with the socket unread the backend got %.1f MiB ahead%n", lead / 1048576.0);
            assertTrue(lead < 24L << 20, "the backend ran " + lead + " bytes ahead");
        }
        assertNotNull(backend.awaitClose(Duration.ofSeconds(10)), "closing the socket closed the backend");
        assertEquals(499, gateway.usage().take().status());
    }

    @Test
    void refusedRequestsAreAckedWithTheReason() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(request("u", "no-such-model", true));
            assertEquals("NOT_FOUND", client.next().getAck().getErrorCode());
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("e")
                    .setModel("demo")).build());
            assertEquals("INVALID_REQUEST", client.next().getAck().getErrorCode());
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("t")
                    .setModel("demo").setUserPrompt("x").setTools("[not json")).build());
            assertTrue(client.next().getAck().getErrorMessage().startsWith("tools is not valid JSON"));
            client.send(request("d", "demo", true));
            client.send(request("d", "demo", true));
            assertTrue(client.next().getAck().getAccepted());
            assertEquals("a request with this request_id is still running", client.next().getAck().getErrorMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"stall", "cut", "no final event"})
    void aStreamThatBreaksAfterItsFirstChunksEndsWithAnErrorNeverAResponse(String fault) throws Exception {
        final Script.Builder script = Script.builder().head(200, "content-type", "text/event-stream")
                .body(CHUNK + CHUNK, 7, Duration.ZERO);
        switch (fault) {
            case "stall" -> script.stall();
            case "cut" -> script.pause(Duration.ofMillis(50)).close();
            default -> script.end();
        }
        backend.enqueue(script.build());
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(request("b", "brittle", true));
            assertTrue(client.next().getAck().getAccepted());
            assertEquals("x", client.next().getChunk().getContent());
            assertEquals("x", client.next().getChunk().getContent());
            final WebSocketMessage error = client.next();
            assertTrue(error.hasError(), "not a response that looks whole: " + error);
            assertEquals("b", error.getError().getRequestId());
            assertEquals(switch (fault) {
                case "stall" -> "The backend sent nothing for 300ms.";
                case "cut" -> "The backend closed the connection before the response was complete.";
                default -> "The backend ended the stream before its final event.";
            }, error.getError().getMessage());
            assertEquals(fault.equals("stall") ? "TIMEOUT" : "PROVIDER_ERROR", error.getError().getCode());
            assertEquals(fault.equals("stall") ? 504 : 502, gateway.usage().take().status());
        }
    }

    @Test
    void aBackendErrorIsAnErrorMessage() throws Exception {
        backend.respondAlways(Script.json(429, WireSamples.bytes("openai_error_429_rate_limit.json")));
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("q")
                    .setModel("m").addMessages(ChatMessage.newBuilder().setRole("user").setContent("hi"))).build());
            assertTrue(client.next().getAck().getAccepted());
            final WebSocketMessage error = client.next();
            assertEquals("q", error.getError().getRequestId());
            assertEquals("RATE_LIMIT", error.getError().getCode());
            assertTrue(error.getError().getMessage().startsWith("Rate limit reached"), error.toString());
            assertEquals(429, gateway.usage().take().status());
        }
    }

    @Test
    void aMalformedMessageGetsAnErrorForItsRequestIdAndTheSocketStaysOpen() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.sendText("{\"request\":{\"request_id\":\"bad-1\",\"model\":\"demo\",\"max_tokens\":\"many\"}}");
            final WebSocketMessage error = client.next();
            assertEquals("bad-1", error.getError().getRequestId());
            assertEquals("INVALID_REQUEST", error.getError().getCode());
            assertTrue(error.getError().getMessage().contains("max_tokens"), error.toString());
            client.sendText("not json at all");
            assertEquals("", client.next().getError().getRequestId());
            // A key pasted without quotes: the error says what and where, never the token it choked on.
            client.sendText("{\"request\":{\"request_id\":\"bad-2\",\"api_key\":sk-live-4f8a2b9c}}");
            final String unquoted = client.next().getError().getMessage();
            assertFalse(unquoted.contains("sk-live"), unquoted);
            assertFalse(unquoted.contains("Source") || unquoted.contains("jackson"), unquoted);
            assertTrue(unquoted.contains("not valid JSON: unexpected character at line 1, column"), unquoted);
            client.send(request("good", "demo", false));
            assertTrue(client.next().getAck().getAccepted());
            assertEquals(REPLY, client.next().getResponse().getContent());
        }
        try (WsClient client = WsClient.open(gateway.port(), "protobuf")) {
            final byte[] valid = request("cut-7", "demo", false).toByteArray();
            client.sendBinary(Arrays.copyOf(valid, valid.length - 3));
            assertEquals("INVALID_REQUEST", client.next().getError().getCode());
            assertTrue(client.isOpen());
        }
    }

    @Test
    void aFrameOfTheWrongTypeClosesWith1003() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.sendBinary(request("x", "demo", true).toByteArray());
            assertEquals(1003, client.awaitClose().code());
        }
    }

    @Test
    void anOversizedMessageClosesWith1009() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("big")
                    .setModel("demo").setUserPrompt("x".repeat(80_000))).build());
            assertEquals(1009, client.awaitClose().code());
        }
    }

    /**
     * Raw frames, as a hostile client sends them: one frame far over the limit, still arriving when the gateway
     * refuses it, and a header declaring 2^62 bytes. Each gets a close frame with 1009 and then a clean end of the
     * stream, never a reset.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"a 4 MiB frame", "a 2^62-byte header"})
    void aFrameOverTheLimitGetsClose1009NotAReset(String kind) throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /ws?format=json HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                    + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
            assertTrue(client.readUntil("\r\n\r\n", 1).startsWith("HTTP/1.1 101 "));
            final long length = kind.startsWith("a 4") ? 4L << 20 : 1L << 62;
            final ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x81);
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) (length >>> shift) & 0xff);
            }
            frame.write(new byte[] {1, 2, 3, 4});
            client.send(frame.toByteArray());
            final byte[] payload = new byte[64 * 1024];
            try {
                for (int i = 0; i < 64 && client.input().available() == 0; i++) {
                    client.send(payload);
                }
            } catch (IOException stopped) {
                // The gateway stopped reading once it had answered: what matters is what it sent.
            }
            final byte[] close = client.input().readNBytes(4);
            assertEquals(0x88, close[0] & 0xff, "a close frame");
            assertEquals(1009, ((close[2] & 0xff) << 8) | (close[3] & 0xff));
            client.input().readNBytes((close[1] & 0x7f) - 2);
            assertEquals(-1, client.input().read(), "then the end of the stream, not a reset");
        }
    }

    @Test
    void garbageAfterTheHandshakeGetsClose1002AndReachesNoBackend() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /ws?format=json HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                    + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
            assertTrue(client.readUntil("\r\n\r\n", 1).startsWith("HTTP/1.1 101 "));
            // Not a frame at all: an HTTP request, unmasked, as a confused client would send it.
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\n\r\n{\"model\":\"demo\"}");
            final byte[] close = client.input().readNBytes(4);
            assertEquals(0x88, close[0] & 0xff, "a close frame");
            assertEquals(1002, ((close[2] & 0xff) << 8) | (close[3] & 0xff));
            client.input().readNBytes((close[1] & 0x7f) - 2);
            assertEquals(-1, client.input().read(), "then the end of the stream");
        }
        assertEquals(0, backend.requestCount());
    }

    @Test
    void theServerPingsAndAClientThatAnswersStaysConnected() throws Exception {
        try (WsClient client = WsClient.open(gateway.port(), "json")) {
            while (client.pings() < 3) {
                assertTrue(client.isOpen(), "the socket stayed open");
                Thread.onSpinWait();
            }
            assertTrue(client.isOpen());
        }
    }

    @Test
    void aClientThatNeverAnswersPingsIsClosedWith1011() throws Exception {
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                    + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
            assertTrue(client.readUntil("\r\n\r\n", 1).startsWith("HTTP/1.1 101 Switching Protocols"));
            final InputStream in = client.input();
            assertEquals(0x89, in.read(), "a ping frame");
            in.skip(in.read());
            assertEquals(0x88, in.read(), "then, unanswered, a close frame");
            in.read();
            assertEquals(1011, (in.read() << 8) | in.read());
        }
    }

    @Test
    void theHandshakeIsCheckedFirst() throws Exception {
        final HttpResponse<String> plain = Http.get(gateway.uri("/ws"));
        assertEquals(426, plain.statusCode());
        assertTrue(plain.body().contains("\"code\":\"upgrade_required\""), plain.body());
        try (RawHttp client = new RawHttp(gateway.port())) {
            client.send("GET /ws?format=xml HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                    + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n");
            assertTrue(client.readUntil("}}", 1).startsWith("HTTP/1.1 400 Bad Request"));
            client.send("GET /ws?format=json HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                    + "sec-websocket-version: 13\r\n\r\n");
            final String noKey = client.readUntil("}}", 1);
            assertTrue(noKey.startsWith("HTTP/1.1 400 Bad Request") && noKey.contains("Sec-WebSocket-Key"), noKey);
            client.send("GET /ws?format=json HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: Upgrade\r\n"
                    + "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\norigin: http://x\r\n\r\n"
                    + "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            final String rest = client.readToClose();
            assertTrue(rest.startsWith("HTTP/1.1 426 ") && rest.toLowerCase().contains("sec-websocket-version: 13"),
                    "no version is not the draft-00 handshake: " + rest);
            assertTrue(rest.contains("HTTP/1.1 200 OK"), "the request behind it is answered: " + rest);
        }
    }
}
