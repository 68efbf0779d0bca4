package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.codec.json.RequestScanner;
import io.sluice.codec.usage.Usage;
import io.sluice.gateway.config.Durations;
import io.sluice.gateway.http.AccessLog;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.OpenAiErrors;
import io.sluice.gateway.http.Responses;
import io.sluice.gateway.http.Uris;
import io.sluice.gateway.routing.ModelRoute;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.upstream.EndpointPool;
import io.sluice.gateway.upstream.Lease;
import io.sluice.gateway.upstream.PoolExhaustedException;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamListener;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.providers.openai.OpenAiEndpoint;
import io.sluice.providers.openai.OpenAiRequestEdits;
import io.sluice.providers.openai.RequestPlan;

import java.io.IOException;
import java.time.Instant;

/**
 * One proxied request, from its head to the last byte of its response.
 *
 * <p>It gathers the body, routes on its {@code model}, splices the edits the provider needs, leases a pooled
 * connection of its own event loop, and relays the response back as the backend's own buffers. It reads the
 * backend only while the client can take more (backpressure), closes the upstream connection the moment the client
 * leaves (cancellation), and reports failures in the OpenAI error format: as a status before the first response
 * byte, as a terminal {@code data:} error event after it.
 *
 * <p>Thread: everything runs on the client connection's event loop, which is also the upstream connection's.
 * Buffers: request pieces are owned by {@link RequestBody} until the spliced body is written upstream (a reference
 * is kept for one retry until the response head arrives); response pieces pass from the upstream codec through
 * the relay to the client pipeline, which releases them once written.
 */
public final class ProxyExchange implements UpstreamListener, ClientSink, ExchangeTimer.Listener {
    private enum State { RECEIVING, CONNECTING, WAITING, STREAMING, DONE }

    private static final int USAGE_STATUS_CLIENT_CLOSED = 499;

    private final ChannelHandlerContext client;
    private final ExchangeOwner owner;
    private final ProxyServices services;
    private final HttpRequest request;
    private final OpenAiEndpoint endpoint;
    private final String requestId;
    private final long startNanos;
    private final Instant startTime = Instant.now();
    private boolean keepAlive;

    private State state = State.RECEIVING;
    private RequestBody body;
    private String model;
    private ModelRoute route;
    private RequestPlan plan;
    private boolean stream;
    private ByteBuf upstreamBody;
    private UpstreamEndpoint target;
    private Future<Lease> pendingLease;
    private Lease lease;
    private boolean retried;
    private boolean upstreamKeepAlive;
    private ResponseRelay relay;
    private ExchangeTimer timer;
    private boolean paused;

    private int status;
    private long headNanos = -1;
    private long firstBodyNanos = -1;
    private long bytesIn;
    private long bytesOut;

    public ProxyExchange(ChannelHandlerContext client, ExchangeOwner owner, ProxyServices services,
                         HttpRequest request, OpenAiEndpoint endpoint, String requestId, long startNanos) {
        this.client = client;
        this.owner = owner;
        this.services = services;
        this.request = request;
        this.endpoint = endpoint;
        this.requestId = requestId;
        this.startNanos = startNanos;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.body = new RequestBody(client.alloc(), services.maxRequestBytes());
    }

    /**
     * Checks the request head before its body is read: a declared length over the limit is refused at once, and
     * a client waiting for {@code 100 Continue} gets it.
     *
     * @return false when the exchange already answered and is over
     */
    public boolean start() {
        if (HttpUtil.getContentLength(request, -1L) > services.maxRequestBytes()) {
            refuseTooLarge();
            return false;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            client.writeAndFlush(Responses.continueResponse());
        }
        return true;
    }

    /** Whether the whole request has arrived (later pieces on the connection belong to the next request). */
    public boolean requestComplete() {
        return state != State.RECEIVING;
    }

    /** One piece of the request body; ownership passes. */
    public void onRequestContent(HttpContent content) {
        if (state != State.RECEIVING) {
            content.release();
            return;
        }
        bytesIn += content.content().readableBytes();
        if (!body.add(content.content())) {
            refuseTooLarge();
            return;
        }
        if (content instanceof LastHttpContent) {
            onRequestComplete();
        }
    }

    private void refuseTooLarge() {
        keepAlive = false;
        respondError(ErrorKind.REQUEST_TOO_LARGE,
                "The request body is larger than the limit of " + services.maxRequestBytes() + " bytes.");
    }

