package io.sluice.gateway.upstream;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.sluice.gateway.net.PipelineNames;

/**
 * Builds the pipeline of an upstream connection: [TLS] → {@link UpstreamHandler}, which decodes the responses.
 * Requests need no encoder: they are written as bytes, a {@link RequestHead} and the body. The connection reads
 * only when its exchange asks (auto-read is off), which is how backpressure reaches the backend.
 */
final class UpstreamChannelInitializer extends ChannelInitializer<SocketChannel> {
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
        pipeline.addLast(PipelineNames.UPSTREAM_HANDLER, new UpstreamHandler());
    }
}
