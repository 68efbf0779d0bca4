package io.sluice.providers.anthropic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.providers.TranslatedRequest;
import io.sluice.providers.openai.OpenAiCodec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests translated between the Messages API and OpenAI's chat form, field by field, as bytes on the wire. */
class AnthropicRequestsTest {
    private static String toOpenAi(String messages) throws MalformedRequestException {
        final ByteBuf body = Unpooled.copiedBuffer(messages, StandardCharsets.UTF_8);
        try {
            final TranslatedRequest request = AnthropicCodec.INSTANCE.toOpenAi(body);
            return new String(OpenAiCodec.INSTANCE.fromOpenAi(request, "backend", true, 0), StandardCharsets.UTF_8);
        } finally {
            body.release();
        }
    }

    private static String toAnthropic(String chat) throws MalformedRequestException {
        final ByteBuf body = Unpooled.copiedBuffer(chat, StandardCharsets.UTF_8);
        try {
            final TranslatedRequest request = OpenAiCodec.INSTANCE.toOpenAi(body);
            return new String(AnthropicCodec.INSTANCE.fromOpenAi(request, "claude-x", true, 0),
                    StandardCharsets.UTF_8);
        } finally {
            body.release();
        }
    }

    @Test
    void aConversationWithToolsBecomesOpenAiMessages() throws Exception {
        assertEquals("{\"model\":\"backend\",\"messages\":[{\"role\":\"system\",\"content\":\"A.\\nB.\"},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Look:\"},{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64,iVBO\"}}]},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"x\\\":1}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"t1\",\"content\":\"Error: no\"},"
                + "{\"role\":\"user\",\"content\":\"next\"}],"
                + "\"max_tokens\":100,\"stop\":[\"END\"],\"temperature\":0.2,\"top_k\":5,\"stream\":true,"
                + "\"user\":\"u-1\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\","
                + "\"parallel_tool_calls\":false,\"reasoning_effort\":\"medium\","
                + "\"stream_options\":{\"include_usage\":true}}",
                toOpenAi("{\"model\":\"m\",\"system\":[{\"type\":\"text\",\"text\":\"A.\"},{\"type\":\"text\","
                        + "\"text\":\"B.\"}],\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                        + "\"text\":\"Look:\"},{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":"
                        + "\"image/png\",\"data\":\"iVBO\"}}]},{\"role\":\"assistant\",\"content\":[{\"type\":"
                        + "\"tool_use\",\"id\":\"t1\",\"name\":\"f\",\"input\":{\"x\":1}}]},{\"role\":\"user\","
                        + "\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":true,"
                        + "\"content\":\"no\"},{\"type\":\"text\",\"text\":\"next\"}]}],\"max_tokens\":100,"
                        + "\"stop_sequences\":[\"END\"],\"temperature\":0.2,\"top_k\":5,\"stream\":true,"
                        + "\"metadata\":{\"user_id\":\"u-1\"},\"tools\":[{\"name\":\"f\",\"input_schema\":"
                        + "{\"type\":\"object\"}},{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
                        + "\"tool_choice\":{\"type\":\"any\",\"disable_parallel_tool_use\":true},"
                        + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":8000}}"));
    }

    @Test
    void aChatRequestBecomesAMessagesRequest() throws Exception {
        assertEquals("{\"model\":\"claude-x\",\"max_tokens\":4096,\"system\":\"Be kind.\\n\\nBe brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://x/y.png\"}}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"c1\",\"name\":\"f\","
                + "\"input\":{\"a\":\"b\"}}]},{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\","
                + "\"tool_use_id\":\"c1\",\"content\":\"ok\"},{\"type\":\"tool_result\",\"tool_use_id\":\"c2\","
                + "\"content\":\"ok too\"}]}],\"stop_sequences\":[\"x\"],\"temperature\":1,\"metadata\":"
                + "{\"user_id\":\"u\"},\"tools\":[{\"name\":\"f\",\"input_schema\":{\"type\":\"object\"}}],"
                + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"f\"}}",
                toAnthropic("{\"model\":\"c\",\"messages\":[{\"role\":\"system\",\"content\":\"Be kind.\"},"
                        + "{\"role\":\"developer\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":"
                        + "[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"text\",\"text\":\"\"},{\"type\":"
                        + "\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\"}}]},{\"role\":\"assistant\","
                        + "\"content\":\"\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":"
                        + "{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":\\\"b\\\"}\"}}]},{\"role\":\"tool\","
                        + "\"tool_call_id\":\"c1\",\"content\":\"ok\"},{\"role\":\"tool\",\"tool_call_id\":\"c2\","
                        + "\"content\":\"ok too\"}],\"stop\":\"x\",\"temperature\":1.7,\"user\":\"u\","
                        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                        + "\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}"));
    }

    @Test
    void thinkingDropsWhatAnthropicRefusesBesideIt() throws Exception {
        assertEquals("{\"model\":\"claude-x\",\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":16384},"
                + "\"max_tokens\":17408,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\","
                + "\"text\":\"q\"}]}],\"top_p\":0.95,\"tools\":[{\"name\":\"f\",\"input_schema\":"
                + "{\"type\":\"object\"}}],\"tool_choice\":{\"type\":\"auto\"}}",
                toAnthropic("{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}],"
                        + "\"reasoning_effort\":\"high\",\"max_tokens\":1000,\"temperature\":0.7,\"top_k\":3,"
                        + "\"top_p\":0.5,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                        + "\"tool_choice\":\"required\"}"));
    }

    @Test
    void noThinkingInsideAToolLoopItsSignedBlocksCannotBeGivenBack() throws Exception {
        final String translated = toAnthropic("{\"model\":\"c\",\"reasoning_effort\":\"low\",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\","
                + "\"content\":\"r\"}]}");
        assertFalse(translated.contains("thinking"), translated);
        assertTrue(toAnthropic("{\"model\":\"c\",\"reasoning_effort\":\"low\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"q\"}]}").contains("\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}"));
    }

    @Test
    void aMessagesRequestWithoutMessagesIsRefused() {
        final ByteBuf body = Unpooled.copiedBuffer("{\"model\":\"m\",\"messages\":\"hi\"}", StandardCharsets.UTF_8);
        try {
            final MalformedRequestException e = assertThrows(MalformedRequestException.class,
                    () -> AnthropicCodec.INSTANCE.toOpenAi(body));
            assertEquals("messages", e.param());
        } finally {
            body.release();
        }
    }

    @Test
    void oddTypesAreTakenAsAbsentNeverAsACrash() throws Exception {
        final String translated = toOpenAi("{\"model\":7,\"system\":{\"x\":1},\"messages\":[3,null,{\"role\":null,"
                + "\"content\":5},{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"name\":[1]}]}],"
                + "\"metadata\":\"u\",\"tools\":\"no\",\"tool_choice\":1,\"thinking\":[]}");
        assertEquals("{\"model\":\"backend\",\"messages\":[{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"\",\"type\":\"function\",\"function\":{\"name\":\"\",\"arguments\":"
                + "\"{}\"}}]}]}", translated);
    }
}
