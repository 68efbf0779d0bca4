package io.sluice.gateway.usage;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.JsonTree;
import io.sluice.gateway.testing.Http;
import io.sluice.gateway.testing.LogCapture;
import io.sluice.gateway.testing.Script;
import io.sluice.gateway.testing.ScriptedBackend;
import io.sluice.gateway.testing.TestGateway;
import io.sluice.gateway.testing.WsClient;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code usage.estimate}: a backend that reports no usage gets jtokkit's count of the prompt it was sent and of the
 * text the client was shown, marked {@code estimated}; a backend that reports usage keeps its own numbers; without
 * the setting, no number is made up.
 */
class EstimatedUsageTest {
    /** Model {@code m} is no OpenAI model: its text is counted with cl100k_base. */
    private static final Encoding CL100K = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
    private static final String MESSAGES = "[{\"role\":\"user\",\"content\":\"Say hi to the gateway\"}]";
    private static final String STREAM_REQUEST = "{\"model\":\"m\",\"stream\":true,\"messages\":" + MESSAGES + "}";

    private static TestGateway gateway(ScriptedBackend backend, boolean estimate) throws InterruptedException {
        return TestGateway.start(TestGateway.config(backend.url(), "", "").replace("usage:\n  log: false",
                "usage:\n  log: false\n  estimate: " + estimate));
    }

    /** The text of every content delta of an OpenAI stream, as a client reads it. */
    private static String streamedText(byte[] stream) throws Exception {
        final StringBuilder text = new StringBuilder();
        for (String line : new String(stream, StandardCharsets.UTF_8).split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            final ByteBuf json = Unpooled.wrappedBuffer(line.substring(6).getBytes(StandardCharsets.UTF_8));
            final Map<String, Object> chunk = JsonTree.readObject(json);
            for (Object choice : JsonTree.asArray(chunk.get("choices"))) {
                final Object content = JsonTree.asObject(JsonTree.asObject(choice).get("delta")).get("content");
                if (content != null) {
                    text.append((String) content);
                }
            }
        }
        return text.toString();
    }

    @Test
    void aStreamWithoutUsageIsCountedAndMarkedEstimated() throws Exception {
        final byte[] stream = WireSamples.bytes("openai_chat_stream_no_usage.txt");
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = gateway(backend, true);
             LogCapture access = new LogCapture("sluice.access")) {
            backend.enqueue(Script.sse(stream, 7));
            final HttpResponse<byte[]> response = Http.post(gateway.uri("/v1/chat/completions"), STREAM_REQUEST);
            assertEquals(200, response.statusCode());
            final UsageRecord record = gateway.usage().take();
            final String text = streamedText(stream);
            assertTrue(text.length() > 20, text);
            assertEquals("estimated", record.usageSource());
            assertEquals(CL100K.countTokens(MESSAGES), record.promptTokens(), "the messages as sent");
            assertEquals(CL100K.countTokens(text), record.completionTokens(), "the text the client was shown");
            assertEquals(record.promptTokens() + record.completionTokens(), record.totalTokens());
            final String line = access.next();
            assertTrue(line.contains(" tokens=" + record.promptTokens() + "/" + record.completionTokens() + "/"
                    + record.totalTokens() + " usage=estimated "), line);
        }
    }

    @Test
    void aBackendsOwnUsageIsNeverReplaced() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = gateway(backend, true)) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_usage.txt"), 50));
            Http.post(gateway.uri("/v1/chat/completions"), STREAM_REQUEST);
            final UsageRecord record = gateway.usage().take();
            assertEquals("upstream", record.usageSource());
            assertEquals(12, record.promptTokens());
            assertEquals(100, record.completionTokens());
        }
    }

    @Test
    void aWholeAnswerWithoutUsageIsCountedFromItsMessage() throws Exception {
        final String answer = "{\"id\":\"x\",\"object\":\"chat.completion\",\"model\":\"m\",\"choices\":[{\"index\":0,"
                + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello there, gateway: counted, not reported.\"},"
                + "\"finish_reason\":\"stop\"}]}";
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = gateway(backend, true)) {
            backend.enqueue(Script.json(200, answer));
            Http.post(gateway.uri("/v1/chat/completions"), "{\"model\":\"m\",\"messages\":" + MESSAGES + "}");
            final UsageRecord record = gateway.usage().take();
            assertEquals("estimated", record.usageSource());
            assertEquals(CL100K.countTokens("Hello there, gateway: counted, not reported."), record.completionTokens());
        }
    }

    @Test
    void aWebSocketRequestIsEstimatedToo() throws Exception {
        final byte[] stream = WireSamples.bytes("openai_chat_stream_no_usage.txt");
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = gateway(backend, true);
             WsClient ws = WsClient.open(gateway.port(), "json")) {
            backend.enqueue(Script.sse(stream, 64));
            ws.send(WebSocketMessage.newBuilder().setRequest(LLMRequest.newBuilder().setRequestId("r1")
                    .setModel("m").setUserPrompt("Say hi to the gateway").setStream(true)).build());
            final UsageRecord record = gateway.usage().take();
            assertEquals("estimated", record.usageSource());
            assertEquals(CL100K.countTokens("\nSay hi to the gateway"), record.promptTokens(),
                    "the system prompt, messages and user prompt, one per line");
            assertEquals(CL100K.countTokens(streamedText(stream)), record.completionTokens());
        }
    }

    @Test
    void withoutTheSettingNoNumberIsMadeUp() throws Exception {
        try (ScriptedBackend backend = ScriptedBackend.start();
             TestGateway gateway = gateway(backend, false)) {
            backend.enqueue(Script.sse(WireSamples.bytes("openai_chat_stream_no_usage.txt"), 50));
            Http.post(gateway.uri("/v1/chat/completions"), STREAM_REQUEST);
            final UsageRecord record = gateway.usage().take();
            assertEquals("none", record.usageSource());
            assertEquals(0, record.promptTokens());
            assertEquals(0, record.completionTokens());
        }
    }
}