    private void onRequestComplete() {
        state = State.CONNECTING;
        final RequestFields fields;
        try {
            fields = RequestScanner.scan(body.content());
        } catch (MalformedRequestException e) {
            respondError(ErrorKind.INVALID_JSON, e.getMessage());
            return;
        }
        model = fields.model();
        if (model == null) {
            respondError(ErrorKind.MISSING_MODEL, "You must provide a model parameter.");
            return;
        }
        route = services.router().route(model);
        if (route == null) {
            respondError(ErrorKind.MODEL_NOT_FOUND, "The model `" + model
                    + "` does not exist or you do not have access to it.");
            return;
        }
        stream = fields.stream();
        plan = OpenAiRequestEdits.plan(fields, endpoint, route.backendModelJson(), route.provider().includeUsage());
        final ByteBuf original = body.take();
        body = null;
        if (plan.edits().isEmpty()) {
            upstreamBody = original;
        } else {
            upstreamBody = JsonSplice.apply(client.alloc(), original, plan.edits());
            original.release();
        }
        timer = new ExchangeTimer(client.channel().eventLoop(), this, startNanos, route.provider().timeouts());
        acquire();
    }

    private void acquire() {
        final Provider provider = route.provider();
        target = provider.nextEndpoint();
        final EndpointPool pool = services.pools().pool(client.channel().eventLoop(), target, provider.pool(),
                provider.timeouts().connect());
        final Future<Lease> future = retried ? pool.acquireNew() : pool.acquire();
        if (future.isDone()) {
            onLease(future);
        } else {
            pendingLease = future;
            future.addListener(f -> onLease(future));
        }
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
                respondError(ErrorKind.UPSTREAM_BUSY, cause.getMessage());
            } else if (cause instanceof ConnectTimeoutException) {
                respondError(ErrorKind.UPSTREAM_TIMEOUT, "Connecting to the backend timed out.");
            } else {
                respondError(ErrorKind.UPSTREAM_UNAVAILABLE, "The backend could not be reached: " + describe(cause));
            }
            return;
        }
        lease = future.getNow();
        lease.attach(this);
        state = State.WAITING;
        final Lease sentOn = lease;
        final String path = target.pathFor(endpoint.path()) + Uris.query(request.uri());
        lease.channel().writeAndFlush(ProxyHeaders.upstreamRequest(request, path, target,
                        route.provider().authorization(), requestId, upstreamBody.retainedDuplicate()))
                .addListener(f -> {
                    if (!f.isSuccess() && lease == sentOn) {
                        onUpstreamClosed(f.cause());
                    }
                });
        lease.channel().read();
        timer.requestSent();
    }

    @Override
    public void onUpstreamMessage(Object message) {
        if (state != State.WAITING && state != State.STREAMING) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpObject object && object.decoderResult().isFailure()) {
            ReferenceCountUtil.release(message);
            upstreamBroke(ErrorKind.UPSTREAM_FAILED, "The backend sent a malformed response.");
            return;
        }
        if (message instanceof HttpResponse head && state == State.WAITING) {
            if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                ReferenceCountUtil.release(message);
                return;
            }
            onResponseHead(head);
        }
        if (message instanceof HttpContent content) {
            if (state != State.STREAMING) {
                content.release();
                return;
            }
            timer.activity();
            relay.onContent(content.content());
            if (content instanceof LastHttpContent) {
                onResponseEnd();
            }
        }
    }

    private void onResponseHead(HttpResponse head) {
        state = State.STREAMING;
        headNanos = System.nanoTime();
        status = head.status().code();
        upstreamKeepAlive = HttpUtil.isKeepAlive(head);
        upstreamBody.release();
        upstreamBody = null;
        timer.responseStarted();
        final String contentType = head.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        final boolean eventStream = hasMediaType(contentType, HttpHeaderValues.TEXT_EVENT_STREAM);
        relay = eventStream
                ? new SseRelay(this, plan.dropUsageOnlyEvents())
                : new BodyRelay(this, hasMediaType(contentType, HttpHeaderValues.APPLICATION_JSON));
        final boolean framed = !eventStream && HttpUtil.getContentLength(head, -1L) >= 0;
        keepAlive &= framed || request.protocolVersion().isKeepAliveDefault();
        client.write(ProxyHeaders.clientResponse(head, requestId, eventStream, keepAlive,
                request.protocolVersion()));
    }

    @Override
    public void write(ByteBuf bytes) {
        if (firstBodyNanos < 0) {
            firstBodyNanos = System.nanoTime();
        }
        bytesOut += bytes.readableBytes();
        client.write(new DefaultHttpContent(bytes), client.voidPromise());
    }

    @Override
    public ByteBufAllocator alloc() {
        return client.alloc();
    }

    @Override
    public void onUpstreamReadComplete() {
        if (state == State.WAITING) {
            lease.channel().read();
        } else if (state == State.STREAMING) {
            client.flush();
            if (client.channel().isWritable()) {
                lease.channel().read();
            } else {
                paused = true;
                timer.paused(true);
            }
        }
    }

    /** The client can take more bytes again: resume reading the backend. */
    public void onClientWritable() {
        if (paused && state == State.STREAMING && client.channel().isWritable()) {
            paused = false;
            timer.paused(false);
            lease.channel().read();
        }
    }

    private void onResponseEnd() {
        relay.onEnd();
        final Lease done = lease;
        lease = null;
        done.release(upstreamKeepAlive);
        finishWith(client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (state == State.WAITING && lease.reused() && !retried && (cause == null || cause instanceof IOException)) {
            // A keep-alive connection the backend had already closed: the request never reached it.
            retried = true;
            closeLease();
            state = State.CONNECTING;
            acquire();
            return;
        }
        upstreamBroke(ErrorKind.UPSTREAM_FAILED, cause == null
                ? "The backend closed the connection before the response was complete."
                : "The backend connection failed: " + describe(cause));
    }

    @Override
    public void onTimeout(ExchangeTimer.Limit limit) {
        final Provider provider = route.provider();
        final String message = switch (limit) {
            case TOTAL -> "The request took longer than its limit of "
                    + Durations.format(provider.timeouts().total()) + ".";
            case FIRST_BYTE -> "The backend did not start answering within "
                    + Durations.format(provider.timeouts().firstByte()) + ".";
            case IDLE -> "The backend sent nothing for " + Durations.format(provider.timeouts().idle()) + ".";
        };
        if (state == State.CONNECTING && pendingLease != null) {
            pendingLease.cancel(false);
        }
        upstreamBroke(ErrorKind.UPSTREAM_TIMEOUT, message);
    }

    /** The backend failed or was too slow: answer with an error status, or end the stream with an error event. */
    private void upstreamBroke(ErrorKind kind, String message) {
        closeLease();
        if (state == State.STREAMING) {
            abortStream(kind, message);
        } else if (state == State.CONNECTING || state == State.WAITING) {
            respondError(kind, message);
        }
    }

    private void abortStream(ErrorKind kind, String message) {
        relay.discard();
        status = kind.status().code();
        if (relay.canEndWithErrorEvent()) {
            write(OpenAiErrors.streamEvent(client.alloc(), kind, message));
            finishWith(client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
        } else {
            // A plain body cannot carry an error once it has started: end the connection so the client sees a
            // truncated response, never one that looks complete.
            keepAlive = false;
            client.flush();
            client.close();
            finishWith(null);
        }
    }

    private void respondError(ErrorKind kind, String message) {
        status = kind.status().code();
        final FullHttpResponse response = Responses.error(client.alloc(), kind, message, requestId, keepAlive);
        bytesOut += response.content().readableBytes();
        finishWith(client.writeAndFlush(response));
    }

    /** The client went away: stop the backend at once and record what was used. */
    public void onClientClosed() {
        if (state == State.DONE) {
            return;
        }
        if (pendingLease != null) {
            pendingLease.cancel(false);
        }
        closeLease();
        if (relay != null) {
            relay.discard();
        }
        status = USAGE_STATUS_CLIENT_CLOSED;
        keepAlive = false;
        finishWith(null);
    }

    private void closeLease() {
        if (lease != null) {
            final Lease broken = lease;
            lease = null;
            broken.release(false);
        }
    }

    private void finishWith(ChannelFuture lastWrite) {
        state = State.DONE;
        if (timer != null) {
            timer.cancel();
        }
        if (body != null) {
            body.release();
            body = null;
        }
        if (upstreamBody != null) {
            upstreamBody.release();
            upstreamBody = null;
        }
        final long now = System.nanoTime();
        final Usage usage = relay == null ? null : relay.usage();
        if (route != null) {
            services.usage().report(usageRecord(usage, now));
        }
        AccessLog.log(requestId, request.method().name(), Uris.path(request.uri()), model,
                route == null ? null : route.provider().id(), status, headNanos < 0 ? -1 : headNanos - startNanos,
                now - startNanos, bytesIn, bytesOut, usage);
        owner.exchangeDone(lastWrite, keepAlive);
    }

    private UsageRecord usageRecord(Usage usage, long now) {
        return new UsageRecord(requestId, null, null, route.publicModel(), route.backendModel(),
                route.provider().id(), target == null ? null : target.url(), Uris.path(request.uri()), stream, status,
                usage == null ? 0 : usage.promptTokens(), usage == null ? 0 : usage.completionTokens(),
                usage == null ? 0 : usage.totalTokens(), usage == null ? 0 : usage.cachedTokens(),
                usage == null ? 0 : usage.reasoningTokens(), usage == null ? "none" : "upstream",
                firstBodyNanos < 0 ? -1 : millis(firstBodyNanos - startNanos), millis(now - startNanos), startTime);
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }



    private static String describe(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }

    private static boolean hasMediaType(String contentType, AsciiString mediaType) {
        return contentType.regionMatches(true, 0, mediaType.toString(), 0, mediaType.length());
    }
}
