package io.sluice.providers;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.Json;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.RequestScanner;
import io.sluice.providers.openai.OpenAiEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestEditsTest {

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

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // A request that named no model took the default route: the model is added.
            "{\"messages\":[]}|{\"model\":\"b\",\"max_tokens\":100,\"messages\":[]}",
            "{}|{\"model\":\"b\",\"max_tokens\":100}",
            "{\"stream\":true}"
                    + "|{\"model\":\"b\",\"max_tokens\":100,\"stream_options\":{\"include_usage\":true},\"stream\":true}",
            "{\"model\":\"a\",\"max_tokens\":7}|{\"model\":\"b\",\"max_tokens\":7}",
            "{\"model\":\"a\",\"max_completion_tokens\":7}|{\"model\":\"b\",\"max_completion_tokens\":7}",
            "{\"model\":\"a\",\"max_tokens\":null}|{\"model\":\"b\",\"max_tokens\":null}"})
    void addsTheModelAndADefaultMaxTokensWhereTheRequestHasNone(String body, String expected) throws Exception {
        assertEquals(expected, edit(body, OpenAiEndpoint.CHAT_COMPLETIONS, "b", true, 100).body);
    }

    @Test
    void aDefaultMaxTokensGoesOnlyWhereTheApiNamesItSo() throws Exception {
        final String body = "{\"model\":\"m\",\"input\":\"hi\"}";
        assertEquals(body, edit(body, OpenAiEndpoint.RESPONSES, null, true, 100).body);
        assertEquals(body, edit(body, OpenAiEndpoint.EMBEDDINGS, null, true, 100).body);
        assertEquals("{\"max_tokens\":100,\"model\":\"m\",\"prompt\":\"hi\"}",
                edit("{\"model\":\"m\",\"prompt\":\"hi\"}", OpenAiEndpoint.COMPLETIONS, null, true, 100).body);
    }

    private record Edited(String body, boolean drop) {
    }

    private static Edited edit(String body, OpenAiEndpoint endpoint, String backendModel, boolean askForUsage)
            throws Exception {
        return edit(body, endpoint, backendModel, askForUsage, 0);
    }

    private static Edited edit(String body, OpenAiEndpoint endpoint, String backendModel, boolean askForUsage,
                               int defaultMaxTokens) throws Exception {
        final ByteBuf original = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            final RequestPlan plan = RequestEdits.plan(RequestScanner.scan(original), endpoint,
                    backendModel == null ? null : Json.quotedUtf8(backendModel), askForUsage, defaultMaxTokens);
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
