package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.gateway.proxy.DeltaReader;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.providers.Answer;
import io.sluice.providers.Dialect;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The uniform API (seed 001) in front of every provider type: a scripted backend of each type replays that type's
 * recorded stream, and the client sees the same events whatever the type; the demo model answers the whole-answer
 * operations; errors carry the seed's codes.
 */
class UniformApiTest {
    private static final String REPLY = "Hello from the demo model.";
    private static final Pattern EVENT = Pattern.compile("event: (\\w+)\ndata: (.*)\n\n");

    private static ScriptedBackend backend;
    private static TestGateway gateway;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        final StringBuilder providers = new StringBuilder();
        for (String type : List.of("openai", "azure", "openrouter", "vllm", "tgi", "ollama", "anthropic")) {
            providers.append("""
                      - id: %1$s-provider
                        type: %1$s
                        endpoints: [ "%2$s%3$s" ]
                        models: { m-%1$s: backend-%1$s }
                        health: { probe: { enabled: false } }
                    """.formatted(type, backend.url(), type.equals("azure") ? "/openai" : "/v1"));
        }
        gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage: { log: false }
                routing: { retry: { retry_on: [ connect ] } }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 1ms, reply: "%s" }
                %s""".formatted(REPLY, providers));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
        backend.close();
    }

    @ParameterizedTest
    @CsvSource({
        "openai, openai_chat_stream_usage_2024_gpt4o.txt, OPENAI, /v1/chat/completions",
        "azure, azure_chat_stream.txt, OPENAI,"
                + " /openai/deployments/backend-azure/chat/completions?api-version=2024-10-21",
        "openrouter, openrouter_chat_stream_reconstructed.txt, OPENAI, /v1/chat/completions",
        "vllm, vllm_chat_stream_continuous_usage.txt, OPENAI, /v1/chat/completions",
        "tgi, tgi_chat_stream_usage_reconstructed.txt, OPENAI, /v1/chat/completions",
        "ollama, ollama_openai_compat_stream_reconstructed.txt, OPENAI, /v1/chat/completions",
        "anthropic, anthropic_stream_basic_docs.txt, ANTHROPIC, /v1/messages",
    })
    void everyProviderTypeStreamsTheUniformEvents(String type, String sample, Dialect dialect, String path)
            throws Exception {
        final byte[] wire = WireSamples.bytes(sample);
        backend.enqueue(Script.sse(wire, 37));
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/llm/stream"), "{\"model\":\"m-" + type
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":0.5}");
        assertEquals(200, response.statusCode(), Http.text(response));
        assertEquals("text/event-stream", response.headers().firstValue("content-type").orElseThrow());
        final List<String[]> events = events(Http.text(response));
        final Answer expected = decode(dialect, wire);
        final StringBuilder tokens = new StringBuilder();
        int index = 0;
        for (String[] event : events.subList(0, events.size() - 1)) {
            assertEquals("token", event[0], Http.text(response));
            assertTrue(event[1].endsWith(",\"index\":" + ++index + "}"), event[1]);
            tokens.append(JsonTree.asObject(parse(event[1])).get("token"));
        }
        assertEquals(expected.content(), tokens.toString());
        final String[] end = events.get(events.size() - 1);
        assertEquals("end", end[0]);
        assertTrue(end[1].startsWith("{\"finish_reason\":\"" + expected.finishReason() + "\""), end[1]);
        assertTrue(end[1].endsWith(",\"model\":\"m-" + type + "\",\"provider\":\"" + type + "-provider\","
                + "\"trace_id\":\"" + response.headers().firstValue("x-request-id").orElseThrow() + "\"}"), end[1]);
        final RecordedRequest sent = backend.takeRequest();
        assertEquals(path, sent.uri());
        assertTrue(sent.bodyText().contains("\"stream\":true"), sent.bodyText());
        final UsageRecord record = gateway.usage().takeFor(response);
        if (expected.usage() != null) {
            assertTrue(end[1].contains("\"usage\":{\"prompt_tokens\":" + expected.usage().promptTokens()), end[1]);
            assertEquals(expected.usage().totalTokens(), record.totalTokens());
        }
        assertTrue(record.stream());
        assertEquals("/llm/stream", record.endpoint());
    }

    @Test
    void jsonLinesWhenAsked() throws Exception {
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/llm/stream"),
                "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
                "accept", "application/x-ndjson");
        assertEquals("application/x-ndjson", response.headers().firstValue("content-type").orElseThrow());
        final String[] lines = Http.text(response).split("\n");
        assertTrue(lines[0].startsWith("{\"type\":\"token\",\"token\":\"Hello\",\"index\":1}"), lines[0]);
        assertTrue(lines[lines.length - 1].startsWith("{\"type\":\"end\",\"finish_reason\":\"stop\",\"usage\":"),
                lines[lines.length - 1]);
        gateway.usage().takeFor(response);
    }

    @Test
    void oneNormalisedAnswerForChatAndCompletions() throws Exception {
        for (String[] call : List.of(
                new String[] {"/llm/chat",
                        "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"},
                new String[] {"/llm/completions", "{\"model\":\"demo\",\"prompt\":\"Hi\",\"system\":\"Be brief.\"}"})) {
            final HttpResponse<byte[]> response = Http.post(gateway.uri(call[0]), call[1]);
            assertEquals(200, response.statusCode(), Http.text(response));
            final String trace = response.headers().firstValue("x-request-id").orElseThrow();
            final String body = Http.text(response);
            assertTrue(body.startsWith("{\"content\":\"" + REPLY + "\",\"tool_calls\":[],\"finish_reason\":\"stop\","
                    + "\"usage\":{\"prompt_tokens\":"), body);
            assertTrue(body.endsWith(",\"model\":\"demo\",\"provider\":\"demo\",\"trace_id\":\"" + trace + "\"}"),
                    body);
            assertEquals(response.headers().firstValue("content-length").orElseThrow(),
                    Integer.toString(Http.text(response).getBytes(StandardCharsets.UTF_8).length));
            assertFalse(gateway.usage().takeFor(response).stream());
        }
    }

    @Test
    void aToolCallFromAnAnthropicBackendAsUniformToolCalls() throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("anthropic_messages_nonstream.json")));
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/llm/chat"),
                "{\"model\":\"m-anthropic\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        final String body = Http.text(response);
        assertTrue(body.startsWith("{\"content\":\"Hello! Nice to meet you."), body);
        assertTrue(body.contains("\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":25,\"total_tokens\":35"),
                body);
        assertTrue(body.contains("\"provider\":\"anthropic-provider\""), body);
        assertTrue(backend.takeRequest().bodyText().contains("\"max_tokens\":4096"),
                "Anthropic requires max_tokens: one is sent");
        gateway.usage().takeFor(response);
    }

    @Test
    void errorsCarryTheSeedsCodes() throws Exception {
        final HttpResponse<byte[]> unknown = Http.post(gateway.uri("/llm/chat"),
                "{\"model\":\"nope\",\"messages\":[]}");
        assertEquals(404, unknown.statusCode());
        assertTrue(Http.text(unknown).startsWith("{\"error\":{\"code\":\"NOT_FOUND\",\"message\":\"The model `nope`"),
                Http.text(unknown));
        final HttpResponse<byte[]> invalid = Http.post(gateway.uri("/llm/chat"), "{\"model\":\"demo\"}");
        assertEquals(400, invalid.statusCode());
        assertTrue(Http.text(invalid).startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\",\"message\":\"messages"),
                Http.text(invalid));
        backend.enqueue(Script.json(429, WireSamples.bytes("openai_error_429_rate_limit.json")));
        final HttpResponse<byte[]> limited = Http.post(gateway.uri("/llm/stream"),
                "{\"model\":\"m-vllm\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(429, limited.statusCode());
        assertTrue(Http.text(limited).startsWith("{\"error\":{\"code\":\"RATE_LIMIT\",\"message\":\"Rate limit"),
                Http.text(limited));
        backend.takeRequest();
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_error_overloaded_observed.txt"), 64));
        final HttpResponse<byte[]> brokenOff = Http.post(gateway.uri("/llm/stream"),
                "{\"model\":\"m-anthropic\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        final String broken = Http.text(brokenOff);
        final UsageRecord record = gateway.usage().takeFor(brokenOff);
        assertTrue(broken.endsWith("event: error\ndata: {\"code\":\"PROVIDER_ERROR\",\"message\":\"Overloaded\","
                + "\"trace_id\":\"" + record.requestId() + "\"}\n\n"), broken);
        assertEquals(502, record.status());
        backend.takeRequest();
        final HttpResponse<String> get = Http.get(gateway.uri("/llm/chat"));
        assertEquals(405, get.statusCode());
        assertTrue(get.body().startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\""), get.body());
        final HttpResponse<byte[]> post = Http.post(gateway.uri("/llm/models"), "{}");
        assertEquals(405, post.statusCode());
        assertTrue(Http.text(post).startsWith("{\"error\":{\"code\":\"INVALID_REQUEST\""), Http.text(post));
        final HttpResponse<String> nowhere = Http.get(gateway.uri("/llm/nowhere"));
        assertEquals(404, nowhere.statusCode());
        assertTrue(nowhere.body().startsWith("{\"error\":{\"code\":\"NOT_FOUND\""), nowhere.body());
        final HttpResponse<byte[]> both = Http.post(gateway.uri("/llm/chat"), "{\"model\":\"demo\",\"prompt\":\"a\","
                + "\"messages\":[]}");
        assertEquals(400, both.statusCode());
        assertTrue(Http.text(both).contains("not both"), Http.text(both));
        gateway.usage().takeFor(both);
        backend.enqueue(Script.json(401, "{\"error\":{\"message\":\"Incorrect API key provided\"}}"));
        final HttpResponse<byte[]> keyRefused = Http.post(gateway.uri("/llm/chat"),
                "{\"model\":\"m-vllm\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertEquals(502, keyRefused.statusCode(), "the provider's key refused is not the client's fault");
        assertTrue(Http.text(keyRefused).startsWith("{\"error\":{\"code\":\"PROVIDER_ERROR\""), Http.text(keyRefused));
        assertEquals(502, gateway.usage().takeFor(keyRefused).status());
        backend.takeRequest();
    }

    private static List<String[]> events(String stream) {
        final List<String[]> events = new ArrayList<>();
        final Matcher m = EVENT.matcher(stream);
        while (m.find()) {
            events.add(new String[] {m.group(1), m.group(2)});
        }
        return events;
    }

    private static Object parse(String json) throws MalformedRequestException {
        final ByteBuf buf = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return JsonTree.readObject(buf);
        } finally {
            buf.release();
        }
    }

    private static Answer decode(Dialect dialect, byte[] wire) {
        final DeltaReader reader = new DeltaReader(dialect.codec(), true);
        final Answer answer = new Answer();
        final ByteBuf buf = Unpooled.wrappedBuffer(wire);
        reader.read(buf, answer::add);
        buf.release();
        return answer;
    }
}
