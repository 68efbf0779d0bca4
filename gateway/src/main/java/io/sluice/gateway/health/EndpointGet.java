package io.sluice.gateway.health;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.codec.CaptureBuffer;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.Lease;
import io.sluice.gateway.upstream.RequestHead;
import io.sluice.gateway.upstream.ResponseHead;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamListener;
import io.sluice.gateway.upstream.UpstreamPools;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One background {@code GET} to an endpoint, outside any request: on a connection of its own (outside the pool's
 * budget, closed afterwards), with the provider's credential, under a timeout. It ends at the response head, or,
 * when a body is asked for, at the end of the body (kept up to a bound). Health probes and load scrapes are made of
 * it.
 *
 * <p>Thread: its event loop, for everything, the outcome included. Buffers: the request is written once; the body
 * is copied into a bounded array as it comes and each piece released.
 */
final class EndpointGet implements UpstreamListener {
    /** How a GET ended. */
    interface Outcome {
        /**
         * @param status the response's status, or -1 when there was none ({@code error} says why)
         * @param body   the body's first bytes when a body was asked for and the status is 2xx, else null
         * @param error  why it failed, or null for a response
         */
        void done(int status, CaptureBuffer body, String error);
    }

    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Provider provider;
    private final UpstreamEndpoint endpoint;
    private final String path;
    private final String userAgent;
    private final int maxBody;
    private final Outcome outcome;
    private boolean running;
    private Lease lease;
    private Future<Lease> pending;
    private ScheduledFuture<?> timeout;
    private int status;
    private CaptureBuffer body;

    /** @param maxBody the most body bytes kept; 0 to end at the head */
    EndpointGet(EventLoop loop, UpstreamPools pools, Provider provider, UpstreamEndpoint endpoint, String path,
                String userAgent, int maxBody, Outcome outcome) {
        this.loop = loop;
        this.pools = pools;
        this.provider = provider;
        this.endpoint = endpoint;
        this.path = path;
        this.userAgent = userAgent;
        this.maxBody = maxBody;
        this.outcome = outcome;
    }

    void start(Duration limit) {
        running = true;
        timeout = loop.schedule(() -> done(-1, "No answer within " + limit.toMillis() + " ms."), limit.toNanos(),
                TimeUnit.NANOSECONDS);
        final Future<Lease> future;
        try {
            future = pools.pool(loop, endpoint, provider.pool(), provider.timeouts().connect()).acquireForProbe();
        } catch (RuntimeException e) {
            done(-1, "Could not connect: " + describe(e));
            return;
        }
        pending = future;
        if (future.isDone()) {
            onLease(future);
        } else {
            future.addListener(f -> onLease(future));
        }
    }

    private void onLease(Future<Lease> future) {
        if (future != pending || !running) {
            // A connection for a GET that timed out before it came.
            if (future.isSuccess()) {
                future.getNow().release(false);
            }
            return;
        }
        pending = null;
        if (!future.isSuccess()) {
            done(-1, "Could not connect: " + describe(future.cause()));
            return;
        }
        lease = future.getNow();
        lease.attach(this);
        final ByteBuf request = RequestHead.start(lease.channel().alloc(), HttpMethod.GET, path,
                        provider.upstreamHeaders())
                .header(HttpHeaderNames.HOST, endpoint.hostHeader())
                .header(HttpHeaderNames.USER_AGENT, userAgent)
                .end();
        lease.channel().writeAndFlush(request);
        lease.channel().read();
    }

    @Override
    public void onUpstreamHead(ResponseHead head) {
        status = head.status();
        if (maxBody == 0 || status / 100 != 2) {
            done(status, null);
            return;
        }
        body = new CaptureBuffer(4096, maxBody);
    }

    @Override
    public void onUpstreamBody(ByteBuf piece, boolean last) {
        try {
            if (body != null) {
                body.append(piece, piece.readerIndex(), piece.readableBytes());
                if (last) {
                    done(status, null);
                }
            }
        } finally {
            piece.release();
        }
    }

    @Override
    public void onUpstreamMalformed(String reason) {
        done(-1, "The answer was malformed: " + reason + ".");
    }

    @Override
    public void onUpstreamReadComplete() {
        if (lease != null) {
            lease.channel().read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        done(-1, "The connection closed" + (cause == null ? "." : ": " + describe(cause)));
    }

    private void done(int status, String error) {
        if (!running) {
            return;
        }
        running = false;
        if (pending != null) {
            // A connection still coming is closed when it comes.
            pending.cancel(false);
            pending = null;
        }
        timeout.cancel(false);
        if (lease != null) {
            final Lease closing = lease;
            lease = null;
            closing.release(false);
        }
        outcome.done(status, status >= 200 && status < 300 ? body : null, error);
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
