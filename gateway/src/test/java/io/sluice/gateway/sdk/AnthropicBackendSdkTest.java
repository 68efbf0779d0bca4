package io.sluice.gateway.sdk;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionAssistantMessageParam;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.CompletionUsage;
import io.sluice.gateway.testing.RecordedRequest;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The official OpenAI Java SDK in front of an Anthropic backend (a scripted one replaying Anthropic's recorded
 * answers): the chat request goes out as a Messages request with Anthropic's headers, and the answer comes back as
 * chat completions, streaming and not, with tool calls, reasoning and exact usage.
 */
class AnthropicBackendSdkTest {
    private static ScriptedBackend backend;
    private static TestGateway gateway;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage: { log: false }
                routing: { retry: { retry_on: [ connect ] } }
                providers:
                  - id: claude
                    type: anthropic
                    api_key: sk-ant-provider-secret
                    endpoints: [ "%s/v1" ]
                    models: { claude: claude-sonnet-4-20250514 }
                """.formatted(backend.url()));
        client = OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + gateway.port() + "/v1")
                .apiKey("sk-client-key-never-forwarded")
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

    private static ChatCompletionCreateParams.Builder request() {
        return ChatCompletionCreateParams.builder().model("claude").addSystemMessage("Be kind.")
                .addUserMessage("Hello!").temperature(1.5).maxCompletionTokens(300);
    }

    @Test
    void aCompletionFromAMessagesAnswer() throws Exception {
        backend.enqueue(Script.json(200, WireSamples.bytes("anthropic_messages_nonstream.json")));
        final ChatCompletion completion = client.chat().completions().create(request().build());
        assertTrue(completion.choices().get(0).message().content().orElseThrow().startsWith("Hello! Nice to meet"));
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, completion.choices().get(0).finishReason());
        final CompletionUsage usage = completion.usage().orElseThrow();
        assertEquals(10, usage.promptTokens());
        assertEquals(25, usage.completionTokens());
        assertEquals("claude", completion.model());

        final RecordedRequest sent = backend.takeRequest();
        assertEquals("/v1/messages", sent.uri());
        assertEquals("sk-ant-provider-secret", sent.headers().get("x-api-key"));
        assertEquals("2023-06-01", sent.headers().get("anthropic-version"));
        assertFalse(sent.headers().contains("authorization"), "the client's key is never forwarded");
        assertEquals("{\"model\":\"claude-sonnet-4-20250514\",\"max_tokens\":300,\"system\":\"Be kind.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello!\"}]}],"
                + "\"temperature\":1}", sent.bodyText());
        final UsageRecord record = gateway.usage().take();
        assertEquals(35, record.totalTokens());
        assertEquals("claude-sonnet-4-20250514", record.backendModel());
    }

    @Test
    void aStreamWithExactUsage() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_basic_docs.txt"), 29));
        final List<ChatCompletionChunk> chunks = stream(request()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        assertTrue(text(chunks).startsWith("Hello"), text(chunks));
        final CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
        final UsageRecord record = gateway.usage().take();
        assertEquals(usage.promptTokens(), record.promptTokens());
        assertEquals(usage.completionTokens(), record.completionTokens());
        assertTrue(usage.completionTokens() > 0);
        assertTrue(backend.takeRequest().bodyText().contains("\"stream\":true"));
    }

    @Test
    void aToolUseStreamIsAToolCallStream() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_tool_use.txt"), 53));
        final ChatCompletionMessageToolCall earlier = ChatCompletionMessageToolCall.ofFunction(
                ChatCompletionMessageFunctionToolCall.builder().id("toolu_0").function(
                        ChatCompletionMessageFunctionToolCall.Function.builder().name("sandwich")
                                .arguments("{\"name\":\"Club\"}").build()).build());
        final List<ChatCompletionChunk> chunks = stream(request()
                .addTool(ChatCompletionFunctionTool.builder().function(FunctionDefinition.builder().name("sandwich")
                        .parameters(FunctionParameters.builder().putAdditionalProperty("type",
                                JsonValue.from("object")).build()).build()).build())
                .addMessage(ChatCompletionAssistantMessageParam.builder().addToolCall(earlier).build())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId("toolu_0")
                        .content("Out of bread.").build())
                .addUserMessage("Another one, then.").build());
        final StringBuilder arguments = new StringBuilder();
        final List<String> names = new ArrayList<>();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(calls ->
                calls.forEach(call -> call.function().ifPresent(f -> {
                    f.name().ifPresent(names::add);
                    f.arguments().ifPresent(arguments::append);
                })))));
        assertEquals(List.of("sandwich"), names);
        assertTrue(arguments.toString().startsWith("{\"name\": \"Classic BLT\""), arguments.toString());
        assertEquals(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS, chunks.stream()
                .flatMap(chunk -> chunk.choices().stream()).map(choice -> choice.finishReason())
                .flatMap(java.util.Optional::stream).findFirst().orElseThrow());
        final UsageRecord record = gateway.usage().take();
        assertEquals(470, record.promptTokens());
        assertEquals(74, record.completionTokens());
        final String sent = backend.takeRequest().bodyText();
        for (String expected : List.of(
                "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_0\",\"name\":\"sandwich\","
                        + "\"input\":{\"name\":\"Club\"}}]}",
                "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_0\",\"content\":"
                        + "\"Out of bread.\"},{\"type\":\"text\",\"text\":\"Another one, then.\"}]}",
                "\"tools\":[{\"name\":\"sandwich\",\"input_schema\":{\"type\":\"object\"}}],"
                        + "\"tool_choice\":{\"type\":\"auto\"}")) {
            assertTrue(sent.contains(expected), expected + " in " + sent);
        }
    }

    @Test
    void aThinkingStreamIsReasoningContent() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_thinking_text.txt"), 64));
        final List<ChatCompletionChunk> chunks = stream(request().reasoningEffort(
                com.openai.models.ReasoningEffort.LOW).build());
        final StringBuilder reasoning = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> {
            final JsonValue piece = choice.delta()._additionalProperties().get("reasoning_content");
            if (piece != null) {
                reasoning.append(piece.asString().orElseThrow());
            }
        }));
        assertFalse(reasoning.isEmpty(), "the thinking reaches the client");
        assertFalse(text(chunks).isEmpty());
        final String sent = backend.takeRequest().bodyText();
        assertTrue(sent.contains("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}"), sent);
        assertTrue(sent.contains("\"max_tokens\":2048"), "max_tokens above the budget: " + sent);
        gateway.usage().take();
    }

    @Test
    void anOverloadedStreamEndsWithAnErrorTheSdkRaises() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("anthropic_stream_error_overloaded_observed.txt"), 64));
        assertThrows(RuntimeException.class, () -> stream(request().build()));
        backend.takeRequest();
        assertEquals(502, gateway.usage().take().status());
        backend.enqueue(Script.json(529, WireSamples.bytes("anthropic_error_529_overloaded.json")));
        final InternalServerException e = assertThrows(InternalServerException.class,
                () -> client.chat().completions().create(request().build()));
        assertTrue(e.getMessage().contains("Overloaded"), e.getMessage());
        backend.takeRequest();
        gateway.usage().take();
    }

    private static List<ChatCompletionChunk> stream(ChatCompletionCreateParams params) {
        final List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> response = client.chat().completions().createStreaming(params)) {
            response.stream().forEach(chunks::add);
        }
        return chunks;
    }

    private static String text(List<ChatCompletionChunk> chunks) {
        final StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
        return text.toString();
    }
}
