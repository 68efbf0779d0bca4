package io.sluice.codec.sse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
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
     * that both ways of searching meet at the cuts. Where the framer gives the places of its two letters in an event,
     * they must be every {@code g} and {@code _} of the event, in order.
     */
    static List<String> frame(List<byte[]> pieces) {
        final SseEventFramer framer = new SseEventFramer((byte) 'g', (byte) '_');
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
                    if (framer.places() != null) {
                        assertEquals(lettersOf(piece, start, end, piece.length), placesOf(framer.places()),
                                "the letters of an event read in one piece");
                    }
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

    @Test
    void anEventReadInOnePieceFromMemoryHasItsLettersPlaced() {
        final byte[] bytes = ("data: {\"usage\":null,\"finish_reason\":\"stop\",\"text\":\"going\"}\n\n"
                + "data: x\n\n").getBytes(StandardCharsets.US_ASCII);
        final SseEventFramer framer = new SseEventFramer((byte) 'g', (byte) '_');
        final ByteBuf buf = DirectBuffers.of(bytes);
        try {
            final int first = framer.nextEventEnd(buf, 0, bytes.length);
            assertEquals(lettersOf(bytes, 0, first, bytes.length), placesOf(framer.places()));
            assertEquals(4, framer.places().count(), "the g of usage, the _ of finish_reason, the two of going");
            framer.nextEventEnd(buf, first, bytes.length);
            assertEquals(0, framer.places().count(), "the next event's own, none");
        } finally {
            buf.release();
        }
    }

    @Test
    void anEventAcrossPiecesOrWithACrHasNoPlaces() {
        final SseEventFramer framer = new SseEventFramer((byte) 'g', (byte) '_');
        final ByteBuf head = DirectBuffers.of("data: {\"usage\"".getBytes(StandardCharsets.US_ASCII));
        final ByteBuf tail = DirectBuffers.of(":{}}\n\ndata: a_b\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        try {
            assertEquals(-1, framer.nextEventEnd(head, 0, head.writerIndex()));
            final int end = framer.nextEventEnd(tail, 0, tail.writerIndex());
            assertEquals(6, end);
            assertEquals(null, framer.places(), "its first letters were in the other piece");
            assertEquals(tail.writerIndex(), framer.nextEventEnd(tail, end, tail.writerIndex()));
            assertEquals(null, framer.places(), "a CR line goes through the state machine, which places nothing");
        } finally {
            head.release();
            tail.release();
        }
    }

    /**
     * Each {@code g} and {@code _} of {@code [from, to)} as its index, the letter, and the eight bytes from four before
     * it and the eight after those, each when they are all within {@code [from, readEnd)}, the range the framer was
     * given.
     */
    private static List<String> lettersOf(byte[] piece, int from, int to, int readEnd) {
        final List<String> letters = new ArrayList<>();
        for (int i = from; i < to; i++) {
            if (piece[i] == 'g' || piece[i] == '_') {
                letters.add(i + ":" + (char) piece[i] + ":" + bytes(piece, i - 4, from, readEnd) + ":"
                        + bytes(piece, i + 4, from, readEnd));
            }
        }
        return letters;
    }

    private static String bytes(byte[] piece, int start, int from, int readEnd) {
        return start >= from && start + 8 <= readEnd ? new String(piece, start, 8, StandardCharsets.ISO_8859_1) : "?";
    }

    private static List<String> placesOf(BytePlaces places) {
        final List<String> letters = new ArrayList<>();
        for (int k = 0; k < places.count(); k++) {
            letters.add(places.at(k) + ":" + (char) places.byteAt(k) + ":" + bytes(places.around(k)) + ":"
                    + bytes(places.after(k)));
        }
        return letters;
    }

    private static String bytes(long word) {
        final byte[] bytes = new byte[8];
        for (int k = 0; k < 8; k++) {
            bytes[k] = (byte) BytePlaces.byteOf(word, k);
        }
        return word == 0 ? "?" : new String(bytes, StandardCharsets.ISO_8859_1);
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
