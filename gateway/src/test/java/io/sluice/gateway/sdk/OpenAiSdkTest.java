package io.sluice.gateway.sdk;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
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

/** The official OpenAI Java SDK as a client of Sluice, streaming and not, against the demo model and a recording. */
class OpenAiSdkTest {
    private static final String REPLY = "Hello from the demo model, one token at a time.";

    private static ScriptedBackend backend;
    private static TestGateway gateway;
    private static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        backend = ScriptedBackend.start();
        gateway = TestGateway.start("""
                server: { host: 127.0.0.1, port: 0, threads: 2 }
                usage: { log: false }
                providers:
                  - id: demo
                    type: demo
                    models: { demo: demo-1 }
                    demo: { token_delay: 2ms, reply: "%s" }
                  - id: recorded
                    type: openai
                    api_key: sk-provider-secret
                    endpoints: [ "%s/v1" ]
                    models: { gpt-4o-mini: gpt-4o-mini-2024-07-18 }
                """.formatted(REPLY, backend.url()));
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

    private static ChatCompletionCreateParams.Builder demoRequest() {
        return ChatCompletionCreateParams.builder().model("demo").addUserMessage("Say hello.");
    }

    @Test
    void aCompletion() throws Exception {
        final ChatCompletion completion = client.chat().completions().create(demoRequest().build());
        assertEquals(REPLY, completion.choices().get(0).message().content().orElseThrow());
        final CompletionUsage usage = completion.usage().orElseThrow();
        assertEquals(usage.promptTokens() + usage.completionTokens(), usage.totalTokens());
        final UsageRecord record = gateway.usage().take();
        assertEquals(usage.totalTokens(), record.totalTokens());
        assertFalse(record.stream());
    }

    @Test
    void aStreamWithoutUsageNeverShowsTheUsageChunkSluiceAskedFor() throws Exception {
        final List<ChatCompletionChunk> chunks = stream(demoRequest().build());
        assertTrue(chunks.stream().noneMatch(chunk -> chunk.usage().isPresent()));
        assertTrue(chunks.stream().allMatch(chunk -> !chunk.choices().isEmpty()));
        assertEquals(REPLY, text(chunks));
        final UsageRecord record = gateway.usage().take();
        assertTrue(record.stream());
        assertEquals("upstream", record.usageSource());
        assertTrue(record.completionTokens() > 0);
    }

    @Test
    void aStreamWithUsageEndsWithIt() throws Exception {
        final List<ChatCompletionChunk> chunks = stream(demoRequest()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build());
        final CompletionUsage usage = chunks.get(chunks.size() - 1).usage().orElseThrow();
        assertEquals(REPLY, text(chunks));
        assertEquals(usage.totalTokens(), gateway.usage().take().totalTokens());
    }

    @Test
    void aTokenLimitCutsTheStream() throws Exception {
        final List<ChatCompletionChunk> chunks = stream(demoRequest().maxCompletionTokens(3).build());
        assertEquals("Hello from the", text(chunks));
        gateway.usage().take();
    }

    @Test
    void aRecordedOpenAiToolCallStreamParsesThroughTheGateway() throws Exception {
        backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_tool_call.txt"), 33));
        final List<ChatCompletionChunk> chunks = stream(ChatCompletionCreateParams.builder().model("gpt-4o-mini")
                .addUserMessage("Weather in Paris?").build());
        final StringBuilder arguments = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().toolCalls().ifPresent(calls ->
                calls.forEach(call -> call.function().flatMap(f -> f.arguments()).ifPresent(arguments::append)))));
        assertTrue(arguments.toString().startsWith("{") && arguments.toString().endsWith("}"), arguments.toString());

        final RecordedRequest request = backend.takeRequest();
        assertEquals("Bearer sk-provider-secret", request.headers().get("authorization"));
        assertTrue(request.bodyText().contains("\"model\":\"gpt-4o-mini-2024-07-18\""), request.bodyText());
        assertFalse(request.bodyText().contains("sk-client"));
        final UsageRecord record = gateway.usage().take();
        assertEquals(67, record.totalTokens());
        assertEquals("gpt-4o-mini-2024-07-18", record.backendModel());
    }

    @Test
    void anUnknownModelIsTheSdksNotFound() {
        final NotFoundException e = assertThrows(NotFoundException.class, () -> client.chat().completions()
                .create(ChatCompletionCreateParams.builder().model("gpt-99").addUserMessage("hi").build()));
        assertTrue(e.getMessage().contains("The model `gpt-99` does not exist"), e.getMessage());
    }

    @Test
    void theSdkListsAndRetrievesTheModels() {
        final List<String> ids = new ArrayList<>();
        client.models().list().data().forEach(model -> ids.add(model.id()));
        assertEquals(List.of("demo", "gpt-4o-mini"), ids);
        final com.openai.models.models.Model model = client.models().retrieve("gpt-4o-mini");
        assertEquals("gpt-4o-mini", model.id());
        assertEquals("recorded", model.ownedBy());
        final NotFoundException e = assertThrows(NotFoundException.class, () -> client.models().retrieve("gpt-99"));
        assertTrue(e.getMessage().contains("The model `gpt-99` does not exist"), e.getMessage());
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
