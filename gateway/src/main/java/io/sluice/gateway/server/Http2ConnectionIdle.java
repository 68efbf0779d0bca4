package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.gateway.net.Draining;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/2 connection (with GOAWAY, through the frame codec) that has been idle for the idle timeout and
 * has no stream open; a stream waiting on a slow backend keeps it open. Idle time counts from the last frame read
 * or the last stream closed, whichever is later. When the gateway drains it closes at once: the codec sends
 * GOAWAY and lets open streams finish within its graceful shutdown time.
 */
final class Http2ConnectionIdle extends IdleStateHandler {
    private final Http2FrameCodec codec;

    Http2ConnectionIdle(Duration timeout, Http2FrameCodec codec) {
        super(timeout.toNanos(), 0, 0, TimeUnit.NANOSECONDS);
        this.codec = codec;
        codec.connection().addListener(new Http2ConnectionAdapter() {
            @Override
            public void onStreamClosed(Http2Stream stream) {
                resetReadTimeout();
            }
        });
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof Draining) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (codec.connection().numActiveStreams() == 0) {
            ctx.close();
        }
    }
}
