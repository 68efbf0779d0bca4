package io.sluice.gateway.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.sluice.gateway.net.PipelineNames;

/**
 * The HTTP/1.1 codec of a client connection: the strict request decoder and the response encoder. On an
 * {@code Upgrade: h2c} it leaves the pipeline together with the HTTP/1.1-only handlers behind it, so the
 * connection continues as HTTP/2.
 */
final class Http1ServerCodec extends CombinedChannelDuplexHandler<StrictRequestDecoder, HttpResponseEncoder>
        implements HttpServerUpgradeHandler.SourceCodec {

    Http1ServerCodec(HttpDecoderConfig config) {
        super(new StrictRequestDecoder(config), new HttpResponseEncoder());
    }

    @Override
    public void upgradeFrom(ChannelHandlerContext ctx) {
        ctx.pipeline().remove(PipelineNames.IDLE);
        ctx.pipeline().remove(PipelineNames.REQUEST_HANDLER);
        ctx.pipeline().remove(this);
    }
}
