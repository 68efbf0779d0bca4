package io.sluice.gateway.proxy;

import io.sluice.codec.usage.Usage;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.Protocol;
import io.sluice.gateway.testing.ProtocolGateways;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import io.sluice.testkit.WireUsage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Response bytes reach the client exactly as the backend sent them, however the backend cuts them. */
class PassthroughTest {
    private static final String STREAM_REQUEST =
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,"
                    + "\"stream_options\":{\"include_usage\":true}}";

    private static ScriptedBackend backend;
    private static ProtocolGateways gateways;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateways = ProtocolGateways.forBackend(backend.url(), "");
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

    static Stream<Arguments> eventStreams() {
        final List<String> samples = new ArrayList<>(WireUsage.STREAMS.keySet());
        samples.addAll(WireUsage.STREAMS_WITHOUT_USAGE);
        samples.addAll(List.of("tgi_generate_stream_nospace.txt", "openrouter_midstream_error_reconstructed.txt",
                "anthropic_stream_thinking_text.txt", "anthropic_stream_basic_sdkfixture.txt",
                "anthropic_stream_tool_use.txt"));
        return samples.stream().sorted().flatMap(sample -> Stream.of(1, 7, 100, Integer.MAX_VALUE)
                .flatMap(piece -> Stream.of(Protocol.values()).map(protocol -> Arguments.of(sample, piece, protocol))));
    }

