package io.sluice.providers.openai;

import io.sluice.proto.ChatMessage;
import io.sluice.proto.LLMRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiChatRequestsTest {

    private static String body(LLMRequest request, String backendModel, int defaultMaxTokens) {
        return new String(OpenAiCodec.INSTANCE.fromOpenAi(OpenAiChatRequests.request(request), backendModel, true,
                defaultMaxTokens), StandardCharsets.UTF_8);
    }

    @Test
    void theSeedsPromptsBecomeChatMessagesAndStreamsAlwaysReportUsage() {
        final LLMRequest request = LLMRequest.newBuilder().setRequestId("r").setModel("fast")
                .setSystemPrompt("Be brief.").setUserPrompt("Hi").build();
        assertEquals("{\"model\":\"meta/llama\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
                body(request, "meta/llama", 0));
    }

    @Test
    void optionsAreSentOnlyWhenSet() {
        final LLMRequest request = LLMRequest.newBuilder().setModel("m")
                .addMessages(ChatMessage.newBuilder().setRole("user").setContent("a"))
                .addMessages(ChatMessage.newBuilder().setRole("assistant").setContent("b"))
                .setTemperature(0.0).setMaxTokens(64).setTools("[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]")
                .putMetadata("team", "x").build();
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\","
                + "\"content\":\"b\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true},\"temperature\":0.0,"
                + "\"max_tokens\":64,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"metadata\":{\"team\":\"x\"}}", body(request, "m", 4096));
        assertTrue(OpenAiChatRequests.hasInput(request));
        assertFalse(OpenAiChatRequests.hasInput(LLMRequest.newBuilder().setSystemPrompt("x").build()));
    }

    @Test
    void aDefaultMaxTokensIsSentOnlyWhenTheRequestSetsNone() {
        final LLMRequest request = LLMRequest.newBuilder().setModel("m").setUserPrompt("x").build();
        assertEquals("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"max_tokens\":4096}",
                body(request, "m", 4096));
    }

    @Test
    void toolsMustBeAJsonArray() {
        for (String tools : new String[] {"{\"type\":\"function\"}", "[1,", "[] []"}) {
            final LLMRequest request = LLMRequest.newBuilder().setModel("m").setUserPrompt("x").setTools(tools).build();
            assertThrows(IllegalArgumentException.class, () -> body(request, "m", 0), tools);
        }
        for (double temperature : new double[] {Double.NaN, Double.POSITIVE_INFINITY}) {
            final LLMRequest request = LLMRequest.newBuilder().setModel("m").setUserPrompt("x")
                    .setTemperature(temperature).build();
            assertThrows(IllegalArgumentException.class, () -> body(request, "m", 0), "temperature " + temperature);
        }
    }
}
