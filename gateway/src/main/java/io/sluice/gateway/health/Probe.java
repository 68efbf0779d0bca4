package io.sluice.gateway.health;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.Lease;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamListener;
import io.sluice.gateway.upstream.UpstreamPools;

import java.util.concurrent.TimeUnit;

/**
 * One endpoint's health probe, run at its interval: a {@code GET} of the provider type's health path (or the
 * configured one) on a connection of its own (outside the pool's budget), with the provider's credential; a 2xx
 * head within the timeout is well, anything else (no connection, another status, a reset, silence) is not. The
 * connection is closed after the head. One probe at a time per endpoint: a run that finds the last still going skips.
 *
 * <p>Thread: its event loop, for everything. Buffers: the request is written once; whatever the response sends is
 * released as it comes.
 */
final class Probe implements Runnable, UpstreamListener {
    private final EventLoop loop;
    private final UpstreamPools pools;
    private final Provider provider;
    private final UpstreamEndpoint endpoint;
    private final SluiceConfig.Probe config;
    private final String path;
    private boolean running;
    private long startNanos;
    private Lease lease;
    private Future<Lease> pending;
    private ScheduledFuture<?> timeout;

    Probe(EventLoop loop, UpstreamPools pools, Provider provider, UpstreamEndpoint endpoint, SluiceConfig.Probe config) {
        this.loop = loop;
        this.pools = pools;
        this.provider = provider;
        this.endpoint = endpoint;
        this.config = config;
        final String typePath = provider.type().healthPath();
        this.path = config.path() != null ? config.path() : typePath != null ? typePath : endpoint.pathFor("/models");
    }

    @Override
    public void run() {
        if (running) {
            return;
        }
        try {
            start();
        } catch (RuntimeException e) {
            // A periodic task that throws is never run again: this endpoint would go unprobed for good.
            done(false, "The health probe failed: " + describe(e));
        }
    }

    private void start() {
        running = true;
        startNanos = System.nanoTime();
        timeout = loop.schedule(() -> done(false, "The health probe got no answer within "
                + config.timeout().toMillis() + " ms."), config.timeout().toNanos(), TimeUnit.NANOSECONDS);
        final Future<Lease> future = pools.pool(loop, endpoint, provider.pool(), provider.timeouts().connect())
                .acquireForProbe();
        pending = future;
        if (future.isDone()) {
            onLease(future);
        } else {
            future.addListener(f -> onLease(future));
        }
    }

    private void onLease(Future<Lease> future) {
        if (future != pending) {
            // A connection for a run that timed out before it came: not this run's.
            if (future.isSuccess()) {
                future.getNow().release(false);
            }
            return;
        }
        pending = null;
        if (!future.isSuccess()) {
            done(false, "The health probe could not connect: " + describe(future.cause()));
            return;
        }
        if (!running) {
            future.getNow().release(false);
            return;
        }
        lease = future.getNow();
        lease.attach(this);
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path,
                Unpooled.EMPTY_BUFFER);
        request.headers().set(HttpHeaderNames.HOST, endpoint.hostHeader())
                .set(HttpHeaderNames.USER_AGENT, "sluice-health-probe");
        if (provider.authorization() != null) {
            request.headers().set(HttpHeaderNames.AUTHORIZATION, provider.authorization());
        }
        lease.channel().writeAndFlush(request);
        lease.channel().read();
    }

    @Override
    public void onUpstreamMessage(Object message) {
        ReferenceCountUtil.release(message);
        if (message instanceof HttpResponse head && head.status().codeClass() != HttpStatusClass.INFORMATIONAL) {
            final boolean ok = head.status().codeClass() == HttpStatusClass.SUCCESS;
            done(ok, "The health probe got status " + head.status().code() + ".");
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (lease != null) {
            lease.channel().read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        done(false, "The health probe's connection closed" + (cause == null ? "." : ": " + describe(cause)));
    }

    private void done(boolean ok, String error) {
        if (!running) {
            return;
        }
        running = false;
        pending = null;
        if (timeout != null) {
            timeout.cancel(false);
        }
        if (lease != null) {
            final Lease closing = lease;
            lease = null;
            closing.release(false);
        }
        provider.health().probed(endpoint, ok, System.nanoTime() - startNanos, ok ? null : error);
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
