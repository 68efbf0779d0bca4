package io.sluice.gateway.upstream;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.ReadSizes;
import io.sluice.gateway.net.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertSame;

/** The upstream connections the pools make, on a real loop and a real listening socket. */
class UpstreamPoolsTest {
    private final Transport transport = Transport.choose("nio");
    private final EventLoopGroup group = transport.newEventLoopGroup(1, Duration.ZERO);

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void anUpstreamConnectionReadsWithSluicesReadSizes() throws Exception {
        try (ServerSocket backend = new ServerSocket(0)) {
            final UpstreamPools pools = new UpstreamPools(group, transport, PooledByteBufAllocator.DEFAULT,
                    DefaultAddressResolverGroup.INSTANCE, Duration.ofSeconds(30));
            final UpstreamEndpoint endpoint = new UpstreamEndpoint(
                    URI.create("http://127.0.0.1:" + backend.getLocalPort() + "/v1"), null);
            final EventLoop loop = group.next();
            final Future<Lease> acquired = loop.submit(() -> pools.pool(loop, endpoint,
                    new SluiceConfig.Pool(4, 4, Duration.ofSeconds(10)), Duration.ofSeconds(2)).acquire())
                    .get(5, TimeUnit.SECONDS);
            final Lease lease = acquired.get(5, TimeUnit.SECONDS);
            assertSame(ReadSizes.reads(), lease.channel().config().getRecvByteBufAllocator());
            loop.submit(() -> lease.release(false)).sync();
        }
    }
}
