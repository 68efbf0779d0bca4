package io.sluice.providers.openai;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real streams end whole; the same streams cut before their last event, or before any finish reason, do not. */
class OpenAiStreamEndTest {
    private static final String CHUNK = "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"content\":\"Hi\"},\"finish_reason\":null}]}\n\n";
    /** The test's own reading of a set reason, by regular expression. */
    private static final Pattern FINISHED = Pattern.compile("\"finish_reason\"\\s*:\\s*\"");

    @ParameterizedTest
    @ValueSource(strings = {"openai_chat_stream_usage.txt", "openai_chat_stream_no_usage.txt",
            "openai_chat_stream_tool_call.txt", "vllm_chat_stream_continuous_usage.txt", "tgi_chat_stream.txt",
            "azure_chat_stream.txt", "ollama_openai_compat_stream_reconstructed.txt"})
    void everyRecordedStreamIsWholeFromItsFinishReasonOnAndNotBefore(String sample) {
        final byte[] bytes = WireSamples.bytes(sample);
        final List<String> events = events(bytes);
        int whole = 0;
        while (!FINISHED.matcher(events.get(whole)).find() && !events.get(whole).contains("[DONE]")) {
            whole++;
        }
        assertTrue(whole > 0, sample + ": the first event is the role chunk");
        assertFalse(completeAfter(bytes, whole), sample + ": cut before its event " + whole);
        for (int n = whole + 1; n <= events.size(); n++) {
            assertTrue(completeAfter(bytes, n), sample + ": whole after " + n + " events");
        }
    }

    @Test
    void aFinishChunkWithoutDoneIsWholeAndDoneAloneIsWhole() {
        assertTrue(complete(CHUNK + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\" : \"length\"}]}\n\n"));
        assertTrue(complete(CHUNK + "data:[DONE]\r\n\r\n"));
        assertFalse(complete(CHUNK + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"delta\":{\"content\":\"say \\\"finish_reason\\\":\\\"stop\\\"\"},\"finish_reason\":null}]}\n\n"),
                "the words inside a string are not the key");
        assertTrue(complete(CHUNK + "data: {\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                + "\"finish_reason\":null},{\"index\":1,\"finish_reason\":\"stop\"}]}\n\n"),
                "a second choice's reason counts");
        assertFalse(complete(": OPENROUTER PROCESSING\n\n"), "a comment alone is no answer");
        assertFalse(complete(""), "nor is nothing");
    }

    private static boolean complete(String stream) {
        final byte[] bytes = stream.getBytes(StandardCharsets.UTF_8);
        return completeAfter(bytes, Integer.MAX_VALUE);
    }

    private static boolean completeAfter(byte[] stream, int events) {
        final ByteBuf buf = Unpooled.wrappedBuffer(stream);
        try {
            final SseEventFramer framer = new SseEventFramer();
            final OpenAiStreamEnd end = new OpenAiStreamEnd();
            final BytePlaces underscores = new BytePlaces();
            int start = 0;
            int eventEnd;
            for (int n = 0; n < events && (eventEnd = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0; n++) {
                underscores.collect(buf, start, eventEnd, OpenAiStreamEnd.LETTER, OpenAiStreamEnd.LETTER);
                end.onEvent(buf, start, eventEnd, underscores);
                start = eventEnd;
            }
            return end.complete();
        } finally {
            buf.release();
        }
    }

    private static List<String> events(byte[] stream) {
        final ByteBuf buf = Unpooled.wrappedBuffer(stream);
        try {
            final SseEventFramer framer = new SseEventFramer();
            final List<String> events = new ArrayList<>();
            int start = 0;
            int eventEnd;
            while ((eventEnd = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0) {
                events.add(buf.toString(start, eventEnd - start, StandardCharsets.UTF_8));
                start = eventEnd;
            }
            return events;
        } finally {
            buf.release();
        }
    }
}
