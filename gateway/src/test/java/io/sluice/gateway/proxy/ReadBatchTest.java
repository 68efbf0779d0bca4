package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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

class ReadBatchTest {
    private EmbeddedChannel channel;

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    @Test
    void onHttp11TheBatchIsOneChunkAroundThePiecesThemselves() {
        final ChannelHandlerContext handler = http1();
        final ReadBatch batch = new ReadBatch(handler, channel.pipeline().context(PipelineNames.HTTP_ENCODER));
        handler.write(head(true));
        batch.chunked(true);
        final List<ByteBuf> pieces = new ArrayList<>();
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            final String event = "data: " + i + "\n\n";
            pieces.add(text(event));
            text.append(event);
            batch.add(pieces.get(i));
        }
        batch.write();
        handler.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);

        final String head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
        assertEquals(head, readOutbound());
        assertEquals(Integer.toHexString(text.length()) + "\r\n", readOutbound());
        for (ByteBuf piece : pieces) {
            final ByteBuf written = channel.readOutbound();
            assertSame(piece, written, "each piece is written as it came: no copy, no composite");
            written.release();
        }
        assertEquals("\r\n", readOutbound());
        assertEquals("0\r\n\r\n", readOutbound());
        assertNull(channel.readOutbound());
    }

    @Test
    void onHttp11EachWriteIsAChunkOfItsOwnSizedInHex() {
        final ChannelHandlerContext handler = http1();
        final ReadBatch batch = new ReadBatch(handler, channel.pipeline().context(PipelineNames.HTTP_ENCODER));
        handler.write(head(true));
        batch.chunked(true);
        final String large = "x".repeat(0x1a2b);
        batch.add(text(large));
        batch.write();
        batch.write(); // nothing gathered since: nothing written
        batch.add(text("y"));
        batch.add(Unpooled.EMPTY_BUFFER);
        batch.write();
        batch.add(Unpooled.EMPTY_BUFFER);
        batch.write(); // a chunk of no bytes would end the body: not written
        handler.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);

        assertEquals("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + "1a2b\r\n" + large + "\r\n"
                + "1\r\ny\r\n" + "0\r\n\r\n", allOutbound());
    }

    @Test
    void onHttp11ASizedBodyIsWrittenWithoutChunkFraming() {
        final ChannelHandlerContext handler = http1();
        final ReadBatch batch = new ReadBatch(handler, channel.pipeline().context(PipelineNames.HTTP_ENCODER));
        final HttpResponse head = head(false);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 7);
        handler.write(head);
        batch.chunked(false);
        batch.add(text("{\"a\""));
        batch.add(text(":1}"));
        batch.write();
        handler.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);

        assertEquals("HTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\n{\"a\":1}", allOutbound());
    }

    @Test
    void onHttp2ASinglePieceIsTheContentAsItCame() {
        final ChannelHandlerContext handler = http2();
        final ReadBatch batch = new ReadBatch(handler, null);
        final ByteBuf piece = text("data: a\n\n");
        batch.add(piece);
        batch.write();
        channel.flush();
        final HttpContent content = channel.readOutbound();
        assertSame(piece, content.content());
        content.release();
        batch.write();
        channel.flush();
        assertNull(channel.readOutbound(), "a write empties the batch");
    }

    @Test
    void onHttp2ManyPiecesAreTheComponentsOfOneContentInOrder() {
        final ChannelHandlerContext handler = http2();
        final ReadBatch batch = new ReadBatch(handler, null);
        final StringBuilder expected = new StringBuilder();
        final ByteBuf first = text("data: 0\n\n");
        batch.add(first);
        expected.append("data: 0\n\n");
        for (int i = 1; i < 100; i++) {
            final String event = "data: " + i + "\n\n";
            batch.add(text(event));
            expected.append(event);
        }
        batch.write();
        channel.flush();
        final HttpContent content = channel.readOutbound();
        assertFalse(content instanceof LastHttpContent);
        final CompositeByteBuf composite = assertInstanceOf(CompositeByteBuf.class, content.content());
        assertEquals(100, composite.numComponents(), "the pieces are components, not copies");
        assertEquals(expected.toString(), composite.toString(StandardCharsets.UTF_8));
        content.release();
        assertEquals(0, first.refCnt(), "releasing the content releases every piece");
    }

    @Test
    void releaseDropsWhatWasGathered() {
        final ChannelHandlerContext handler = http1();
        final ReadBatch batch = new ReadBatch(handler, channel.pipeline().context(PipelineNames.HTTP_ENCODER));
        final ByteBuf first = text("a");
        final ByteBuf second = text("b");
        batch.add(first);
        batch.add(second);
        batch.release();
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
        batch.write();
        channel.flush();
        assertNull(channel.readOutbound(), "nothing is left to write");
        batch.release(); // nothing gathered: a no-op
    }

    /** A client pipeline as HTTP/1.1 has it: the response encoder, then the handler that runs exchanges. */
    private ChannelHandlerContext http1() {
        channel = new EmbeddedChannel();
        channel.pipeline().addLast(PipelineNames.HTTP_ENCODER, new HttpResponseEncoder())
                .addLast(PipelineNames.REQUEST_HANDLER, new ChannelInboundHandlerAdapter());
        return channel.pipeline().context(PipelineNames.REQUEST_HANDLER);
    }

    /** An HTTP/2 stream's pipeline as the handler sees it: HTTP objects go out as they are (to the frame codec). */
    private ChannelHandlerContext http2() {
        channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        return channel.pipeline().firstContext();
    }

    private static HttpResponse head(boolean chunked) {
        final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        HttpUtil.setTransferEncodingChunked(head, chunked);
        return head;
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

    private static ByteBuf text(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }
}
