package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RequestBody}: the pieces of a body gathered as they came, and the body compacted when it is to be kept for
 * a stream's life while the reads it is part of hold much more than it.
 */
class RequestBodyTest {
    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String JSON = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Hello\"}]}";

    @Test
    void aShortBodyInALargeReadIsCopiedAndTheReadGoesBackToThePool() {
        final ByteBuf read = ALLOC.directBuffer(2048);
        read.writeBytes("POST / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).skipBytes(19);
        read.writeBytes(JSON.getBytes(StandardCharsets.UTF_8));
        final RequestBody body = new RequestBody(ALLOC, 1 << 20);
        assertTrue(body.add(read.readRetainedSlice(read.readableBytes())));
        read.release();

        final ByteBuf kept = RequestBody.compact(body.take(), ALLOC);
        try {
            assertFalse(kept instanceof CompositeByteBuf, "a buffer of its own");
            assertEquals(JSON, kept.toString(StandardCharsets.UTF_8));
            assertEquals(0, read.refCnt(), "nothing keeps the read any more");
        } finally {
            kept.release();
        }
    }

    /** The chunks of a chunked body, or the DATA frames of one HTTP/2 read: one read, counted once. */
    @Test
    void aBodyInSeveralPartsOfOneReadThatFillsItIsKeptAsItCame() {
        final ByteBuf read = ALLOC.directBuffer(2048);
        read.writeBytes("x".repeat(1500).getBytes(StandardCharsets.US_ASCII));
        final RequestBody body = new RequestBody(ALLOC, 1 << 20);
        for (int i = 0; i < 3; i++) {
            assertTrue(body.add(read.readRetainedSlice(500)));
        }
        read.release();
        final ByteBuf taken = body.take();

        final ByteBuf kept = RequestBody.compact(taken, ALLOC);
        try {
            assertSame(taken, kept, "the read holds 2,048 bytes for a body of 1,500");
            assertEquals(1500, kept.readableBytes());
        } finally {
            kept.release();
        }
        assertEquals(0, read.refCnt());
    }

    @Test
    void aBodyThatFillsItsReadsIsKeptAsItCame() {
        final RequestBody body = new RequestBody(ALLOC, 1 << 20);
        final ByteBuf[] reads = new ByteBuf[3];
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < reads.length; i++) {
            final String part = String.valueOf((char) ('a' + i)).repeat(1000);
            reads[i] = ALLOC.directBuffer(1024).writeBytes(part.getBytes(StandardCharsets.US_ASCII));
            text.append(part);
            assertTrue(body.add(reads[i].readRetainedSlice(1000)));
            reads[i].release();
        }
        final ByteBuf taken = body.take();

        final ByteBuf kept = RequestBody.compact(taken, ALLOC);
        try {
            assertSame(taken, kept, "no copy where the reads hold little more than the body");
            assertEquals(3, assertInstanceOf(CompositeByteBuf.class, kept).numComponents());
            assertEquals(text.toString(), kept.toString(StandardCharsets.US_ASCII));
            assertEquals(1, reads[0].refCnt());
        } finally {
            kept.release();
        }
        assertEquals(0, reads[2].refCnt());
    }
}
