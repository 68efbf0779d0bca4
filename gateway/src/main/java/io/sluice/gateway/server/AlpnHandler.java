package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.NotSslRecordException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After the TLS handshake, builds the pipeline for the protocol ALPN chose: h2, or http/1.1 by default. A failed
 * handshake is the client's problem and is logged at debug, in one line that holds none of the client's bytes:
 * Netty's {@link NotSslRecordException} carries a hex dump of what arrived, which for plain HTTP sent to the TLS
 * port is the whole request, API key included.
 */
final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
    private static final Logger LOG = LoggerFactory.getLogger(AlpnHandler.class);

    private final HttpServerInitializer pipelines;

    AlpnHandler(HttpServerInitializer pipelines) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.pipelines = pipelines;
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
            pipelines.configureHttp2(ctx.pipeline());
        } else {
            pipelines.configureHttp1(ctx.pipeline(), false);
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(),
                cause instanceof NotSslRecordException ? "it sent something other than TLS (plain HTTP to the TLS port?)"
                        : cause.getClass().getSimpleName());
        ctx.close();
    }
}
