package io.sluice.gateway.sdk;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.JsonValue;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.errors.BadRequestException;
import com.anthropic.errors.RateLimitException;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.anthropic.models.messages.ToolUseBlockParam;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official Anthropic Java SDK as a client of Sluice's Messages API, in front of backends that speak OpenAI's
 * dialect: the demo model and a scripted vLLM replaying recorded streams. Streaming and not, a tool-call round trip,
 * a thinking stream, token counting and the backend's errors, each as the SDK understands them.
 */
class AnthropicSdkTest {
    private static final String REPLY = "Hello from the demo model, one token at a time.";

    private static ScriptedBackend backend;
    private static TestGateway gateway;
    private static AnthropicClient client;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage: { log: false }
                routing: { retry: { retry_on: [ connect ] } }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 2ms, reply: "%s" }
                  - id: farm
                    type: vllm
                    endpoints: [ "%2$s/v1" ]
                    models: { qwen: Qwen/Qwen3-8B }
                  - id: claude
                    type: anthropic
                    api_key: sk-ant-provider-secret
                    endpoints: [ "%2$s/v1" ]
                    models: { sonnet: claude-sonnet-4-20250514 }
                    health: { probe: { enabled: false } }
                routes:
                  - model: mixed
                    targets: [ { provider: claude, model: claude-x }, { provider: farm, model: Qwen/Qwen3-8B } ]
                """.formatted(REPLY, backend.url()));
        client = AnthropicOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.port())
                .apiKey("sk-ant-client-key-never-forwarded")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    @AfterAll
    static void stop() throws Exception {
        client.close();
        gateway.close();
        backend.close();
    }

    private static MessageCreateParams.Builder demoRequest() {
        return MessageCreateParams.builder().model("demo").maxTokens(256).system("Be brief.")
                .addUserMessage("Say hello.");
    }

    @Test
    void aMessageFromAnOpenAiDialectModel() throws Exception {
        final Message message = client.messages().create(demoRequest().build());
        assertEquals(REPLY, message.content().get(0).text().orElseThrow().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        assertEquals("demo", message.model().asString());
        assertTrue(message.id().startsWith("msg_"), message.id());
        final UsageRecord record = gateway.usage().take();
        assertEquals(message.usage().inputTokens() + message.usage().outputTokens(), record.totalTokens());
        assertTrue(message.usage().outputTokens() > 0);
        assertFalse(record.stream());
    }

    @Test
    void aStreamFromAnOpenAiDialectModel() throws Exception {
        final Message message = stream(demoRequest().build());
        assertEquals(REPLY, message.content().get(0).text().orElseThrow().text());
        assertEquals(StopReason.END_TURN, message.stopReason().orElseThrow());
        final UsageRecord record = gateway.usage().take();
        assertTrue(record.stream());
        assertEquals("upstream", record.usageSource());
        assertEquals(message.usage().outputTokens(), record.completionTokens());
        assertEquals(message.usage().inputTokens(), record.promptTokens());
    }

    @Test
    void aToolCallRoundTripThroughAVllmBackend() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_tool_call.txt"), 41));
        final Tool weather = Tool.builder().name("get_weather").description("The weather in a city.")
                .inputSchema(Tool.InputSchema.builder().properties(JsonValue.from(Map.of("city",
                        Map.of("type", "string")))).build()).build();
        final Message message = stream(MessageCreateParams.builder().model("qwen").maxTokens(512).addTool(weather)
                .addUserMessage("Weather in Paris and in Rome?")
                .addAssistantMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolUse(
                        ToolUseBlockParam.builder().id("toolu_1").name("get_weather").input(
                                ToolUseBlockParam.Input.builder().putAdditionalProperty("city",
                                        JsonValue.from("Paris")).build()).build())))
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(
                        ToolResultBlockParam.builder().toolUseId("toolu_1").content("18C and sunny").build()),
                        ContentBlockParam.ofText("And Rome?")))
                .build());
        final ToolUseBlock call = message.content().stream().map(ContentBlock::toolUse)
                .flatMap(Optional::stream).findFirst().orElseThrow();
        assertEquals("get_weather", call.name());
        assertTrue(call._input().toString().contains("city"), call._input().toString());
        assertEquals(StopReason.TOOL_USE, message.stopReason().orElseThrow());
        assertEquals("qwen", message.model().asString());

        final RecordedRequest request = backend.takeRequest();
        assertEquals("/v1/chat/completions", request.uri());
        final String body = request.bodyText();
        for (String expected : List.of("\"model\":\"Qwen/Qwen3-8B\"", "\"stream\":true",
                "\"stream_options\":{\"include_usage\":true}",
                "{\"role\":\"tool\",\"tool_call_id\":\"toolu_1\",\"content\":\"18C and sunny\"}",
                "\"tool_calls\":[{\"id\":\"toolu_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]",
                "{\"role\":\"user\",\"content\":\"And Rome?\"}",
                "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"")) {
            assertTrue(body.contains(expected), expected + " in " + body);
        }
        assertFalse(request.headers().contains("x-api-key"), "the client's key is never forwarded");
        assertEquals(67, gateway.usage().take().totalTokens());
    }

    @Test
    void aThinkingStreamBecomesAThinkingBlock() throws Exception {
        backend.enqueue(Script.sse(vllmReasoningStream(), 17));
        final Message message = stream(MessageCreateParams.builder().model("qwen").maxTokens(2048)
                .enabledThinking(1024).addUserMessage("What is 27 * 453?").build());
        assertEquals(2, message.content().size(), message.content().toString());
        assertEquals("27 * 453 = 27 * 400 + 27 * 53.", message.content().get(0).thinking().orElseThrow().thinking());
        assertEquals("12231", message.content().get(1).text().orElseThrow().text());
        assertEquals(7, message.usage().outputTokens());
        final String sent = backend.takeRequest().bodyText();
        assertTrue(sent.contains("\"reasoning_effort\":\"low\""), sent);
        gateway.usage().take();
    }

    @Test
    void tokensAreCountedByEstimateForABackendWithoutTheOperation() throws Exception {
        final long tokens = client.messages().countTokens(MessageCountTokensParams.builder().model("qwen")
                .addUserMessage("How many tokens is this sentence?").build()).inputTokens();
        assertTrue(tokens > 5 && tokens < 60, "an estimate near the truth: " + tokens);
        gateway.usage().take();
    }

    @Test
    void theBackendsErrorsAreTheSdksErrors() throws Exception {
        backend.enqueue(Script.json(429, WireSamples.bytes("openai_error_429_rate_limit.json")));
        final RateLimitException limited = assertThrows(RateLimitException.class,
                () -> client.messages().create(MessageCreateParams.builder().model("qwen").maxTokens(9)
                        .addUserMessage("hi").build()));
        assertTrue(limited.getMessage().contains("Rate limit reached"), limited.getMessage());
        backend.takeRequest();
        gateway.usage().take();
        final BadRequestException invalid = assertThrows(BadRequestException.class,
                () -> client.messages().create(MessageCreateParams.builder().model("qwen").maxTokens(9)
                        .addUserMessage("hi").putAdditionalBodyProperty("messages", JsonValue.from("no")).build()));
        assertTrue(invalid.getMessage().contains("messages"), invalid.getMessage());
        gateway.usage().take();
    }

    @Test
    void toAnAnthropicBackendTheStreamIsRelayedByteForByte() throws Exception {
        final byte[] wire = WireSamples.bytes("anthropic_stream_tool_use.txt");
        backend.enqueue(Script.sse(wire, 61));
        final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/messages"), "{\"model\":\"sonnet\","
                + "\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"A BLT?\"}]}",
                "x-api-key", "sk-ant-client-key", "anthropic-version", "2023-06-01", "anthropic-beta", "x-1");
        assertArrayEquals(wire, response.body(), "the backend's bytes, as they came");
        final RecordedRequest sent = backend.takeRequest();
        assertEquals("/v1/messages", sent.uri());
        assertEquals("{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":100,\"stream\":true,\"messages\":"
                + "[{\"role\":\"user\",\"content\":\"A BLT?\"}]}", sent.bodyText(), "only the model name changed");
        assertEquals("sk-ant-provider-secret", sent.headers().get("x-api-key"));
        assertEquals("x-1", sent.headers().get("anthropic-beta"));
        final UsageRecord record = gateway.usage().takeFor(response);
        assertEquals(470, record.promptTokens());
        assertEquals(74, record.completionTokens());
        assertEquals(200, record.status());
    }

    @Test
    void toAnAnthropicBackendTheSdkGetsItsOwnAnswers() throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("anthropic_messages_nonstream.json")));
        final Message message = client.messages().create(MessageCreateParams.builder().model("sonnet")
                .maxTokens(100).addUserMessage("Hi").build());
        assertEquals("msg_01Jobakzxrv8xQe3c84nT9bD", message.id(), "the backend's own answer");
        assertEquals(25, message.usage().outputTokens());
        backend.takeRequest();
        assertEquals(35, gateway.usage().take().totalTokens());
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_error_overloaded_observed.txt"), 64));
        final HttpResponse<byte[]> broken = Http.post(gateway.uri("/v1/messages"), "{\"model\":\"sonnet\","
                + "\"max_tokens\":100,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertTrue(Http.text(broken).startsWith("event: error\ndata: {\"type\":\"error\",\"error\":{\"details\""),
                "the backend's own error event first: " + Http.text(broken));
        backend.takeRequest();
        assertEquals(502, gateway.usage().takeFor(broken).status());
        backend.enqueue(Script.json(200, "{\"input_tokens\":9}"));
        assertEquals(9, client.messages().countTokens(MessageCountTokensParams.builder().model("sonnet")
                .addUserMessage("Hi").build()).inputTokens(), "counted by the Anthropic backend itself");
        assertEquals("/v1/messages/count_tokens", backend.takeRequest().uri());
        gateway.usage().take();
        backend.enqueue(Script.json(200, "{\"input_tokens\":11}"));
        assertEquals(11, client.messages().countTokens(MessageCountTokensParams.builder().model("mixed")
                .addUserMessage("Hi").build()).inputTokens(), "a mixed route's Anthropic target counts");
        final String sent = backend.takeRequest().bodyText();
        assertTrue(sent.contains("\"model\":\"claude-x\""), sent);
        gateway.usage().take();
    }

    private static Message stream(MessageCreateParams params) {
        final MessageAccumulator accumulator = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> response = client.messages().createStreaming(params)) {
            response.stream().forEach(accumulator::accumulate);
        }
        return accumulator.message();
    }

    /** A vLLM stream with a reasoning parser: reasoning_content deltas, then content, then usage. */
    private static byte[] vllmReasoningStream() {
        final StringBuilder sse = new StringBuilder();
        final String head = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                + "\"model\":\"Qwen/Qwen3-8B\",\"choices\":[{\"index\":0,\"delta\":";
        sse.append(head).append("{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
        for (String piece : List.of("27 * 453 = ", "27 * 400 + ", "27 * 53.")) {
            sse.append(head).append("{\"reasoning_content\":\"").append(piece).append("\"},\"finish_reason\":null}]}\n\n");
        }
        for (String piece : List.of("122", "31")) {
            sse.append(head).append("{\"content\":\"").append(piece).append("\"},\"finish_reason\":null}]}\n\n");
        }
        sse.append(head).append("{},\"finish_reason\":\"stop\"}]}\n\n");
        sse.append("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                + "\"Qwen/Qwen3-8B\",\"choices\":[],\"usage\":{\"prompt_tokens\":15,\"completion_tokens\":7,"
                + "\"total_tokens\":22}}\n\ndata: [DONE]\n\n");
        return sse.toString().getBytes(StandardCharsets.UTF_8);
    }
}
