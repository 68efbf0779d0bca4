package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.sluice.gateway.net.PipelineNames;

/**
 * On an {@code Upgrade: h2c}, takes the HTTP/1.1 handlers out so the connection continues as HTTP/2, and puts in
 * their place the gathering of flushes that goes in front of an HTTP/2 codec (the upgrade adds the codec after the
 * upgrade handler).
 */
final class Http1Handlers implements HttpServerUpgradeHandler.SourceCodec {
    @Override
    public void upgradeFrom(ChannelHandlerContext ctx) {
        final ChannelPipeline pipeline = ctx.pipeline();
        pipeline.remove(PipelineNames.HTTP_DECODER);
        pipeline.remove(PipelineNames.HTTP_ENCODER);
        pipeline.remove(PipelineNames.REQUEST_HANDLER);
        pipeline.addBefore(ctx.name(), PipelineNames.H2_FLUSH, HttpServerInitializer.streamFlushes());
    }
}
