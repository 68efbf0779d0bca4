package io.sluice.gateway.upstream;

import io.netty.channel.Channel;

/**
 * A connection lent to one exchange. {@code reused} tells whether it served an earlier request: only then may a
 * failure before the first response byte be a stale keep-alive connection worth one retry.
 */
public record Lease(Channel channel, boolean reused, EndpointPool pool) {
    /** Starts delivering the connection's events to {@code listener}. */
    public void attach(UpstreamListener listener) {
        channel.pipeline().get(UpstreamHandler.class).attach(listener);
    }

    /**
     * Gives the connection back: to the pool when {@code reusable} and its decoder is between responses (the last
     * one ended, with nothing after it in the same read), else closed.
     */
    public void release(boolean reusable) {
        final boolean betweenResponses = channel.pipeline().get(UpstreamHandler.class).detach();
        pool.release(channel, reusable && betweenResponses);
    }
}
