package io.sluice.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.providers.Dialect;
import io.sluice.providers.DialectCodec;
import io.sluice.testkit.WireSamples;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The events a stream relayed byte for byte keeps for a continuation: copied into one buffer of the exchange's
 * allocator, read in batches, and given back when the exchange ends. The allocator is an unpooled direct one, whose
 * count of direct memory in use shows what the partial answer holds.
 */
class PartialAnswerTest {
    private static final DialectCodec OPENAI = Dialect.OPENAI.codec();
    private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true);

    @Test
    void keepsEveryEventShownAcrossReadsAndGivesItsBufferBack() {
        final List<byte[]> stream = longStream();
        final PartialAnswer partial = new PartialAnswer(1_000_000);
        partial.relayedFrom(OPENAI, alloc);
        assertEquals(0, alloc.metric().usedDirectMemory(), "nothing is held before the first event");

        for (byte[] event : stream) {
            final ByteBuf piece = Unpooled.directBuffer(event.length + 16);
            piece.writeZero(16).writeBytes(event);
            partial.keep(piece, 16, piece.writerIndex());
            piece.release();
        }
        assertTrue(alloc.metric().usedDirectMemory() > 0, "the events not read yet are held");

        assertTrue(partial.continuable(), "no finish reason was kept");
        assertEquals(textOf(stream), partial.content());

        partial.release();
        assertEquals(0, alloc.metric().usedDirectMemory(), "the buffer went back");
        final byte[] late = stream.get(1);
        partial.keep(Unpooled.wrappedBuffer(late), 0, late.length);
        assertEquals(0, alloc.metric().usedDirectMemory(), "an event after the end is not kept");
    }

    @Test
    void anEventLargerThanTheFirstBufferIsKeptWhole() {
        final String text = "x".repeat(3000);
        final byte[] event = ("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        final PartialAnswer partial = new PartialAnswer(1_000_000);
        partial.relayedFrom(OPENAI, alloc);
        partial.keep(Unpooled.wrappedBuffer(event), 0, event.length);

        partial.read();
        assertEquals(text, partial.content());
        partial.release();
        assertEquals(0, alloc.metric().usedDirectMemory());
    }

    @Test
    void aStreamThatOutgrowsTheFirstBufferGrowsItOnceToAReadsWorthAndNoFurther() {
        final List<byte[]> stream = longStream();
        final PartialAnswer partial = new PartialAnswer(1_000_000);
        partial.relayedFrom(OPENAI, alloc);
        int kept = 0;
        for (byte[] event : stream) {
            partial.keep(Unpooled.wrappedBuffer(event), 0, event.length);
            kept += event.length;
            if (kept <= 1024) {
                assertEquals(1024, alloc.metric().usedDirectMemory(), "a short stream holds the first 1 KiB");
            } else {
                assertEquals(8 * 1024, alloc.metric().usedDirectMemory(), "past it, one buffer of a read's worth");
            }
        }
        assertTrue(kept > 3 * 8 * 1024, "the stream is read in batches on the way: " + kept);
        partial.read();
        assertEquals(textOf(stream), partial.content());
        partial.release();
        assertEquals(0, alloc.metric().usedDirectMemory());
    }

    @Test
    void aFirstReadLargerThanTheFirstBufferTakesAReadsWorthAtOnce() {
        final List<byte[]> stream = longStream();
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        stream.subList(0, 20).forEach(bytes::writeBytes);
        final ByteBuf read = Unpooled.wrappedBuffer(bytes.toByteArray());
        assertTrue(read.readableBytes() > 1024, "the read holds more than the first buffer: " + read.readableBytes());
        final PartialAnswer partial = new PartialAnswer(1_000_000);
        partial.relayedFrom(OPENAI, alloc);

        int from = 0;
        for (byte[] event : stream.subList(0, 20)) {
            partial.keep(read, from, from + event.length);
            from += event.length;
            assertEquals(8 * 1024, alloc.metric().usedDirectMemory(), "one buffer of a read's worth, never grown");
        }
        partial.read();
        assertEquals(textOf(stream.subList(0, 20)), partial.content());
        partial.release();
        assertEquals(0, alloc.metric().usedDirectMemory());
    }

    /** The sample's events before its finish, three times over: about 36 KB, so batches are read on the way. */
    private static List<byte[]> longStream() {
        final List<byte[]> events = events(WireSamples.bytes("openai_chat_stream_no_usage.txt"));
        final List<byte[]> stream = new ArrayList<>();
        for (int copy = 0; copy < 3; copy++) {
            stream.addAll(events.subList(0, events.size() - 2));
        }
        return stream;
    }

    /** The text a reader of the whole stream at once finds: what the kept events must read as. */
    private static String textOf(List<byte[]> stream) {
        final ByteArrayOutputStream all = new ByteArrayOutputStream();
        stream.forEach(all::writeBytes);
        final StringBuilder text = new StringBuilder();
        new DeltaReader(OPENAI, true).read(Unpooled.wrappedBuffer(all.toByteArray()),
                delta -> text.append(delta.content()));
        return text.toString();
    }

    private static List<byte[]> events(byte[] stream) {
        final ByteBuf buf = Unpooled.wrappedBuffer(stream);
        final SseEventFramer framer = new SseEventFramer();
        final List<byte[]> events = new ArrayList<>();
        int start = 0;
        int end;
        while ((end = framer.nextEventEnd(buf, start, buf.writerIndex())) >= 0) {
            final byte[] event = new byte[end - start];
            buf.getBytes(start, event);
            events.add(event);
            start = end;
        }
        return events;
    }
}
