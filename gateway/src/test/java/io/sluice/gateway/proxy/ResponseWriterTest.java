package io.sluice.gateway.proxy;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.sluice.gateway.net.PipelineNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What {@link ResponseWriter} puts on the wire: on HTTP/1.1 bytes behind the response encoder, the pieces themselves,
 * each with its own chunk framing where its buffer holds the framing Sluice would write and else between a run's
 * chunk header and CRLF, with the encoder left as it was for Sluice's own next answer; on HTTP/2 frames whose
 * contents are the pieces.
 */
class ResponseWriterTest {
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void onHttp11TheHeadIsItsFieldsAsGivenAndTheBatchOneChunkAroundThePiecesThemselves() {
        final ResponseWriter writer = http1Writer();
        final HeadFields fields = writer.startHead(200);
        fields.add("content-type", "text/event-stream");
        fields.add("x-ratelimit-remaining-tokens", "999");
        fields.add("transfer-encoding", "chunked");
        writer.endHead(true);
        final List<ByteBuf> pieces = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            final String event = "data: " + i + "\n\n";
            pieces.add(text(event));
            text.append(event);
            writer.add(pieces.get(i));
        }
        writer.write();
        final ChannelFuture end = writer.end();

        assertEquals("HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nx-ratelimit-remaining-tokens: 999\r\n"
                + "transfer-encoding: chunked\r\n\r\n", readOutbound());
        assertEquals(Integer.toHexString(text.length()) + "\r\n", readOutbound());
        for (ByteBuf piece : pieces) {
            final ByteBuf written = channel.readOutbound();
            assertSame(piece, written, "each piece is written as it came: no copy, no composite");
            written.release();
        }
        assertEquals("\r\n", readOutbound());
        assertEquals("0\r\n\r\n", readOutbound());
        assertNull(channel.readOutbound());
        assertTrue(end.isSuccess(), "the end's future is that of the last write");
    }

    @Test
    void onHttp11EachWriteIsAChunkOfItsOwnSizedInHexAndTheLastCarriesTheEnd() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(299).add("transfer-encoding", "chunked");
        writer.endHead(true);
        final String large = "x".repeat(0x1a2b);
        writer.add(text(large));
        writer.write();
        writer.write(); // nothing gathered since: nothing written
        writer.add(text("y"));
        writer.add(Unpooled.EMPTY_BUFFER);
        writer.write();
        writer.add(Unpooled.EMPTY_BUFFER);
        writer.write(); // a chunk of no bytes would end the body: not written
        writer.add(text("z"));
        assertTrue(writer.end().isSuccess());

        assertEquals("HTTP/1.1 299 Success (299)\r\ntransfer-encoding: chunked\r\n\r\n" + "1a2b\r\n" + large
                + "\r\n" + "1\r\ny\r\n" + "1\r\nz\r\n0\r\n\r\n", allOutbound());
    }

    @Test
    void onHttp11APieceCarryingTheFramingSluiceWouldWriteGoesOutAsThatChunkAndThePiecesBetweenInRuns() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(200).add("transfer-encoding", "chunked");
        writer.endHead(true);
        final String large = "x".repeat(0x1a);
        final ByteBuf event = framed("9\r\n", "data: 1\n\n", "\r\n");
        final ByteBuf largeEvent = framed("1a\r\n", large, "\r\n");
        final ByteBuf last = framed("3\r\n", "xyz", "\r\n");
        writer.add(text("a"));
        writer.add(event);
        writer.add(text("bc"));
        writer.add(text("d"));
        writer.add(largeEvent);
        writer.write();
        writer.add(last);
        final ChannelFuture end = writer.end();

        readOutbound(); // the head
        assertEquals("1\r\n", readOutbound());
        assertEquals("a", readOutbound());
        assertEquals("\r\n", readOutbound());
        assertSame(event, channel.readOutbound(), "the piece itself, its own framing taken in");
        assertEquals("9\r\ndata: 1\n\n\r\n", event.toString(StandardCharsets.UTF_8));
        event.release();
        assertEquals("3\r\n", readOutbound());
        assertEquals("bc", readOutbound());
        assertEquals("d", readOutbound());
        assertEquals("\r\n", readOutbound());
        assertEquals("1a\r\n" + large + "\r\n", readOutbound());
        assertEquals("3\r\nxyz\r\n", readOutbound());
        assertEquals("0\r\n\r\n", readOutbound());
        assertNull(channel.readOutbound());
        assertTrue(end.isSuccess(), "the end's future is that of the last write");
    }

    @Test
    void onHttp11TheEndFollowsAFramedPieceOrARunAfterOneAndEmptyPiecesWriteNothing() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(200).add("transfer-encoding", "chunked");
        writer.endHead(true);
        writer.add(framed("2\r\n", "ab", "\r\n"));
        writer.add(Unpooled.EMPTY_BUFFER);
        writer.write();
        writer.add(framed("2\r\n", "cd", "\r\n"));
        writer.add(text("e"));
        writer.end();
        assertEquals("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + "2\r\nab\r\n" + "2\r\ncd\r\n"
                + "1\r\ne\r\n0\r\n\r\n", allOutbound());
        channel.finishAndReleaseAll();

        final ResponseWriter second = http1Writer();
        second.startHead(200).add("transfer-encoding", "chunked");
        second.endHead(true);
        second.add(framed("2\r\n", "ab", "\r\n"));
        second.add(Unpooled.EMPTY_BUFFER);
        assertTrue(second.end().isSuccess());
        assertEquals("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + "2\r\nab\r\n0\r\n\r\n",
                allOutbound());
    }

    @Test
    void aPieceCarryingChunkFramingIsWrittenAsItsDataAloneOnASizedBodyAndOnHttp2() {
        final ResponseWriter sized = http1Writer();
        sized.startHead(200).add("content-length", "2");
        sized.endHead(false);
        sized.add(framed("2\r\n", "ab", "\r\n"));
        sized.end();
        assertEquals("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nab", allOutbound());
        channel.finishAndReleaseAll();

        final ResponseWriter h2 = new ResponseWriter(http2(), null);
        h2.add(framed("2\r\n", "ab", "\r\n"));
        h2.end();
        final Http2DataFrame data = channel.readOutbound();
        assertEquals("ab", data.content().toString(StandardCharsets.UTF_8));
        data.release();
    }

    @Test
    void onHttp11FramingOtherThanWhatSluiceWritesIsLeftOutAndThePieceFramedAnew() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(200).add("transfer-encoding", "chunked");
        writer.endHead(true);
        writer.add(framed("A\r\n", "0123456789", "\r\n"));
        writer.add(framed("05\r\n", "hello", "\r\n"));
        writer.add(framed("5;x=1\r\n", "hello", "\r\n"));
        writer.add(framed("5\r\n", "hello", "XY"));
        writer.add(framed("5\n\n", "hello", "\r\n"));
        writer.add(framed("6\r\n", "hello", "\r\n"));
        writer.add(framed("5\r\n", "hello", "\r"));
        assertTrue(writer.end().isSuccess());

        assertEquals("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + "28\r\n0123456789"
                + "hello".repeat(6) + "\r\n0\r\n\r\n", allOutbound(), "one chunk of the pieces' own bytes");
    }

    @Test
    void onHttp11ASizedBodyIsWrittenWithoutChunkFraming() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(200).add("content-length", "7");
        writer.endHead(false);
        writer.add(text("{\"a\""));
        writer.add(text(":1}"));
        assertTrue(writer.end().isSuccess());

        assertEquals("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{\"a\":1}", allOutbound());
    }

    @Test
    void onHttp11ABodylessResponseEndsWithNothingMore() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(204).add("x-request-id", "r1");
        writer.endHead(false);
        assertTrue(writer.end().isSuccess());

        assertEquals("HTTP/1.1 204 No Content\r\nx-request-id: r1\r\n\r\n", allOutbound());
    }

    @Test
    void onHttp11TheEncoderNeverSeesARelayedResponseAndAnswersTheNextAsItsFirst() {
        final ResponseWriter writer = http1Writer();
        writer.startHead(200).add("transfer-encoding", "chunked");
        writer.endHead(true);
        writer.add(text("data: a\n\n"));
        writer.end();
        allOutbound();

        final FullHttpResponse own = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND,
                text("{}"));
        own.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        channel.pipeline().context(PipelineNames.REQUEST_HANDLER).writeAndFlush(own);
        assertEquals("HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\n\r\n{}", allOutbound());
    }

    @Test
    void onHttp2TheHeadIsAHeadersFrameWithoutFramingFieldsAndASinglePieceTheDataAsItCame() {
        final ResponseWriter writer = new ResponseWriter(http2(), null);
        final HeadFields fields = writer.startHead(201);
        fields.add("Content-Type", "application/json");
        fields.add("x-request-id", "r1");
        fields.add("Transfer-Encoding", "chunked");
        fields.add("connection", "close");
        writer.endHead(false);
        final ByteBuf piece = text("data: a\n\n");
        writer.add(piece);
        writer.write();
        channel.flush();
        final Http2HeadersFrame head = channel.readOutbound();
        assertFalse(head.isEndStream());
        assertEquals("201", head.headers().status().toString());
        assertEquals("application/json", head.headers().get("content-type").toString(), "a lower-cased name");
        assertEquals("r1", head.headers().get("x-request-id").toString());
        assertEquals(3, head.headers().size(), "HTTP/1.1's framing fields are left out: " + head.headers());
        final Http2DataFrame data = channel.readOutbound();
        assertFalse(data.isEndStream());
        assertSame(piece, data.content());
        data.release();
        writer.write();
        channel.flush();
        assertNull(channel.readOutbound(), "a write empties the batch");
        assertTrue(writer.end().isSuccess());
        final Http2DataFrame end = channel.readOutbound();
        assertTrue(end.isEndStream());
        assertEquals(0, end.content().readableBytes(), "nothing left: an empty end");
    }

    @Test
    void onHttp2ManyPiecesAreTheComponentsOfOneDataFrameInOrderAndTheLastBatchEndsTheStream() {
        final ResponseWriter writer = new ResponseWriter(http2(), null);
        final StringBuilder expected = new StringBuilder();
        final ByteBuf first = text("data: 0\n\n");
        writer.add(first);
        expected.append("data: 0\n\n");
        for (int i = 1; i < 100; i++) {
            final String event = "data: " + i + "\n\n";
            writer.add(text(event));
            expected.append(event);
        }
        writer.end();
        final Http2DataFrame data = channel.readOutbound();
        assertTrue(data.isEndStream());
        final CompositeByteBuf composite = assertInstanceOf(CompositeByteBuf.class, data.content());
        assertEquals(100, composite.numComponents(), "the pieces are components, not copies");
        assertEquals(expected.toString(), composite.toString(StandardCharsets.UTF_8));
        data.release();
        assertEquals(0, first.refCnt(), "releasing the frame releases every piece");
    }

    @Test
    void aResponseWithoutABodyGetsNoneWhateverTheRelayWrites() {
        final ResponseWriter writer = http1Writer();
        relayAnEventAfterA204(writer);
        writer.end();

        assertEquals("HTTP/1.1 204 No Content\r\nx-request-id: r1\r\n\r\n", allOutbound());
    }

    @Test
    void onHttp2AResponseWithoutABodyIsItsHeadThenTheStreamsEnd() {
        final ResponseWriter writer = new ResponseWriter(http2(), null);
        relayAnEventAfterA204(writer);
        assertTrue(writer.end().isSuccess());
        final Http2HeadersFrame head = channel.readOutbound();
        assertEquals("204", head.headers().status().toString());
        assertFalse(head.isEndStream());
        final Http2DataFrame end = channel.readOutbound();
        assertTrue(end.isEndStream());
        assertEquals(0, end.content().readableBytes());
        assertNull(channel.readOutbound());
    }

    @Test
    void releaseDropsWhatWasGatheredAndAHeadNotWritten() {
        final List<ByteBuf> allocated = new ArrayList<>();
        channel = new EmbeddedChannel();
        channel.config().setAllocator(new AbstractByteBufAllocator(true) {
            @Override
            protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
                return newDirectBuffer(initialCapacity, maxCapacity);
            }

            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                final ByteBuf buf = Unpooled.directBuffer(initialCapacity, maxCapacity);
                allocated.add(buf);
                return buf;
            }

            @Override
            public boolean isDirectBufferPooled() {
                return false;
            }
        });
        channel.pipeline().addLast(PipelineNames.HTTP_ENCODER, new HttpResponseEncoder())
                .addLast(PipelineNames.REQUEST_HANDLER, new ChannelInboundHandlerAdapter());
        final ResponseWriter writer = new ResponseWriter(channel.pipeline().context(PipelineNames.REQUEST_HANDLER),
                channel.pipeline().context(PipelineNames.HTTP_ENCODER));
        final ByteBuf first = text("a");
        final ByteBuf second = text("b");
        writer.add(first);
        writer.add(second);
        writer.startHead(200).add("content-type", "text/plain");
        assertEquals(1, allocated.size(), "the head's buffer");
        writer.release();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        assertEquals(0, allocated.get(0).refCnt(), "the head's buffer is released with the rest");
        writer.write();
        channel.flush();
        assertNull(channel.readOutbound(), "nothing is left to write");
        writer.release(); // nothing gathered: a no-op
    }

    /** A 204's head, then an error event a relay writes after it, which is dropped at once. */
    private static void relayAnEventAfterA204(ResponseWriter writer) {
        writer.startHead(204).add("x-request-id", "r1");
        writer.endHead(false);
        final ByteBuf event = text("event: error\ndata: {}\n\n");
        writer.add(event);
        assertEquals(0, event.refCnt(), "dropped at once");
        writer.write();
    }

    private ResponseWriter http1Writer() {
        final ChannelHandlerContext handler = http1();
        return new ResponseWriter(handler, channel.pipeline().context(PipelineNames.HTTP_ENCODER));
    }

    /** A client pipeline as HTTP/1.1 has it: the response encoder, then the handler that runs exchanges. */
    private ChannelHandlerContext http1() {
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(PipelineNames.HTTP_ENCODER, new HttpResponseEncoder())
                .addLast(PipelineNames.REQUEST_HANDLER, new ChannelInboundHandlerAdapter());
        return channel.pipeline().context(PipelineNames.REQUEST_HANDLER);
    }

    /** An HTTP/2 stream's pipeline as the handler sees it: frames go out as they are (to the frame codec). */
    private ChannelHandlerContext http2() {
        channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        return channel.pipeline().firstContext();
    }

    private String readOutbound() {
        final ByteBuf written = channel.readOutbound();
        try {
            return written.toString(StandardCharsets.UTF_8);
        } finally {
            written.release();
        }
    }

    private String allOutbound() {
        final StringBuilder all = new StringBuilder();
        ByteBuf written;
        while ((written = channel.readOutbound()) != null) {
            all.append(written.toString(StandardCharsets.UTF_8));
            written.release();
        }
        return all.toString();
    }

    /** {@code data} as a piece's readable bytes, with {@code before} and {@code after} around them in its buffer. */
    private static ByteBuf framed(String before, String data, String after) {
        final ByteBuf whole = Unpooled.wrappedBuffer((before + data + after).getBytes(StandardCharsets.UTF_8));
        return whole.setIndex(before.length(), before.length() + data.length());
    }

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }
}
