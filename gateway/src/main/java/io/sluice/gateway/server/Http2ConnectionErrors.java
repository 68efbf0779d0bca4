package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an HTTP/2 connection's pipeline. The frame codec has already answered every protocol error
 * that reaches it (RST_STREAM for a stream error, GOAWAY and close for a connection error such as a client resetting
 * streams too fast), and a connection reset closes the channel by itself; what is left is to log it, at debug, as
 * the client's doing. Without this handler Netty logs each at WARN, which a misbehaving client could use to flood
 * the log. Event-loop thread; holds no buffers.
 */
final class Http2ConnectionErrors extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(Http2ConnectionErrors.class);

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("HTTP/2 client connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
    }
}
