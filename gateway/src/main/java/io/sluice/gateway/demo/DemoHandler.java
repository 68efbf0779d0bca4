package io.sluice.gateway.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.Uris;
import io.sluice.providers.openai.OpenAiEndpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * Answers one connection's requests as the demo model: the OpenAI endpoints under {@code /v1} and
 * {@code GET /health}. Streams are paced by {@code demo.token_delay} and written only while the peer can take
 * them, as a model server would.
 *
 * <p>Position: after the HTTP server codec of a demo connection. Thread: its event loop. Buffers: request pieces
 * are gathered in a composite and released once parsed.
 */
final class DemoHandler extends ChannelInboundHandlerAdapter {
    private final SluiceConfig.Demo config;
    private ChannelHandlerContext ctx;
    private HttpRequest request;
    private CompositeByteBuf body;
    private Iterator<String> pending;
    private DemoFormat streaming;
    private ScheduledFuture<?> nextPiece;
    private boolean keepAlive;

    DemoHandler(SluiceConfig.Demo config) {
        this.config = config;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head) {
            request = head;
            keepAlive = HttpUtil.isKeepAlive(head);
            body = ctx.alloc().compositeBuffer(1024);
        }
        if (msg instanceof HttpContent content && body != null) {
            body.addComponent(true, content.content().retain());
            if (content instanceof LastHttpContent) {
                final ByteBuf whole = body;
                body = null;
                try {
                    answer(whole);
                } finally {
                    whole.release();
                }
            }
        }
        ReferenceCountUtil.release(msg);
    }

    private void answer(ByteBuf whole) {
        final String path = Uris.path(request.uri());
        if (request.method().equals(HttpMethod.GET) && path.equals("/health")) {
            respond(HttpResponseStatus.OK, "{\"status\":\"ok\"}");
            return;
        }
        final OpenAiEndpoint endpoint = path.startsWith("/v1") && request.method().equals(HttpMethod.POST)
                ? OpenAiEndpoint.forPath(path.substring(3)) : null;
        if (endpoint == null) {
            respond(HttpResponseStatus.NOT_FOUND, "{\"error\":{\"message\":\"not a demo endpoint\"}}");
            return;
        }
        final DemoRequest parsed;
        try {
            parsed = DemoRequest.parse(whole);
        } catch (IOException e) {
            respond(HttpResponseStatus.BAD_REQUEST, "{\"error\":{\"message\":\"the demo model needs a JSON object\"}}");
            return;
        }
        final DemoReply reply = DemoReply.answer(parsed, config.reply());
        final DemoFormat format = new DemoFormat(endpoint, reply, parsed.includeUsage());
        if (parsed.stream() && endpoint != OpenAiEndpoint.EMBEDDINGS) {
            startStream(format, reply);
        } else {
            final ByteBuf out = ctx.alloc().buffer();
            format.whole(out);
            respond(HttpResponseStatus.OK, out);
        }
    }

    private void startStream(DemoFormat format, DemoReply reply) {
        final HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        HttpUtil.setTransferEncodingChunked(head, true);
        ctx.write(head);
        final ByteBuf start = ctx.alloc().buffer();
        format.streamStart(start);
        writeContent(start);
        ctx.flush();
        streaming = format;
        pending = reply.pieces().iterator();
        schedulePiece();
    }

    private void schedulePiece() {
        final long delay = config.tokenDelay().toNanos();
        if (delay == 0) {
            ctx.executor().execute(this::writePiece);
        } else {
            nextPiece = ctx.executor().schedule(this::writePiece, delay, TimeUnit.NANOSECONDS);
        }
    }

    private void writePiece() {
        nextPiece = null;
        if (streaming == null || !ctx.channel().isActive()) {
            return;
        }
        if (!ctx.channel().isWritable()) {
            return;
        }
        final ByteBuf out = ctx.alloc().buffer();
        if (pending.hasNext()) {
            streaming.streamPiece(out, pending.next());
            writeContent(out);
            ctx.flush();
            schedulePiece();
            return;
        }
        streaming.streamEnd(out);
        writeContent(out);
        streaming = null;
        pending = null;
        finish(ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
    }

    private void writeContent(ByteBuf out) {
        if (out.isReadable()) {
            ctx.write(new DefaultHttpContent(out));
        } else {
            out.release();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (streaming != null && nextPiece == null && ctx.channel().isWritable()) {
            writePiece();
        }
        ctx.fireChannelWritabilityChanged();
    }

    private void respond(HttpResponseStatus status, String json) {
        respond(status, ctx.alloc().buffer().writeBytes(json.getBytes(StandardCharsets.UTF_8)));
    }

    private void respond(HttpResponseStatus status, ByteBuf json) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, json);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.readableBytes());
        finish(ctx.writeAndFlush(response));
    }

    private void finish(ChannelFuture lastWrite) {
        if (!keepAlive) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        streaming = null;
        if (nextPiece != null) {
            nextPiece.cancel(false);
        }
        if (body != null) {
            body.release();
            body = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
