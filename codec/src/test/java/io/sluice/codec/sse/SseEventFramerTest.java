package io.sluice.codec.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.testkit.DirectBuffers;
import io.sluice.testkit.Splits;
import io.sluice.testkit.WireSamples;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseEventFramerTest {

    /**
     * Frames pieces as a relay would: events may span pieces; the unfinished tail is returned last. The pieces
     * alternate between direct buffers (a socket's reads), whose memory the framer reads itself, and heap ones, so
     * that both ways of searching meet at the cuts.
     */
    static List<String> frame(List<byte[]> pieces) {
        final SseEventFramer framer = new SseEventFramer();
        final List<String> events = new ArrayList<>();
        final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        boolean direct = true;
        for (byte[] piece : pieces) {
            final ByteBuf buf = direct ? DirectBuffers.of(piece) : Unpooled.wrappedBuffer(piece);
            direct = !direct;
            try {
                int start = buf.readerIndex();
                int end;
                while ((end = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0) {
                    pending.write(piece, start, end - start);
                    events.add(pending.toString(StandardCharsets.UTF_8));
                    pending.reset();
                    start = end;
                }
                pending.write(piece, start, piece.length - start);
            } finally {
                buf.release();
            }
        }
        if (pending.size() > 0) {
            events.add(pending.toString(StandardCharsets.UTF_8));
        }
        return events;
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "openai_chat_stream_usage.txt", "openai_chat_stream_no_usage.txt", "openai_chat_stream_tool_call.txt",
            "openai_completions_stream_usage.txt", "azure_chat_stream.txt", "vllm_chat_stream_continuous_usage.txt",
            "tgi_generate_stream_nospace.txt", "openrouter_chat_stream_reconstructed.txt",
            "anthropic_stream_thinking_text.txt", "anthropic_stream_basic_sdkfixture.txt"})
    void wireSamplesFrameTheSameWhereverTheyAreCut(String sample) {
        final byte[] bytes = WireSamples.bytes(sample);
        final List<String> expected = splitOnBlankLines(new String(bytes, StandardCharsets.UTF_8));
        for (List<byte[]> split : Splits.all(bytes, sample.hashCode())) {
            assertEquals(expected, frame(split), sample);
        }
    }

    @Test
    void crlfLineEndsEndTheEventAfterTheFinalLf() {
        final byte[] bytes = "data: a\r\n\r\ndata: b\r\n\r\n: ping\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (List<byte[]> split : Splits.all(bytes, 1)) {
            assertEquals(List.of("data: a\r\n\r\n", "data: b\r\n\r\n", ": ping\r\n\r\n"), frame(split));
        }
    }

    @Test
    void loneCrLineEndsAreEventBoundariesToo() {
        final byte[] bytes = "data: a\r\rdata: b\n\ndata: c\r\n\ndata: d\n\r\n".getBytes(StandardCharsets.US_ASCII);
        for (List<byte[]> split : Splits.all(bytes, 2)) {
            assertEquals(List.of("data: a\r\r", "data: b\n\n", "data: c\r\n\n", "data: d\n\r\n"), frame(split));
        }
    }

    @Test
    void multiLineEventsAndTheUnterminatedTailStayWhole() {
        final byte[] bytes = "event: x\ndata: 1\ndata: 2\n\ndata: tail".getBytes(StandardCharsets.US_ASCII);
        for (List<byte[]> split : Splits.all(bytes, 3)) {
            assertEquals(List.of("event: x\ndata: 1\ndata: 2\n\n", "data: tail"), frame(split));
        }
    }

    /** The oracle for LF-only samples: an event ends after each blank line. */
    private static List<String> splitOnBlankLines(String text) {
        final List<String> events = new ArrayList<>();
        int start = 0;
        int blank;
        while ((blank = text.indexOf("\n\n", start)) >= 0) {
            events.add(text.substring(start, blank + 2));
            start = blank + 2;
        }
        if (start < text.length()) {
            events.add(text.substring(start));
        }
        return events;
    }
}
