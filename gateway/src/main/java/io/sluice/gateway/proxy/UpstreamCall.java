package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sluice.gateway.config.Durations;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.EndpointPool;
import io.sluice.gateway.upstream.Lease;
import io.sluice.gateway.upstream.PoolExhaustedException;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamListener;

import java.io.IOException;

/**
 * One request to a backend and its response, whoever asked: it leases a pooled connection of its event loop,
 * sends the request, enforces the timeouts, retries once on a fresh connection when a reused keep-alive connection
 * fails before the request could leave it (never after: the backend may have read it), and hands the response to
 * its {@link Receiver} piece by piece.
 *
 * <p>Reading is the receiver's to drive: after each read from the backend the call stops until the receiver
 * calls {@link #read()}, which it does only while its own client can take more. That is how backpressure reaches
 * the backend, and while the call waits for it the backend's silence does not count as idle. {@link #cancel()}
 * closes the connection at once, so the model server stops generating.
 *
 * <p>Thread: the event loop it was made on, which is also its connection's. Buffers: the request body is held
 * (for the one retry) until the response head arrives; response pieces pass to the receiver with their
 * ownership.
 */
public final class UpstreamCall implements UpstreamListener, ExchangeTimer.Listener {
    /** Who hears the response. All calls come on the call's event loop. */
    public interface Receiver {
        /** The response head: the first byte arrived. */
        void onHead(HttpResponse head);

        /** A piece of the body, owned by the receiver; {@code last} for the final one. */
        void onContent(ByteBuf content, boolean last);

        /** The end of one read from the backend: flush, and {@link #read()} again when there is room. */
        void onReadComplete();

        /** The call failed, before or after the head; the connection is already closed. */
        void onFailure(ErrorKind kind, String message);
    }

    private enum State { CONNECTING, WAITING, STREAMING, DONE }

    private final EventLoop loop;
    private final ProxyServices services;
    private final Provider provider;
    private final String apiPath;
    private final HttpHeaders clientHeaders;
    private final ClientOrigin origin;
    private final String requestId;
    private final Receiver receiver;
    private final ExchangeTimer timer;
    private ByteBuf body;
    private State state = State.CONNECTING;
    private UpstreamEndpoint target;
    private Future<Lease> pendingLease;
    private Lease lease;
    private boolean retried;
    /** Whether the request left on the current connection: from then on the backend may be processing it. */
    private boolean requestWritten;
    private boolean upstreamKeepAlive;
    private long headNanos = -1;

    /**
     * @param apiPath       the path below the API base, with the client's query ({@code /chat/completions?...})
     * @param clientHeaders the client's headers, whose end-to-end ones are forwarded (credentials never are)
     * @param origin        who the backend is told sent the request
     * @param body          the request body, taken over
     * @param startNanos    when the request arrived, for the total timeout
     */
    public UpstreamCall(EventLoop loop, ProxyServices services, Provider provider, String apiPath,
                        HttpHeaders clientHeaders, ClientOrigin origin, ByteBuf body, String requestId,
                        long startNanos, Receiver receiver) {
        this.loop = loop;
        this.services = services;
        this.provider = provider;
        this.apiPath = apiPath;
        this.clientHeaders = clientHeaders;
        this.origin = origin;
        this.body = body;
        this.requestId = requestId;
        this.receiver = receiver;
        this.timer = new ExchangeTimer(loop, this, startNanos, provider.timeouts());
    }

    public void start() {
        target = provider.nextEndpoint();
        final EndpointPool pool = services.pools().pool(loop, target, provider.pool(), provider.timeouts().connect());
        final Future<Lease> future = retried ? pool.acquireNew() : pool.acquire();
        if (future.isDone()) {
            onLease(future);
        } else {
            pendingLease = future;
            future.addListener(f -> onLease(future));
        }
    }

    /** The endpoint the request went to, or null before one was chosen. */
    public UpstreamEndpoint target() {
        return target;
    }

    /** When the response head arrived (System.nanoTime), or -1. */
    public long headNanos() {
        return headNanos;
    }

    /** Reads more of the response: the receiver's client can take it. */
    public void read() {
        if (state == State.STREAMING) {
            timer.paused(false);
            lease.channel().read();
        }
    }

    /** The receiver's client left: close the upstream connection now and forget the response. */
    public void cancel() {
        if (state == State.DONE) {
            return;
        }
        if (pendingLease != null) {
            pendingLease.cancel(false);
        }
        end();
        closeLease();
    }

