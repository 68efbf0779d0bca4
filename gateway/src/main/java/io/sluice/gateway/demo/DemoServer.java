package io.sluice.gateway.demo;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.Transport;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The built-in demo model: an OpenAI-compatible HTTP server on an ephemeral loopback port, on the gateway's own
 * event loops. The gateway reaches it like any backend (pool, passthrough, tee), so the demo shows the real path.
 */
public final class DemoServer implements AutoCloseable {
    private final Channel channel;

    private DemoServer(Channel channel) {
        this.channel = channel;
    }

    public static DemoServer start(EventLoopGroup group, Transport transport, ByteBufAllocator allocator,
                                   SluiceConfig.Demo config) throws InterruptedException {
        final Channel channel = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelType())
                .childOption(ChannelOption.ALLOCATOR, allocator)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new DemoHandler(config));
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        return new DemoServer(channel);
    }

    /** The API base URL, {@code http://127.0.0.1:port/v1}. */
    public URI url() {
        final InetSocketAddress address = (InetSocketAddress) channel.localAddress();
        return URI.create("http://127.0.0.1:" + address.getPort() + "/v1");
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
