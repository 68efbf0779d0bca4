package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;

/** After the TLS handshake, builds the pipeline for the protocol ALPN chose: h2, or http/1.1 by default. */
final class AlpnHandler extends ApplicationProtocolNegotiationHandler {
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
}
