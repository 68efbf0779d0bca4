package io.sluice.gateway.upstream;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.sluice.gateway.net.PipelineNames;

/**
 * Builds the pipeline of an upstream connection: [TLS] → HTTP/1.1 response decoder → {@link UpstreamHandler}.
 * Requests need no encoder: they are written as bytes, a {@link RequestHead} and the body. The connection reads
 * only when its exchange asks (auto-read is off), which is how backpressure reaches the backend.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_RESPONSE_HEADER_BYTES = 64 * 1024;

    private final UpstreamEndpoint endpoint;

    UpstreamChannelInitializer(UpstreamEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        final ChannelPipeline pipeline = ch.pipeline();
        if (endpoint.sslContext() != null) {
            // Host and port give SNI and the host name the certificate is verified against.
            pipeline.addLast(PipelineNames.TLS, endpoint.sslContext().newHandler(ch.alloc(), endpoint.host(),
                    endpoint.port()));
        }
        pipeline.addLast(PipelineNames.HTTP_RESPONSE_DECODER, new HttpResponseDecoder(
                new HttpDecoderConfig().setMaxHeaderSize(MAX_RESPONSE_HEADER_BYTES)));
        pipeline.addLast(PipelineNames.UPSTREAM_HANDLER, new UpstreamHandler());
    }
}
