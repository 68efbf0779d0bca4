package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.sse.SseData;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.EventUsage;
import io.sluice.codec.usage.Usage;
import io.sluice.codec.usage.UsageReader;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher looks for the usage key and the finish reason at the letters its framer placed in each event, or that
 * it found itself in an event the framer did not see whole; either way it must find what the test reads in each event
 * by regular expression and a parse of its data: after every event the same completeness and the same event left
 * out (a usage-only chunk), and at the end the usage of the last event with a usage key.
 */
class OpenAiStreamWatcherTest {
    /** The test's own reading of a usage key with an object value, and of a set finish reason, by regular expression. */
    private static final Pattern USAGE_KEY = Pattern.compile("\"usage\"\\s*:\\s*\\{");
    private static final Pattern FINISHED = Pattern.compile("\"finish_reason\"\\s*:\\s*\"");
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

    /**
     * Shows every event of {@code stream} to the watcher, with the letters its framer placed and without (the
     * watcher then searches the event itself), and compares both with the test's own reading of the event after each.
     */
    private static OpenAiStreamWatcher watch(String stream) {
        return watch(stream.getBytes(StandardCharsets.UTF_8));
    }

    private static OpenAiStreamWatcher watch(byte[] stream) {
        final ByteBuf buf = Unpooled.directBuffer(stream.length).writeBytes(stream);
        try {
            final OpenAiStreamWatcher watcher = new OpenAiStreamWatcher(true, true);
            final OpenAiStreamWatcher searching = new OpenAiStreamWatcher(true, true);
            final SseEventFramer framer = watcher.framer();
            boolean whole = false;
            Usage usage = null;
            int start = 0;
            int eventEnd;
            while ((eventEnd = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0) {
                assertNotNull(framer.places(), "the framer placed the letters of an event it saw whole");
                final String event = buf.toString(start, eventEnd - start, StandardCharsets.UTF_8);
                whole = whole || FINISHED.matcher(event).find() || event.strip().equals("data: [DONE]");
                final boolean usageKey = USAGE_KEY.matcher(event).find();
                final EventUsage read = usageKey ? readEvent(buf, start, eventEnd) : null;
                if (usageKey) {
                    usage = read == null ? null : read.usage();
                }
                final boolean leftOut = read != null && read.usageOnly();
                assertEquals(leftOut, watcher.onEvent(buf, start, eventEnd, framer.places()), "the event left out");
                assertEquals(leftOut, searching.onEvent(buf, start, eventEnd, null),
                        "the event left out when the watcher finds the letters itself");
                assertEquals(whole, watcher.complete(), "completeness after: " + event);
                assertEquals(whole, searching.complete(), "completeness, letters found alone, after: " + event);
                start = eventEnd;
            }
            assertEquals(usage, watcher.usage(), "the usage");
            assertEquals(usage, searching.usage(), "the usage, letters found alone");
            return watcher;
        } finally {
            buf.release();
        }
    }

    /** A parse of the event's data. */
    private static EventUsage readEvent(ByteBuf buf, int from, int to) {
        final CaptureBuffer data = new CaptureBuffer(512, Integer.MAX_VALUE);
        return SseData.copyData(buf, from, to, data) ? UsageReader.readEvent(data.array(), data.length()) : null;
    }
}
