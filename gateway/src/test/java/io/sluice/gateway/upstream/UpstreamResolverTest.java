package io.sluice.gateway.upstream;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.resolver.dns.DefaultDnsServerAddressStreamProvider;
import io.netty.util.concurrent.EventExecutor;
import io.sluice.gateway.net.Transport;
import io.sluice.gateway.testing.LogCapture;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The upstream resolver on real io_uring loops: each loop's resolver holds a datagram channel with a read pending, and
 * closing the resolver waits for those channels, so that their loops stop without Netty's rejected deregistration.
 */
class UpstreamResolverTest {
    @Test
    void closingWaitsForItsChannelsSoTheirLoopsStopQuietly() throws Exception {
        assumeTrue(IoUring.isAvailable(), "io_uring is not available here");
        final Transport uring = Transport.choose("io_uring");
        // Netty reads the host's name servers once, and warns there when it finds none: not what this test watches.
        DefaultDnsServerAddressStreamProvider.defaultAddressList();
        try (LogCapture netty = new LogCapture("io.netty")) {
            // A race: without the wait it was lost six times in these twenty stops of two loops each.
            for (int i = 0; i < 20; i++) {
                final EventLoopGroup loops = uring.newEventLoopGroup(2, Duration.ZERO);
                final UpstreamResolver resolver = new UpstreamResolver(loops, uring);
                try {
                    for (EventExecutor executor : loops) {
                        final EventLoop loop = (EventLoop) executor;
                        // An address given as an IP, as a backend's often is, makes the loop's resolver all the same.
                        final InetSocketAddress address = loop.submit(() -> resolver.group().getResolver(loop)
                                .resolve(InetSocketAddress.createUnresolved("127.0.0.1", 80)))
                                .get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
                        assertTrue(address.getAddress().isLoopbackAddress(), address.toString());
                    }
                    resolver.close();
                    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
                } finally {
                    // Closed and awaited, so that a failed assertion leaves no read pending and no loop stopping under
                    // the next round or test.
                    resolver.close();
                    assertTrue(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS));
                }
            }
            assertEquals(List.of(), netty.problems());
        }
    }
}