    @ParameterizedTest(name = "{0} in pieces of {1} over {2}")
    @MethodSource("eventStreams")
    void eventStreamsPassByteForByteAndTheirUsageIsRead(String sample, int pieceSize, Protocol protocol)
            throws Exception {
        final byte[] bytes = WireSamples.bytes(sample);
        backend.enqueue(Script.sse(bytes, pieceSize));
        // Another dialect's stream (Anthropic's, TGI's own) goes where Sluice judges no end rules of OpenAI's: the
        // Responses API, itself a stream of named events. Their own fronts come with the dialects.
        final String path = sample.startsWith("anthropic") || sample.startsWith("tgi_generate")
                ? "/v1/responses" : "/v1/chat/completions";
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, path), STREAM_REQUEST);
        assertEquals(200, response.statusCode());
        if (sample.contains("_head_excerpt")) {
            // Recorded up to a point, then closed: the client is told it was cut short after the events it got.
            assertArrayEquals(bytes, Arrays.copyOf(response.body(), bytes.length), sample);
            assertEquals("data: {\"error\":{\"message\":\"The backend ended the stream before its final event.\","
                    + "\"type\":\"upstream_error\",\"param\":null,\"code\":\"upstream_failed\"}}\n\n",
                    new String(response.body(), bytes.length, response.body().length - bytes.length,
                            StandardCharsets.UTF_8));
        } else {
            assertArrayEquals(bytes, response.body(), sample);
        }
        assertEquals("text/event-stream", response.headers().firstValue("content-type").orElseThrow());
        assertEquals("no", response.headers().firstValue("x-accel-buffering").orElseThrow());
        backend.takeRequest();
        final UsageRecord record = gateways.usage(protocol).take();
        if (sample.contains("_head_excerpt")) {
            assertEquals(502, record.status());
        } else if (!sample.startsWith("anthropic")) {
            // Anthropic splits usage between message_start and message_delta: its own dialect reads it.
            assertUsage(WireUsage.STREAMS.get(sample), record, true);
        }
    }

    static Stream<Arguments> jsonBodies() {
        return WireUsage.BODIES.keySet().stream().sorted().flatMap(sample -> Stream.of(3, Integer.MAX_VALUE)
                .flatMap(piece -> Stream.of(Protocol.values()).map(protocol -> Arguments.of(sample, piece, protocol))));
    }

    @ParameterizedTest(name = "{0} in pieces of {1} over {2}")
    @MethodSource("jsonBodies")
    void jsonBodiesPassByteForByteWithTheirLengthAndUsage(String sample, int pieceSize, Protocol protocol)
            throws Exception {
        final byte[] bytes = WireSamples.bytes(sample);
        backend.enqueue(Script.builder().fixedHead(200, bytes.length, "content-type", "application/json")
                .body(bytes, pieceSize, Duration.ZERO).end().build());
        final String path = sample.contains("embeddings") ? "/v1/embeddings" : "/v1/chat/completions";
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, path), "{\"model\":\"m\",\"input\":\"x\"}");
        assertEquals(200, response.statusCode());
        assertArrayEquals(bytes, response.body(), sample);
        assertEquals(Long.toString(bytes.length), response.headers().firstValue("content-length").orElseThrow());
        assertEquals(path, backend.takeRequest().uri());
        assertUsage(WireUsage.BODIES.get(sample), gateways.usage(protocol).take(), false);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void backendErrorsKeepTheirStatusFieldsAndRateLimitHeaders(Protocol protocol) throws Exception {
        final byte[] body = WireSamples.bytes("openai_error_429_rate_limit.json");
        backend.respondAlways(Script.builder().fixedHead(429, body.length, "content-type", "application/json",
                "x-ratelimit-remaining-requests", "0", "retry-after", "20").body(body, 50, Duration.ZERO)
                .end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"), STREAM_REQUEST);
        assertEquals(429, response.statusCode());
        assertEquals("{\"error\":{\"message\":\"Rate limit reached for gpt-3.5-turbo in organization "
                + "org-b9yq2nxMHc4y6yjvJ7n6qLpe on tokens per min. Limit: 90000 / min. Current: 1 / min. Visit "
                + "https://platform.openai.com/account/rate-limits to learn more.\",\"type\":\"tokens\",\"param\":null,"
                + "\"code\":\"rate_limit_exceeded\"}}", Http.text(response));
        assertEquals("0", response.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertEquals("20", response.headers().firstValue("retry-after").orElseThrow());
        backend.takeRequest();
        final UsageRecord record = gateways.usage(protocol).take();
        assertEquals(429, record.status());
        assertEquals("none", record.usageSource());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void hopByHopHeadersStopAtTheGatewayBothWays(Protocol protocol) throws Exception {
        backend.enqueue(Script.builder().fixedHead(200, 2, "content-type", "application/json",
                "connection", "keep-alive, x-hop", "keep-alive", "timeout=5", "x-hop", "1", "x-ratelimit-limit-requests", "2",
                "x-request-id", "req_backend_1").body("{}").end().build());
        final HttpResponse<byte[]> response = Http.post(protocol, gateways.uri(protocol, "/v1/chat/completions"),
                "{\"model\":\"m\"}", "x-request-id", "client-id-7", "te", "trailers", "x-client", "3");
        assertEquals(200, response.statusCode());
        assertFalse(response.headers().firstValue("keep-alive").isPresent());
        assertFalse(response.headers().firstValue("x-hop").isPresent());
        assertEquals("2", response.headers().firstValue("x-ratelimit-limit-requests").orElseThrow());
        assertEquals("client-id-7", response.headers().firstValue("x-request-id").orElseThrow());
        assertEquals("req_backend_1", response.headers().firstValue("x-upstream-request-id").orElseThrow());

        final RecordedRequest upstream = backend.takeRequest();
        assertEquals("client-id-7", upstream.headers().get("x-request-id"));
        assertEquals("3", upstream.headers().get("x-client"));
        assertFalse(upstream.headers().contains("te"));
        assertEquals("identity", upstream.headers().get("accept-encoding"));
        assertTrue(upstream.headers().get("host").startsWith("127.0.0.1:"));
        assertEquals("client-id-7", gateways.usage(protocol).take().requestId());
    }

    static void assertUsage(Usage expected, UsageRecord record, boolean stream) {
        assertEquals(stream, record.stream());
        assertEquals(200, record.status());
        assertEquals("m", record.model());
        assertEquals("mock", record.provider());
        if (expected == null) {
            assertEquals("none", record.usageSource());
            assertEquals(0, record.totalTokens());
            return;
        }
        assertEquals("upstream", record.usageSource());
        assertEquals(expected, new Usage(record.promptTokens(), record.completionTokens(), record.totalTokens(),
                record.cachedTokens(), record.reasoningTokens()));
    }
}
