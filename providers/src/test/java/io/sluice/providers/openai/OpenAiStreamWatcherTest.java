package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.StreamUsageTee;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher looks for the usage key and the finish reason at the letters its framer placed in each event, or that
 * it found itself in an event the framer did not see whole; either way it must find what the usage tee and the
 * stream-end check find in a pass each: after every event the same completeness and the same event left out, and at
 * the end the same usage.
 */
class OpenAiStreamWatcherTest {
    private static final String CHUNK = "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\","
            + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"%s\"},\"finish_reason\":%s}]%s}\n\n";

    @ParameterizedTest
    @ValueSource(strings = {"openai_chat_stream_usage.txt", "openai_chat_stream_no_usage.txt",
            "openai_chat_stream_tool_call.txt", "openai_chat_stream_parallel_tool_calls.txt",
            "openai_chat_stream_usage_2024_gpt4o.txt", "openai_completions_stream_usage.txt",
            "vllm_chat_stream_continuous_usage.txt", "tgi_chat_stream_usage_reconstructed.txt", "azure_chat_stream.txt",
            "ollama_openai_compat_stream_reconstructed.txt", "openrouter_chat_stream_reconstructed.txt"})
    void onePassFindsWhatTheTwoChecksFindInEveryRecordedStream(String sample) {
        final byte[] bytes = WireSamples.bytes(sample);
        final OpenAiStreamWatcher watched = watch(bytes);
        assertTrue(watched.complete(), sample + " ends whole");
        if (new String(bytes, StandardCharsets.UTF_8).contains("\"usage\":{")) {
            assertNotNull(watched.usage(), sample + " reports its usage");
        }
    }

    @Test
    void theKeysInsideStringsOrWithoutAnObjectAreNotFound() {
        final OpenAiStreamWatcher quoted = watch(CHUNK.formatted(
                "say \\\"usage\\\": {} and \\\"finish_reason\\\": \\\"stop\\\"", "null", ""));
        assertNull(quoted.usage());
        assertFalse(quoted.complete(), "the words inside a string are not the keys");

        final OpenAiStreamWatcher nulls = watch(CHUNK.formatted("growing", "null", ",\"usage\":null"));
        assertNull(nulls.usage());
        assertFalse(nulls.complete());

        final OpenAiStreamWatcher both = watch(CHUNK.formatted("", "\"stop\"",
                ",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}"));
        assertTrue(both.complete(), "a reason and the usage in one event: both found");
        assertEquals(4, both.usage().totalTokens());
    }

    @Test
    void keysWithSpacesAroundTheirColonAreFoundAsWithout() {
        final String spaced = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},"
                + "\"finish_reason\" :  \"stop\"}],\"usage\": {\"prompt_tokens\":3,\"completion_tokens\":1,"
                + "\"total_tokens\":4}}\n\n";
        final OpenAiStreamWatcher watched = watch(spaced);
        assertTrue(watched.complete(), "a reason after a spaced colon");
        assertEquals(4, watched.usage().totalTokens(), "a usage object after a space");

        final OpenAiStreamWatcher nulls = watch("data: {\"choices\":[{\"finish_reason\":\tnull}],\"usage\": null}\n\n");
        assertFalse(nulls.complete());
        assertNull(nulls.usage());
    }

    /** Shows every event of {@code stream} to the watcher and to the two checks alone, and compares them each time. */
    private static OpenAiStreamWatcher watch(String stream) {
        return watch(stream.getBytes(StandardCharsets.UTF_8));
    }

    private static OpenAiStreamWatcher watch(byte[] stream) {
        final ByteBuf buf = Unpooled.directBuffer(stream.length).writeBytes(stream);
        try {
            final OpenAiStreamWatcher watcher = new OpenAiStreamWatcher(true, true);
            final OpenAiStreamWatcher searching = new OpenAiStreamWatcher(true, true);
            final OpenAiStreamEnd end = new OpenAiStreamEnd();
            final StreamUsageTee tee = new StreamUsageTee(true);
            final SseEventFramer framer = watcher.framer();
            int start = 0;
            int eventEnd;
            while ((eventEnd = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0) {
                assertNotNull(framer.places(), "the framer placed the letters of an event it saw whole");
                end.onEvent(buf, start, eventEnd);
                final boolean teeDrops = tee.onEvent(buf, start, eventEnd);
                assertEquals(teeDrops, watcher.onEvent(buf, start, eventEnd, framer.places()),
                        "the same event left out");
                assertEquals(teeDrops, searching.onEvent(buf, start, eventEnd, null),
                        "the same event left out when the watcher finds the letters itself");
                assertEquals(end.complete(), watcher.complete(), "the same completeness");
                assertEquals(end.complete(), searching.complete(), "the same completeness, letters found alone");
                start = eventEnd;
            }
            assertEquals(tee.usage(), watcher.usage(), "the same usage");
            assertEquals(tee.usage(), searching.usage(), "the same usage, letters found alone");
            return watcher;
        } finally {
            buf.release();
        }
    }
}
