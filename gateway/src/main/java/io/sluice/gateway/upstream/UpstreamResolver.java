package io.sluice.gateway.upstream;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.DatagramChannel;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.dns.DnsAddressResolverGroup;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.sluice.gateway.net.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The DNS resolver of the upstream connections: Netty's, with a resolver per event loop, each holding a datagram
 * channel on its loop from the first connection made there (an address given as an IP asks for one too).
 *
 * <p>Closing it waits for those channels to close, as the gateway waits for its connections. With io_uring a
 * datagram channel's pending read makes its close take a turn of its loop, and a loop stopped before that turn
 * logs Netty's rejected deregistration, with a stack trace, at WARN: before this wait, in 14 of 42 stops that followed
 * requests to the demo model.
 *
 * <p>Seam: process-wide state (DESIGN.md §2b), beside {@link UpstreamPools}, which connects through it. Made and
 * closed by the thread that starts and stops the gateway; its resolvers run on the loops. Holds no buffers.
 */
public final class UpstreamResolver implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamResolver.class);
    private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final DnsAddressResolverGroup resolvers;
    private final ChannelGroup channels;

    public UpstreamResolver(EventLoopGroup group, Transport transport) {
        this.channels = new DefaultChannelGroup("sluice-dns", group.next());
        final ChannelFactory<? extends DatagramChannel> made =
                new ReflectiveChannelFactory<>(transport.datagramChannelType());
        this.resolvers = new DnsAddressResolverGroup(new DnsNameResolverBuilder()
                .datagramChannelFactory(() -> {
                    final DatagramChannel channel = made.newChannel();
                    channels.add(channel);
                    return channel;
                })
                .socketChannelType(transport.socketChannelType()));
    }

    /** What {@link UpstreamPools} resolves with. */
    public AddressResolverGroup<InetSocketAddress> group() {
        return resolvers;
    }

    /**
     * Closes every loop's resolver and waits up to 5 s for their datagram channels to be closed; again for a resolver
     * that a connect still under way made after the first close (a probe, a retry).
     */
    @Override
    public void close() {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long left;
        do {
            resolvers.close();
            left = deadline - System.nanoTime();
            // In slices: a channel made between the close and the wait would be waited for, and never closed.
            channels.newCloseFuture().awaitUninterruptibly(Math.min(left, WAIT_SLICE_NANOS), TimeUnit.NANOSECONDS);
        } while (!channels.isEmpty() && left > 0);
        if (!channels.isEmpty()) {
            LOG.warn("{} DNS resolver channels were still open 5 s after they were closed", channels.size());
        }
    }
}
