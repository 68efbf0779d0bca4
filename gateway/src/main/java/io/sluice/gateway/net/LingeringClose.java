package io.sluice.gateway.net;

import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;

import java.util.concurrent.TimeUnit;

/**
 * Closes a connection whose peer may still be sending, without destroying the answer just written: once the write
 * is out, the output is half-closed and input is read and discarded for a moment before the close. Closing with
 * unread input makes the kernel send a reset, which can reach the peer before it has read the answer.
 *
 * <p>Used by the HTTP/1.1 request handler after an early refusal and by the WebSocket session after a protocol
 * violation; runs on the connection's event loop.
 */
public final class LingeringClose {
    private static final long LINGER_SECONDS = 2;

    private LingeringClose() {
    }

    /** Closes {@code ctx}'s channel after {@code lastWrite}, lingering as above where the channel can half-close. */
    public static void after(ChannelHandlerContext ctx, ChannelFuture lastWrite) {
        lastWrite.addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && f.channel() instanceof DuplexChannel duplex) {
                ctx.channel().config().setAutoRead(true);
                duplex.shutdownOutput();
                ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
            } else {
                ctx.close();
            }
        });
    }
}
