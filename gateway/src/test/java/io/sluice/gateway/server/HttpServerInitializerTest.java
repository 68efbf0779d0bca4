package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.PipelineNames;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The HTTP/2 connection pipeline as prior knowledge and ALPN build it: the flushes are gathered in front of the
 * codec, so that a stream's flush still hands its data to the codec's flow control at once, and the codec's HPACK
 * encoder keeps request ids out of its table. (Http2Test runs the same handlers after an h2c upgrade, end to end.)
 * The HTTP/1.1 pipeline has no idle handler between the codec and the request handler, which keeps the timer.
 */
class HttpServerInitializerTest {
    /** RFC 7541 §6.2.3: a literal field never indexed starts with the bits 0001. */
    private static final int NEVER_INDEXED = 0x10;
    /** RFC 9113 §6.2: the type of a HEADERS frame, the fourth byte of its frame header. */
    private static final int HEADERS = 0x1;
    private static final int FRAME_HEADER = 9;

    @Test
    void flushesAreGatheredInFrontOfTheCodec() {
        final EmbeddedChannel channel = new EmbeddedChannel();
        try {
            initializer().configureHttp2(channel.pipeline());
            assertEquals(List.of(PipelineNames.H2_FLUSH, PipelineNames.H2_CODEC, PipelineNames.H2_MULTIPLEX,
                    PipelineNames.IDLE, PipelineNames.H2_ERRORS), channel.pipeline().names().subList(0, 5));
            assertInstanceOf(Http2FrameCodec.class, channel.pipeline().get(PipelineNames.H2_CODEC));
            assertInstanceOf(FlushConsolidationHandler.class, channel.pipeline().get(PipelineNames.H2_FLUSH));
            assertInstanceOf(Http2MultiplexHandler.class, channel.pipeline().get(PipelineNames.H2_MULTIPLEX));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    @Test
    void http11IsTheCodecTheUpgradeAndTheRequestHandler() {
        final EmbeddedChannel channel = new EmbeddedChannel();
        try {
            initializer().configureHttp1(channel.pipeline(), true);
            assertEquals(List.of(PipelineNames.HTTP_DECODER, PipelineNames.HTTP_ENCODER, PipelineNames.H2C_UPGRADE,
                    PipelineNames.REQUEST_HANDLER), channel.pipeline().names().subList(0, 4));
            assertInstanceOf(HttpRequestHandler.class, channel.pipeline().get(PipelineNames.REQUEST_HANDLER));
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /**
     * The h2c upgrade handler reads the connection's first request as Netty's decoder gives it (a head, then its
     * body) and leaves; then the requests that follow come whole ({@link PlainRequestReader}). A whole first request
     * would pass the upgrade handler as already gathered, and it would stay in the pipeline for good.
     */
    @Test
    void theUpgradeHandlerSeesTheFirstRequestAndLeaves() {
        final EmbeddedChannel channel = new EmbeddedChannel();
        try {
            initializer().configureHttp1(channel.pipeline(), true);
            channel.pipeline().remove(PipelineNames.REQUEST_HANDLER);
            channel.writeInbound(Unpooled.copiedBuffer("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
            assertEquals(List.of(PipelineNames.HTTP_DECODER, PipelineNames.HTTP_ENCODER),
                    channel.pipeline().names().subList(0, 2));
            assertNull(channel.pipeline().get(PipelineNames.H2C_UPGRADE));
            final HttpRequest first = channel.readInbound();
            assertFalse(first instanceof FullHttpRequest);
            assertEquals("/a", first.uri());
            assertInstanceOf(LastHttpContent.class, channel.readInbound());
            final FullHttpRequest second = channel.readInbound();
            assertEquals("/b", second.uri());
            second.release();
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    /** The connection's HPACK encoder is built with UniqueFields: a request id goes out as a never-indexed literal. */
    @Test
    void theCodecNeverIndexesRequestIds() throws Exception {
        final EmbeddedChannel channel = new EmbeddedChannel();
        try {
            initializer().configureHttp2(channel.pipeline());
            final Http2FrameCodec codec = (Http2FrameCodec) channel.pipeline().get(PipelineNames.H2_CODEC);
            final ChannelHandlerContext ctx = channel.pipeline().context(codec);
            codec.encoder().frameWriter().writeHeaders(ctx, 3, new DefaultHttp2Headers(false).status("200")
                    .add("x-request-id", "3f2a"), 0, false, ctx.newPromise());
            channel.flush();
            channel.runPendingTasks();
            final byte[] block = headerBlock(channel);
            // The block: ":status: 200" from the static table, then the request id.
            assertEquals(0x88, block[0] & 0xFF, ":status 200, indexed");
            assertEquals(NEVER_INDEXED, block[1] & 0xF0);
        } finally {
            channel.finishAndReleaseAll();
        }
    }

    private static HttpServerInitializer initializer() {
        final SluiceConfig config = ConfigLoader.parse(
                "providers: [ { id: demo, type: demo, models: { demo: demo-1 } } ]", "test.yaml",
                new EnvResolver(name -> null), null);
        return new HttpServerInitializer(null, config.server(), null,
                new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE), new Listener(null, true));
    }

    /**
     * The header block of the first HEADERS frame written; the frames before it (the codec's SETTINGS) are released.
     * The frame's 9-byte header may come in a buffer of its own.
     */
    private static byte[] headerBlock(EmbeddedChannel channel) {
        for (ByteBuf out = channel.readOutbound(); out != null; out = channel.readOutbound()) {
            try {
                if (out.getUnsignedByte(out.readerIndex() + 3) != HEADERS) {
                    continue;
                }
                final int length = out.getUnsignedMedium(out.readerIndex());
                if (out.readableBytes() > FRAME_HEADER) {
                    return ByteBufUtil.getBytes(out, out.readerIndex() + FRAME_HEADER, length);
                }
                final ByteBuf block = channel.readOutbound();
                try {
                    return ByteBufUtil.getBytes(block, block.readerIndex(), length);
                } finally {
                    block.release();
                }
            } finally {
                out.release();
            }
        }
        throw new AssertionError("no HEADERS frame was written");
    }
}
