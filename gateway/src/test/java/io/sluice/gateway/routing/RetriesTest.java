package io.sluice.gateway.routing;

import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.testing.RawHttp;
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
import org.junit.jupiter.params.provider.ValueSource;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failures before the first byte, as a model farm and a cloud API produce them, on every front: each is tried again
 * on another endpoint of the target and then on the next target, within the route's budget; client errors come back
 * at once; with no attempt left the client gets the last backend error; and the answer names who served it.
 */
class RetriesTest {
    private static final String CONTEXT_TOO_LONG = "{\"error\":{\"message\":\"This model's maximum context length is "
            + "8192 tokens. However, your messages resulted in 9000 tokens.\",\"type\":\"invalid_request_error\","
            + "\"param\":\"messages\",\"code\":\"context_length_exceeded\"}}";
    private static final String CONTENT_POLICY = "{\"error\":{\"message\":\"Your request was rejected as a result of "
            + "our safety system.\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"content_policy_violation\"}}";
    private static final String RATE_LIMITED = "{\"error\":{\"message\":\"Rate limit reached for requests\","
            + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}";

    private static ScriptedBackend farmA;
    private static ScriptedBackend farmB;
    private static ScriptedBackend cloud;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        farmA = ScriptedBackend.start();
        farmB = ScriptedBackend.start();
        cloud = ScriptedBackend.start();
        final int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        gateways = ProtocolGateways.forConfig(config("", deadPort),
                config(TestCertificates.serverTlsYaml(), deadPort));
    }

    private static String config(String serverExtra, int deadPort) {
        return """
                server:
                  host: 127.0.0.1
                  port: 0
                  threads: 1
                %s
                usage: { log: false }
                providers:
                  - id: farm
                    type: vllm
                    endpoints: [ "%s", "%s" ]
                  - id: solo
                    type: vllm
                    endpoints: [ "%s" ]
                    timeouts: { first_byte: 500ms }
                  - id: hasty
                    type: vllm
                    endpoints: [ "%s" ]
                    timeouts: { first_byte: 500ms, total: 800ms }
                  - id: half-dead
                    type: vllm
                    endpoints: [ "http://127.0.0.1:%d", "%s" ]
                    # Left in rotation, so that the test sees where the selector's turn falls.
                    health: { consecutive_failures: 1000, probe: { enabled: false } }
                  - id: cloud
                    type: openai
                    endpoints: [ "%s" ]
                routes:
                  - model: llama
                    targets:
                      - { provider: farm, model: llama-8b }
                      - { provider: cloud, model: gpt-4o-mini }
                  - model: strict
                    targets:
                      - { provider: farm, model: llama-8b }
                      - { provider: cloud, model: gpt-4o-mini }
                    retry: { context_fallback: false }
                  - model: one
                    targets: [ { provider: solo, model: llama-8b } ]
                  - model: hasty
                    targets: [ { provider: hasty, model: llama-8b } ]
                  - model: prompt
                    targets: [ { provider: farm, model: llama-8b } ]
                    timeouts: { first_byte: 300ms, total: 5s }
                  - model: some-dead
                    targets: [ { provider: half-dead, model: llama-8b } ]
                  - model: cloud-only
                    targets: [ { provider: cloud, model: gpt-4o-mini } ]
                  - model: cloud-brisk
                    targets: [ { provider: cloud, model: gpt-4o-mini } ]
                    retry: { max_wait: 1s }
                """.formatted(serverExtra, farmA.url(), farmB.url(), farmA.url(), farmA.url(), deadPort, farmA.url(),
                        cloud.url());
    }

    @BeforeEach
    void forgetEarlierTests() {
        farmA.reset();
        farmB.reset();
        cloud.reset();
        gateways.clearUsage();
    }

    @AfterAll
    static void stop() throws Exception {
        gateways.close();
        farmA.close();
        farmB.close();
        cloud.close();
    }

    private static HttpResponse<byte[]> ask(Protocol protocol, String model) throws Exception {
        return Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    private static Script ok() {
        return Script.json(200, WireSamples.bytes("openai_chat_nonstream.json"));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aServerErrorOnceIsTriedAgainOnTheOnlyEndpoint(Protocol protocol) throws Exception {
        farmA.enqueue(Script.json(500, "{\"error\":{\"message\":\"oops\"}}"), ok());
        final HttpResponse<byte[]> response = ask(protocol, "one");
        assertEquals(200, response.statusCode(), Http.text(response));
        assertEquals(2, farmA.requestCount());
        assertEquals("solo", response.headers().firstValue("x-sluice-provider").orElseThrow());
        assertOutcomes(protocol, response, "500", "200");
    }

    /** The outcomes of the attempts in the usage record of the request that got {@code response}. */
    private static void assertOutcomes(Protocol protocol, HttpResponse<?> response, String... outcomes)
            throws InterruptedException {
        assertEquals(List.of(outcomes), gateways.usage(protocol).takeFor(response).attempts().stream()
                .map(UsageRecord.Attempt::outcome).toList());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void a429OnceIsTriedAgain(Protocol protocol) throws Exception {
        farmA.enqueue(Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type", "application/json",
                "retry-after", "1").body(RATE_LIMITED).end().build(), ok());
        final HttpResponse<byte[]> response = ask(protocol, "one");
        assertEquals(200, response.statusCode());
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "429", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRetryToTheEndpointThatSaidRetryAfterWaitsThatLong(Protocol protocol) throws Exception {
        cloud.enqueue(Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type", "application/json",
                "retry-after", "1").body(RATE_LIMITED).end().build(), ok());
        final long start = System.nanoTime();
        final HttpResponse<byte[]> response = ask(protocol, "cloud-only");
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertTrue(millis >= 1_000, "the only endpoint asked for a second's rest: " + millis + " ms");
        assertEquals(2, cloud.requestCount());
        assertOutcomes(protocol, response, "429", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRetryAfterLongerThanTheFirstByteLimitIsNotWaitedFor(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type",
                "application/json", "retry-after", "3").body(RATE_LIMITED).end().build());
        final long start = System.nanoTime();
        final HttpResponse<byte[]> response = ask(protocol, "one");
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(429, response.statusCode());
        assertEquals("3", response.headers().firstValue("retry-after").orElseThrow(), "the client is told");
        assertTrue(millis < 2_500, "3 s is within max_wait but past provider solo's 500 ms first_byte: " + millis);
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "429", "429");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRetryAfterLongerThanTheRoutesMaxWaitIsNotWaitedFor(Protocol protocol) throws Exception {
        cloud.enqueue(Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type", "application/json",
                "retry-after", "3").body(RATE_LIMITED).end().build(), ok());
        final long start = System.nanoTime();
        final HttpResponse<byte[]> response = ask(protocol, "cloud-brisk");
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, response.statusCode());
        assertTrue(millis < 2_500, "3 s is past the route's max_wait of 1 s: tried again at once, " + millis + " ms");
        assertOutcomes(protocol, response, "429", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aResetBeforeTheHeadIsTriedAgain(Protocol protocol) throws Exception {
        farmA.enqueue(Script.builder().reset().build(), ok());
        final HttpResponse<byte[]> response = ask(protocol, "one");
        assertEquals(200, response.statusCode());
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "reset", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aBackendThatNeverAnswersIsLeftAfterTheFirstByteTimeout(Protocol protocol) throws Exception {
        farmA.enqueue(Script.builder().stall().build(), ok());
        final HttpResponse<byte[]> response;
        try (LogCapture warnings = new LogCapture("io.sluice.gateway.proxy.UpstreamCall")) {
            response = ask(protocol, "one");
            final String requestId = response.headers().firstValue("x-request-id").orElseThrow();
            assertEquals("request " + requestId + " timed out (first_byte) on " + farmA.url() + "/v1"
                    + ": The backend did not start answering within 500ms.", warnings.next());
        }
        assertEquals(200, response.statusCode());
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "timeout", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamWhoseFirstTokenIsLateIsTriedAgainUnseen(Protocol protocol) throws Exception {
        final byte[] stream = WireSamples.bytes("openai_chat_stream_usage.txt");
        farmA.enqueue(Script.builder().head(200, "content-type", "text/event-stream").pause(Duration.ofSeconds(20))
                .body(stream, 100, Duration.ZERO).end().build(), Script.sse(stream, 100));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"one\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, response.statusCode());
        assertEquals(new String(stream), Http.text(response), "only the second attempt's stream reached the client");
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "timeout", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStreamThatEndsBeforeItsFirstEventIsTriedAgainUnseen(Protocol protocol) throws Exception {
        final byte[] stream = WireSamples.bytes("openai_chat_stream_usage.txt");
        farmA.enqueue(Script.builder().head(200, "content-type", "text/event-stream").end().build(),
                Script.sse(stream, 100));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"one\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, response.statusCode());
        assertEquals(new String(stream), Http.text(response), "only the second attempt's stream reached the client");
        assertEquals(2, farmA.requestCount());
        assertOutcomes(protocol, response, "reset", "200");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void anEndpointThatCannotBeReachedIsPassedOver(Protocol protocol) throws Exception {
        farmA.respondAlways(ok());
        int passedOver = 0;
        for (int i = 0; i < 4; i++) {
            final HttpResponse<byte[]> response = ask(protocol, "some-dead");
            assertEquals(200, response.statusCode(), Http.text(response));
            final List<UsageRecord.Attempt> attempts = gateways.usage(protocol).takeFor(response).attempts();
            if (attempts.size() == 2) {
                assertEquals("connect", attempts.get(0).outcome());
                passedOver++;
            }
        }
        assertEquals(4, farmA.requestCount(), "every request reached the live endpoint");
        assertEquals(2, passedOver, "a retry does not move the round-robin turn: the dead endpoint is first choice "
                + "every other request, not every time");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aTargetWhoseEndpointsAllFailGivesWayToTheNextTarget(Protocol protocol) throws Exception {
        final Script unavailable = Script.json(503, "{\"error\":{\"message\":\"overloaded\"}}");
        farmA.respondAlways(unavailable);
        farmB.respondAlways(unavailable);
        cloud.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 200));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"llama\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, response.statusCode());
        assertEquals(new String(WireSamples.bytes("openai_chat_stream_usage.txt")), Http.text(response));
        assertEquals("cloud", response.headers().firstValue("x-sluice-provider").orElseThrow());
        assertEquals("gpt-4o-mini", response.headers().firstValue("x-sluice-model").orElseThrow());
        assertEquals(1, farmA.requestCount(), "each endpoint of the farm was tried once");
        assertEquals(1, farmB.requestCount());
        assertEquals("{\"model\":\"gpt-4o-mini\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                cloud.takeRequest().bodyText(), "the fallback gets its own model name");
        final UsageRecord record = gateways.usage(protocol).takeFor(response);
        assertEquals("cloud", record.provider());
        assertEquals("gpt-4o-mini", record.backendModel());
        assertEquals(112, record.totalTokens());
        assertEquals(3, record.attempts().size(), record.attempts().toString());
        assertEquals(Set.of(farmA.url() + "/v1", farmB.url() + "/v1"), Set.of(record.attempts().get(0).backendUrl(),
                record.attempts().get(1).backendUrl()), "two endpoints of the farm, one attempt each");
        assertEquals(List.of("503", "503", "200"), record.attempts().stream().map(UsageRecord.Attempt::outcome).toList());
        assertEquals(new UsageRecord.Attempt("cloud", "gpt-4o-mini", cloud.url() + "/v1", "200"),
                record.attempts().get(2));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void withNoAttemptLeftTheLastBackendErrorIsTheAnswer(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type",
                "application/json", "retry-after", "7").body(RATE_LIMITED).end().build());
        final HttpResponse<byte[]> response = ask(protocol, "one");
        assertEquals(429, response.statusCode());
        assertEquals("7", response.headers().firstValue("retry-after").orElseThrow());
        assertTrue(Http.text(response).contains("Rate limit reached for requests"), Http.text(response));
        assertEquals(2, farmA.requestCount(), "attempts_per_target (2) on the route's only target");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aClientErrorIsAnsweredAtOnce(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.json(400, CONTENT_POLICY));
        farmB.respondAlways(Script.json(400, CONTENT_POLICY));
        final HttpResponse<byte[]> response = ask(protocol, "llama");
        assertEquals(400, response.statusCode());
        assertTrue(Http.text(response).contains("content_policy_violation"), Http.text(response));
        assertEquals(1, farmA.requestCount() + farmB.requestCount());
        assertEquals(0, cloud.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aPromptTooLongMovesOnToTheNextTargetOnlyWhereTheRouteAllows(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.json(400, CONTEXT_TOO_LONG));
        farmB.respondAlways(Script.json(400, CONTEXT_TOO_LONG));
        cloud.respondAlways(ok());
        final HttpResponse<byte[]> fallback = ask(protocol, "llama");
        assertEquals(200, fallback.statusCode());
        assertEquals("cloud", fallback.headers().firstValue("x-sluice-provider").orElseThrow());
        assertEquals(1, farmA.requestCount() + farmB.requestCount(), "never twice on the same model");

        final HttpResponse<byte[]> strict = ask(protocol, "strict");
        assertEquals(400, strict.statusCode());
        assertTrue(Http.text(strict).contains("context_length_exceeded"), Http.text(strict));
        assertEquals(2, farmA.requestCount() + farmB.requestCount());
        assertEquals(1, cloud.requestCount());
    }

    @Test
    void aClientThatLeavesWhileAnErrorIsReadEndsTheAttempt() throws Exception {
        farmA.enqueue(Script.builder().head(503, "content-type", "application/json").body("{\"error\":")
                .pause(Duration.ofSeconds(30)).body("{}}").end().build());
        final String body = "{\"model\":\"one\"}";
        try (RawHttp client = new RawHttp(gateways.port(Protocol.HTTP_1_1))) {
            client.send("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                    + "content-length: " + body.length() + "\r\n\r\n" + body);
            farmA.takeRequest();
            Thread.sleep(100);
        }
        assertNotNull(farmA.awaitClose(Duration.ofSeconds(10)), "the held error's connection was closed");
        assertEquals(499, gateways.usage(Protocol.HTTP_1_1).take().status());
        assertEquals(0, farmA.requestCount(), "no other attempt was made");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void theTotalDeadlineCountsAcrossAttempts(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.builder().stall().build());
        final long start = System.nanoTime();
        final HttpResponse<byte[]> response = ask(protocol, "hasty");
        final long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(504, response.statusCode());
        assertTrue(Http.text(response).contains("longer than its limit of 800ms"), Http.text(response));
        assertEquals(2, farmA.requestCount(), "the second attempt's first-byte wait was cut by the total");
        assertTrue(millis < 5_000, millis + " ms");
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aRouteSetsItsOwnDeadlinesOverItsProviders(Protocol protocol) throws Exception {
        farmA.respondAlways(Script.builder().stall().build());
        farmB.respondAlways(Script.builder().stall().build());
        final HttpResponse<byte[]> response = ask(protocol, "prompt");
        assertEquals(504, response.statusCode());
        assertTrue(Http.text(response).contains("did not start answering within 300ms"),
                "the route's first_byte, not the provider's 120 s: " + Http.text(response));
        assertEquals(2, farmA.requestCount() + farmB.requestCount());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aContentFilterStopAndAMalformedEventAreAnswersPassedOnAsTheyCame(Protocol protocol) throws Exception {
        final String stream = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"I can\"},\"finish_reason\":null}]}\n\n"
                + "data: {not json at all\n\n"
                + "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
                + "\"finish_reason\":\"content_filter\"}]}\n\n"
                + "data: [DONE]\n\n";
        farmA.enqueue(Script.sse(stream.getBytes(StandardCharsets.UTF_8), 40));
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"one\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, response.statusCode());
        assertEquals(stream, Http.text(response), "byte for byte: the filter's stop and the odd event are the answer");
        assertEquals(1, farmA.requestCount(), "neither is a failure to try again");
        final UsageRecord record = gateways.usage(protocol).takeFor(response);
        assertEquals("none", record.usageSource());
        assertEquals(List.of("200"), record.attempts().stream().map(UsageRecord.Attempt::outcome).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"429 once", "500 once", "reset before the head", "never answers", "late first token"})
    void theWebSocketFrontTriesEachFailureAgain(String fault) throws Exception {
        final Script failure = switch (fault) {
            case "429 once" -> Script.builder().fixedHead(429, RATE_LIMITED.length(), "content-type",
                    "application/json", "retry-after", "1").body(RATE_LIMITED).end().build();
            case "500 once" -> Script.json(500, "{\"error\":{\"message\":\"oops\"}}");
            case "reset before the head" -> Script.builder().reset().build();
            case "never answers" -> Script.builder().stall().build();
            default -> Script.builder().head(200, "content-type", "text/event-stream").pause(Duration.ofSeconds(20))
                    .body(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90, Duration.ZERO).end().build();
        };
        farmA.enqueue(failure, Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("one").setUserPrompt("Count.").setStream(true)).build());
            assertTrue(client.next().getAck().getAccepted());
            final StringBuilder text = new StringBuilder();
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                text.append(message.getChunk().getContent());
            }
            assertTrue(message.hasResponse(), fault + ": " + message);
            assertTrue(text.toString().endsWith(" weather app."), text.toString());
            assertEquals(44, message.getResponse().getTotalTokens());
        }
        assertEquals(2, farmA.requestCount(), fault + ": tried once more on the route's only endpoint");
    }

    @ParameterizedTest
    @ValueSource(strings = {"content policy", "context too long"})
    void theWebSocketFrontAnswersAClientErrorAtOnceAndTakesAPromptTooLongToTheNextTarget(String fault)
            throws Exception {
        final String error = fault.equals("content policy") ? CONTENT_POLICY : CONTEXT_TOO_LONG;
        farmA.respondAlways(Script.json(400, error));
        farmB.respondAlways(Script.json(400, error));
        cloud.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("llama").setUserPrompt("Count.").setStream(true)).build());
            assertTrue(client.next().getAck().getAccepted());
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                assertEquals("context too long", fault, "a refused prompt streams nothing");
            }
            if (fault.equals("content policy")) {
                assertEquals("INVALID_REQUEST", message.getError().getCode(), message.toString());
                assertTrue(message.getError().getMessage().contains("safety system"), message.toString());
                assertEquals(0, cloud.requestCount());
            } else {
                assertEquals(44, message.getResponse().getTotalTokens(), message.toString());
                assertEquals(1, cloud.requestCount());
            }
        }
        assertEquals(1, farmA.requestCount() + farmB.requestCount(), "one attempt on the model that refused");
    }

    @Test
    void theWebSocketFrontTriesAgainTheSameWay() throws Exception {
        final Script unavailable = Script.json(503, "{\"error\":{\"message\":\"overloaded\"}}");
        farmA.respondAlways(unavailable);
        farmB.respondAlways(unavailable);
        cloud.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage_2024_gpt4o.txt"), 90));
        try (WsClient client = WsClient.open(gateways.port(Protocol.HTTP_1_1), "json")) {
            client.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r")
                    .setModel("llama").setUserPrompt("Count.").setStream(true)).build());
            assertTrue(client.next().getAck().getAccepted());
            final StringBuilder text = new StringBuilder();
            WebSocketMessage message;
            while ((message = client.next()).hasChunk()) {
                text.append(message.getChunk().getContent());
            }
            assertTrue(message.hasResponse(), message.toString());
            assertTrue(text.toString().endsWith(" weather app."), text.toString());
            assertEquals(44, message.getResponse().getTotalTokens());
        }
        assertEquals(2, farmA.requestCount() + farmB.requestCount());
        assertTrue(cloud.takeRequest().bodyText().startsWith("{\"model\":\"gpt-4o-mini\""));
    }
}
