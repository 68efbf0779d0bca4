package io.sluice.gateway.upstream;

import io.netty.channel.Channel;

import java.util.Objects;

/**
 * A connection lent to one exchange. {@code reused} tells whether it served an earlier request: only then may a
 * failure before the first response byte be a stale keep-alive connection worth one retry.
 *
 * <p>Thread: the connection's event loop. The connection's {@link UpstreamHandler} is looked up in its pipeline
 * once, when it first connects; its pool keeps it beside the idle connection for the leases after.
 */
public record Lease(Channel channel, boolean reused, EndpointPool pool, UpstreamHandler handler) {
    public Lease {
        Objects.requireNonNull(handler, "an upstream connection without its UpstreamHandler");
    }

    Lease(Channel channel, boolean reused, EndpointPool pool) {
        this(channel, reused, pool, channel.pipeline().get(UpstreamHandler.class));
    }

    /** Starts delivering the connection's events to {@code listener}. */
    public void attach(UpstreamListener listener) {
        handler.attach(listener);
    }

    /**
     * Gives the connection back: to the pool when {@code reusable} and its decoder is between responses (the last
     * one ended, with nothing after it in the same read), else closed.
     */
    public void release(boolean reusable) {
        // Detached first in any case, so that the closing of a connection not given back reaches no listener.
        final boolean betweenResponses = handler.detach();
        pool.release(this, reusable && betweenResponses);
    }
}