    private void onLease(Future<Lease> future) {
        pendingLease = null;
        if (state == State.DONE) {
            if (future.isSuccess()) {
                future.getNow().release(true);
            }
            return;
        }
        if (!future.isSuccess()) {
            final Throwable cause = future.cause();
            if (cause instanceof PoolExhaustedException) {
                fail(ErrorKind.UPSTREAM_BUSY, cause.getMessage());
            } else if (cause instanceof ConnectTimeoutException) {
                fail(ErrorKind.UPSTREAM_TIMEOUT, "Connecting to the backend timed out.");
            } else {
                fail(ErrorKind.UPSTREAM_UNAVAILABLE, "The backend could not be reached: " + describe(cause));
            }
            return;
        }
        lease = future.getNow();
        lease.attach(this);
        state = State.WAITING;
        requestWritten = false;
        final Lease sentOn = lease;
        lease.channel().writeAndFlush(ProxyHeaders.upstreamRequest(clientHeaders, origin, target.pathFor(apiPath), target,
                        provider.authorization(), requestId, body.retainedDuplicate()))
                .addListener(f -> {
                    if (lease != sentOn) {
                        return;
                    }
                    if (f.isSuccess()) {
                        requestWritten = true;
                    } else {
                        onUpstreamClosed(f.cause());
                    }
                });
        if (lease == sentOn) {
            lease.channel().read();
            timer.requestSent();
        }
    }

    @Override
    public void onUpstreamMessage(Object message) {
        if (state != State.WAITING && state != State.STREAMING) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(message);
            broke(ErrorKind.UPSTREAM_FAILED, "The backend sent a malformed response.");
            return;
        }
        if (message instanceof HttpResponse head && state == State.WAITING) {
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ReferenceCountUtil.release(message);
                return;
            }
            state = State.STREAMING;
            headNanos = System.nanoTime();
            upstreamKeepAlive = HttpUtil.isKeepAlive(head);
            body.release();
            body = null;
            timer.responseStarted();
            receiver.onHead(head);
        }
        if (message instanceof HttpContent content) {
            if (state != State.STREAMING) {
                content.release();
                return;
            }
            timer.activity();
            final boolean last = content instanceof LastHttpContent;
            if (last) {
                end();
                final Lease done = lease;
                lease = null;
                done.release(upstreamKeepAlive);
            }
            receiver.onContent(content.content(), last);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (state == State.WAITING) {
            lease.channel().read();
        } else if (state == State.STREAMING) {
            timer.paused(true);
            receiver.onReadComplete();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (state == State.WAITING && lease.reused() && !retried && !requestWritten) {
            // A keep-alive connection that failed under the request's first write: the request never left, so
            // the backend cannot have processed it. Once the write went out, the backend may have read it and be
            // generating; sending it again would run and bill the model twice, so that is a failure instead.
            retried = true;
            closeLease();
            state = State.CONNECTING;
            start();
            return;
        }
        broke(ErrorKind.UPSTREAM_FAILED, cause == null
                ? (state == State.WAITING ? "The backend closed the connection without answering."
                        : "The backend closed the connection before the response was complete.")
                : "The backend connection failed: " + describe(cause));
    }

    @Override
    public void onTimeout(ExchangeTimer.Limit limit) {
        final String message = switch (limit) {
            case TOTAL -> "The request took longer than its limit of "
                    + Durations.format(provider.timeouts().total()) + ".";
            case FIRST_BYTE -> "The backend did not start answering within "
                    + Durations.format(provider.timeouts().firstByte()) + ".";
            case IDLE -> "The backend sent nothing for " + Durations.format(provider.timeouts().idle()) + ".";
        };
        if (pendingLease != null) {
            pendingLease.cancel(false);
        }
        broke(ErrorKind.UPSTREAM_TIMEOUT, message);
    }

    private void broke(ErrorKind kind, String message) {
        closeLease();
        fail(kind, message);
    }

    private void fail(ErrorKind kind, String message) {
        if (state != State.DONE) {
            end();
            receiver.onFailure(kind, message);
        }
    }

    private void end() {
        state = State.DONE;
        timer.cancel();
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private void closeLease() {
        if (lease != null) {
            final Lease broken = lease;
            lease = null;
            broken.release(false);
        }
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
