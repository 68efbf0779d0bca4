package io.sluice.gateway.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.uring.IoUring;
import io.netty.resolver.DefaultAddressResolverGroup;
import io.netty.util.concurrent.Future;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.Transport;
import io.sluice.gateway.testing.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The upstream connections the pools make, on a real loop and a real listening socket: a connection leased again
 * after a stream of small events asks for a response's start in its next read, and idle connections are closed by the
 * time {@link UpstreamPools#closeIdle} returns.
 */
class UpstreamPoolsTest {
    private final Transport transport = Transport.choose("nio");
    private final EventLoopGroup group = transport.newEventLoopGroup(1, Duration.ZERO);

    @AfterEach
    void stop() throws Exception {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void aLeasedConnectionsFirstReadAsksForAResponsesStart() throws Exception {
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
            assertInstanceOf(ResponseReads.class, lease.channel().config().getRecvByteBufAllocator());
            final int[] guesses = loop.submit(() -> {
                // The connection's own read handle, after a stream of 215-byte events, then leased again.
                final RecvByteBufAllocator.Handle handle = lease.channel().unsafe().recvBufAllocHandle();
                for (int i = 0; i < 35; i++) {
                    handle.reset(lease.channel().config());
                    handle.attemptedBytesRead(handle.guess());
                    handle.lastBytesRead(215);
                    handle.incMessagesRead(1);
                    handle.readComplete();
                }
                final int afterEvents = handle.guess();
                lease.attach(new IgnoringListener());
                return new int[] {afterEvents, handle.guess()};
            }).get(5, TimeUnit.SECONDS);
            assertTrue(guesses[0] < 378, "after the events: " + guesses[0]);
            assertEquals(ResponseReads.RESPONSE_START, guesses[1]);
            loop.submit(() -> lease.release(false)).sync();
        }
    }

    @Test
    void idleConnectionsAreClosedWhenCloseIdleReturnsSoTheirLoopStopsQuietly() throws Exception {
        // With io_uring an idle connection's pending read delays its close to a later turn of its loop.
        assumeTrue(IoUring.isAvailable(), "io_uring is not available here");
        final Transport uring = Transport.choose("io_uring");
        final EventLoopGroup loops = uring.newEventLoopGroup(1, Duration.ZERO);
        try (ServerSocket backend = new ServerSocket(0); LogCapture netty = new LogCapture("io.netty")) {
            final UpstreamPools pools = new UpstreamPools(loops, uring, PooledByteBufAllocator.DEFAULT,
                    DefaultAddressResolverGroup.INSTANCE, Duration.ofSeconds(30));
            final UpstreamEndpoint endpoint = new UpstreamEndpoint(
                    URI.create("http://127.0.0.1:" + backend.getLocalPort() + "/v1"), null);
            final EventLoop loop = loops.next();
            final List<Lease> leases = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                leases.add(loop.submit(() -> pools.pool(loop, endpoint,
                        new SluiceConfig.Pool(4, 4, Duration.ofSeconds(10)), Duration.ofSeconds(2)).acquire())
                        .get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS));
            }
            loop.submit(() -> leases.forEach(lease -> lease.release(true))).sync();
            assertTrue(leases.stream().allMatch(lease -> lease.channel().isOpen()), "idle in the pool");
            pools.closeIdle(Duration.ofSeconds(5));
            leases.forEach(lease -> assertFalse(lease.channel().isOpen(), "closed by the time closeIdle returns"));
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            assertEquals(List.of(), netty.problems());
        } finally {
            // Awaited, so that a failed assertion leaves no loop stopping, and no read buffer, under the next test.
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
        }
    }

    /** A listener for a lease that gets no response. */
    private static final class IgnoringListener implements UpstreamListener {
        @Override
        public void onUpstreamHead(ResponseHead head) {
        }

        @Override
        public void onUpstreamBody(ByteBuf piece, boolean last) {
            piece.release();
        }

        @Override
        public void onUpstreamMalformed(String reason) {
        }

        @Override
        public void onUpstreamReadComplete() {
        }

        @Override
        public void onUpstreamClosed(Throwable cause) {
        }
    }
}
