package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.RequestScanner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiRequestEditsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{\"model\":\"m\",\"stream\":true}"
                    + "|{\"stream_options\":{\"include_usage\":true},\"model\":\"m\",\"stream\":true}|true",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":null}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}|true",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\": { } }"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\": {\"include_usage\":true} }|true",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"continuous_usage_stats\":true}}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true,\"continuous_usage_stats\":true}}|true",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":false}}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}|true",
            "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"
                    + "|{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}|false",
            "{\"model\":\"m\",\"stream\":false}|{\"model\":\"m\",\"stream\":false}|false",
            "{\"model\":\"m\"}|{\"model\":\"m\"}|false"})
    void makesStreamsReportUsageAndSaysWhetherTheClientAskedForIt(String body, String expected, boolean drop)
            throws Exception {
        assertEquals(new Edited(expected, drop), edit(body, OpenAiEndpoint.CHAT_COMPLETIONS, null, true));
    }

    @Test
    void renamesTheModelAndLeavesEveryOtherByteAlone() throws Exception {
        final String body = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"héllo \\\"model\\\"\"}],\n"
                + "  \"model\":\"fast\" , \"temperature\":0.2,\"stream\":true}";
        final Edited edited = edit(body, OpenAiEndpoint.CHAT_COMPLETIONS, "meta/llama-3\"8b\"", true);
        assertEquals("{\"stream_options\":{\"include_usage\":true}, \"messages\" : [{\"role\":\"user\","
                + "\"content\":\"héllo \\\"model\\\"\"}],\n  \"model\":\"meta/llama-3\\\"8b\\\"\" , "
                + "\"temperature\":0.2,\"stream\":true}", edited.body);
        assertTrue(edited.drop);
    }

    @Test
    void leavesStreamOptionsAloneWhereTheApiHasNone() throws Exception {
        final String body = "{\"model\":\"m\",\"input\":\"hi\",\"stream\":true}";
        assertEquals(new Edited(body, false), edit(body, OpenAiEndpoint.RESPONSES, null, true));
        assertEquals(new Edited(body, false), edit(body, OpenAiEndpoint.CHAT_COMPLETIONS, null, false));
        final Edited embedding = edit("{\"model\":\"m\",\"input\":\"x\"}", OpenAiEndpoint.EMBEDDINGS, "e", true);
        assertEquals("{\"model\":\"e\",\"input\":\"x\"}", embedding.body);
        assertFalse(embedding.drop);
    }

    private record Edited(String body, boolean drop) {
    }

    private static Edited edit(String body, OpenAiEndpoint endpoint, String backendModel, boolean askForUsage)
            throws Exception {
        final ByteBuf original = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            final RequestPlan plan = OpenAiRequestEdits.plan(RequestScanner.scan(original), endpoint,
                    backendModel == null ? null : Json.quotedUtf8(backendModel), askForUsage);
            final ByteBuf edited = JsonSplice.apply(ByteBufAllocator.DEFAULT, original, plan.edits());
            try {
                return new Edited(edited.toString(StandardCharsets.UTF_8), plan.dropUsageOnlyEvents());
            } finally {
                edited.release();
            }
        } finally {
            original.release();
        }
    }
}
