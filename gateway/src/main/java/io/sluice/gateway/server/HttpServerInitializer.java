package io.sluice.gateway.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.PipelineNames;
import io.sluice.gateway.proxy.ProxyServices;

import java.util.concurrent.TimeUnit;

/**
 * Builds the pipeline of a client connection (see {@link PipelineNames}): the HTTP/1.1 codec with Sluice's
 * limits, the idle timer for keep-alive connections, and the request handler. There is no aggregator: bodies
 * stream through in pieces.
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_INITIAL_LINE = 8192;
    /** Large body pieces mean few components when a body is gathered. */
    private static final int MAX_CHUNK = 64 * 1024;

    private final ProxyServices services;
    private final SluiceConfig.Server config;

    public HttpServerInitializer(ProxyServices services, SluiceConfig.Server config) {
        this.services = services;
        this.config = config;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        final HttpDecoderConfig decoding = new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(config.maxHeaderBytes())
                .setMaxChunkSize(MAX_CHUNK);
        ch.pipeline()
                .addLast(PipelineNames.HTTP_SERVER_CODEC,
                        new CombinedChannelDuplexHandler<>(new StrictRequestDecoder(decoding), new HttpResponseEncoder()))
                .addLast(PipelineNames.IDLE, new IdleStateHandler(0, 0, config.idleTimeout().toNanos(),
                        TimeUnit.NANOSECONDS))
                .addLast(PipelineNames.REQUEST_HANDLER, new HttpRequestHandler(services));
    }
}
