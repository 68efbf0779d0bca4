package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.Future;
import io.sluice.codec.CaptureBuffer;
import io.sluice.gateway.balance.AffinitySource;
import io.sluice.gateway.balance.OutlierDetector;
import io.sluice.gateway.config.Durations;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.routing.Route;
import io.sluice.gateway.routing.RouteWalk;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.upstream.EndpointPool;
import io.sluice.gateway.upstream.Lease;
import io.sluice.gateway.upstream.PoolExhaustedException;
import io.sluice.gateway.upstream.ResponseHead;
import io.sluice.gateway.upstream.UpstreamEndpoint;
import io.sluice.gateway.upstream.UpstreamListener;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.providers.ProviderError;
import io.sluice.providers.ProviderErrors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One request to the backends of a route and its response, whoever asked. Each attempt leases a pooled connection of
 * the call's event loop to an endpoint of the route's current target (chosen by its provider's strategy), sends the
 * request, and waits, under the target's timeouts, for the first body byte: a good head is held until then, since a
 * model server answers its head at once and the first token is what takes time. An answer that is not an event stream
 * is held whole (up to {@code routing.hold_body_bytes}), so that one cut short is tried again like any failure, never
 * relayed as half a JSON document. Until a response is handed to the {@link Receiver}, nothing has reached the client,
 * so a failure is tried again where the route's {@link RouteWalk} says: a connect failure, a reset or a timeout before
 * the first byte, a 5xx or a 429 (its error body read first), and a 400 for a prompt too long for the target's model
 * (on the next target only). Other client errors are handed on at once. An attempt that goes back to an endpoint that
 * asked by Retry-After to be left for a while waits that long first, within limits. Every attempt's outcome goes to
 * the provider's passive health. A reused keep-alive connection that fails before the request could leave it is
 * replaced once more on the same endpoint, uncounted (after the request left, the backend may be running it).
 *
 * <p>A stream that breaks after its head (a reset, a close, a silence past the idle limit, an end without its final
 * event) is continued, when the route says so and the receiver can: the next attempts, within the same budget, ask
 * targets to go on from what the client was shown ({@link Receiver#continuation}), passing over targets that cannot;
 * one that refuses (an error status) or fails moves on to the next, and when none starts the receiver hears the
 * failure that broke the stream.
 *
 * <p>Reading is the receiver's to drive once it has the head: after each read from the backend the call stops
 * until the receiver calls {@link #read()}, which it does only while its own client can take more. That is how
 * backpressure reaches the backend, and while the call waits for it the backend's silence does not count as idle.
 * {@link #cancel()} closes the connection at once, so the model server stops generating.
 *
 * <p>Thread: the event loop it was made on, which is also its connections'. Buffers: each attempt's request body
 * is held until its response head arrives or the attempt ends; an error body is copied (bounded) and released as
 * it arrives; a held answer's pieces are kept until handed on or the attempt ends; the pieces of a response handed on pass to the receiver with their ownership.
 */
public final class UpstreamCall implements UpstreamListener, ExchangeTimer.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamCall.class);
    /** Who sends the request and hears the response. All calls come on the call's event loop. */
    public interface Receiver extends AffinitySource {
        /** The request for an attempt on {@code target}; its body is owned by the call from now on. */
        Attempt attempt(Target target);

        /**
         * The response head from {@code target}: the first byte arrived, and nothing is tried again.
         *
         * @param eventStream whether its content type is {@code text/event-stream}
         */
        void onHead(ResponseHead head, Target target, boolean eventStream);

        /**
         * The answer is an error response from {@code target} (status 400 or more) that is not tried again: its
         * head and the first {@code length} bytes of its body (bounded by {@link UpstreamErrors#MAX_BODY_BYTES}).
         */
        void onErrorResponse(ResponseHead head, Target target, byte[] body, int length);

        /** A piece of the body, owned by the receiver; {@code last} for the final one. */
        void onContent(ByteBuf content, boolean last);

        /** The end of one read from the backend: flush, and {@link #read()} again when there is room. */
        void onReadComplete();

        /** The call failed, before or after the head; the connection is already closed. */
        void onFailure(ErrorKind kind, String message);

        /**
         * The stream broke after its head (a reset, a close, a silence past idle, an end without its final event):
         * whether what the client was shown so far lets it go on elsewhere. Called once per break, before the
         * {@link #continuation} requests for it: the receiver sends what the broken stream showed and takes stock.
         */
        boolean continuable();

        /** Whether the stream already sent its final event: a failure after it loses nothing and is not a break. */
        boolean answerWhole();

        /** The request that continues the broken stream on {@code target}, or null when that target cannot. */
        Attempt continuation(Target target);

        /** A continuation's stream from {@code target} started: it goes on where the client's stream broke off. */
        void onContinued(ResponseHead head, Target target);
    }

    /**
     * What one attempt sends: the operation's path below the API base (with the client's query, where it goes as
     * sent) and the body, in the dialect of the attempt's target.
     */
    public record Attempt(String apiPath, ByteBuf body) {
    }

    /**
     * HEAD_HELD: a good head came, and is held until the first body byte (a model server answers the head at once
     * and then computes: the first token is what counts). HOLDING_BODY: a good answer that is not an event stream is
     * read whole, up to a bound, before any of it is handed on, so that one cut short can still be tried again.
     * HOLDING_ERROR: an error response is being read to decide whether to try again. RESTING: the next attempt goes to
     * the endpoint that just asked, by Retry-After, to be left for a while, and waits that long first.
     */
    private enum State { RESTING, CONNECTING, WAITING, HEAD_HELD, HOLDING_BODY, HOLDING_ERROR, STREAMING, DONE }

    /** The outcome of an attempt whose stream broke after its head and was continued elsewhere. */
    public static final String BROKEN = "broken";
    /** What a receiver says of a stream that ended cleanly before its final event. */
    public static final String CUT_SHORT = "The backend ended the stream before its final event.";
    private static final String MAXIMUM_CONTEXT = "maximum context length";
    private static final String TGI_TOKEN_LIMIT = "must be <=";

    private final EventLoop loop;
    private final ProxyServices services;
    private final int holdBodyBytes;
    private final RouteWalk walk;
    /** The current attempt's path below the API base. */
    private String apiPath;
    private final ClientFields clientFields;
    private final ClientOrigin origin;
    private final String requestId;
    private final TraceContext trace;
    private final long startNanos;
    private final Receiver receiver;
    private State state = State.CONNECTING;
    private Target target;
    private UpstreamEndpoint endpoint;
    private ByteBuf body;
    /** The current attempt's limits: its provider's, with the route's own in their place. */
    private SluiceConfig.Timeouts timeouts;
    private ExchangeTimer timer;
    private Future<Lease> pendingLease;
    private Lease lease;
    private boolean replacedStale;
    /** Whether the request left on the current connection: from then on the backend may be processing it. */
    private boolean requestWritten;
    private boolean upstreamKeepAlive;
    private ResponseHead heldHead;
    /** Whether the answer is an event stream, whose endpoint is counted well only when it ended whole. */
    private boolean eventStream;
    /** Whether a stream of this call broke after its head (its endpoint is then never counted well for it). */
    private boolean broken;
    /** While a broken stream is being continued: why it broke, which the client is told if no continuation starts. */
    private ErrorKind breakKind;
    private String breakMessage;
    /** The provider whose stream broke, while it is being continued. */
    private String brokenProvider;
    /** The pieces of a held answer (HOLDING_BODY), owned by the call until they are handed on. */
    private List<ByteBuf> heldBody;
    private int heldBytes;
    private ResponseHead errorHead;
    private CaptureBuffer errorBody;
    private long headNanos = -1;
    /** When the latest attempt's request was handed to its connection. */
    private long sentNanos;
    /** The attempts that ended without an answer for the receiver, in order; null while there are none. */
    private List<UsageRecord.Attempt> givenUp;
    /** Whether the current attempt is the last of {@link #givenUp}. */
    private boolean currentGivenUp;
    /** Whether the current attempt is counted in its endpoint's in-flight load. */
    private boolean counted;
    /** The endpoint whose 429 or 503 said when to come back, and when (System.nanoTime()); null if none did. */
    private UpstreamEndpoint resting;
    private long restingUntil;
    private Future<?> rest;

    /**
     * @param clientFields  the client's fields, of which those marked as sent go to every attempt
     * @param origin        who the backend is told sent the request
     * @param startNanos    when the request arrived, for the total timeout
     * @param holdBodyBytes how much of an answer that is not an event stream is held before its head is handed on
     */
    public UpstreamCall(EventLoop loop, ProxyServices services, Route route, int holdBodyBytes,
                        ClientFields clientFields, ClientOrigin origin, String requestId, TraceContext trace,
                        long startNanos, Receiver receiver) {
        this.loop = loop;
        this.services = services;
        this.walk = new RouteWalk(route);
        this.holdBodyBytes = holdBodyBytes;
        this.clientFields = clientFields;
        this.origin = origin;
        this.requestId = requestId;
        this.trace = trace;
        this.startNanos = startNanos;
        this.receiver = receiver;
    }

    public void start() {
        nextAttempt();
    }

    /** The target of the latest attempt, or null before the first. */
    public Target target() {
        return target;
    }

    /** The endpoint of the latest attempt, or null before the first. */
    public UpstreamEndpoint endpoint() {
        return endpoint;
    }

    /** The provider's latency: from sending the latest attempt to its response head; -1 without a head. */
    public long providerLatencyNanos() {
        return headNanos < 0 ? -1 : headNanos - sentNanos;
    }


    /**
     * The receiver found an error the backend sent inside its answer: it counts against the endpoint's passive health
     * like a reset. It is not continued (the backend said why it stopped, a content filter say); the receiver ends
     * the answer itself.
     */
    public void brokenAnswer(String why) {
        broken = true;
        target.provider().health().failed(endpoint, why);
    }

    /**
     * The receiver found the stream, which ended cleanly, cut short all the same (no final event): it counts against
     * the endpoint's passive health like a reset, and goes on elsewhere when it can.
     */
    public void streamBroke(String why) {
        streamBroke(ErrorKind.UPSTREAM_FAILED, why);
    }

    /**
     * A stream broke after its head: continued on the route's next endpoint or target when the route allows it, the
     * receiver can, and an attempt is left; else the receiver's failure.
     */
    private void streamBroke(ErrorKind kind, String message) {
        closeLease();
        end();
        if (receiver.answerWhole()) {
            // The final event came before the failure (a reset after the finish reason): nothing was lost.
            receiver.onFailure(kind, message);
            return;
        }
        broken = true;
        final Provider provider = target.provider();
        provider.health().failed(endpoint, message);
        if (!walk.route().continuesStreams()) {
            receiver.onFailure(kind, message);
            return;
        }
        if (!receiver.continuable() || !walk.continueAfter(endpoint)) {
            services.metrics().continuation(provider.id(), "impossible");
            receiver.onFailure(kind, message);
            return;
        }
        brokenProvider = provider.id();
        givenUp(BROKEN);
        breakKind = kind;
        breakMessage = message;
        nextAttempt();
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
        end();
        closeLease();
    }

    private void nextAttempt() {
        target = walk.target();
        Attempt continuation = null;
        if (breakKind != null) {
            while ((continuation = receiver.continuation(target)) == null) {
                if (!walk.skipTarget()) {
                    services.metrics().continuation(brokenProvider, "impossible");
                    failContinuation();
                    return;
                }
                target = walk.target();
            }
        }
        endpoint = walk.attempt(receiver);
        currentGivenUp = false;
        headNanos = -1;
        state = State.CONNECTING;
        endpoint.stats().started();
        counted = true;
        final Attempt attempt = continuation != null ? continuation : receiver.attempt(target);
        apiPath = attempt.apiPath();
        body = attempt.body();
        timeouts = walk.route().deadlines().over(target.provider().timeouts());
        timer = new ExchangeTimer(loop, this, startNanos, timeouts);
        replacedStale = false;
        final long wait = restBefore();
        if (wait > 0) {
            state = State.RESTING;
            timer.resting();
            rest = loop.schedule(() -> {
                if (state == State.RESTING) {
                    rest = null;
                    connect(false);
                }
            }, wait, TimeUnit.NANOSECONDS);
        } else {
            connect(false);
        }
    }

    /**
     * How long to wait before this attempt: the rest its endpoint asked for by Retry-After, when the attempt goes
     * back to it (its only endpoint, say) and the wait is no longer than the route's {@code retry.max_wait} and the
     * first-byte limit, and ends within the total. A longer one is not waited for: the endpoint is tried at once,
     * and if it says so again, the client soon gets its answer and its Retry-After.
     */
    private long restBefore() {
        if (endpoint != resting) {
            return 0;
        }
        final long now = System.nanoTime();
        final long wait = restingUntil - now;
        final boolean fits = wait <= walk.route().retry().maxWait().toNanos()
                && wait <= timeouts.firstByte().toNanos()
                && now + wait - (startNanos + timeouts.total().toNanos()) < 0;
        return wait > 0 && fits ? wait : 0;
    }

    private void connect(boolean fresh) {
        state = State.CONNECTING;
        final Provider provider = target.provider();
        final EndpointPool pool = services.pools().pool(loop, endpoint, provider.pool(),
                provider.timeouts().connect());
        final Future<Lease> future = fresh ? pool.acquireNew() : pool.acquire();
        if (future.isDone()) {
            onLease(future);
        } else {
            // No pooled connection at hand: the total and the route's connect limit bound the wait (a pooled one
            // costs no task). The provider's own connect limit is the pool's.
            final Duration routeConnect = walk.route().deadlines().connect();
            timer.connecting(routeConnect == null ? 0 : routeConnect.toNanos());
            pendingLease = future;
            future.addListener(f -> {
                if (future == pendingLease) {
                    pendingLease = null;
                    onLease(future);
                } else if (future.isSuccess()) {
                    // The lease of an attempt given up meanwhile (a timeout while it connected): not this one's.
                    future.getNow().release(true);
                }
            });
        }
    }

    private void onLease(Future<Lease> future) {
        if (state != State.CONNECTING) {
            if (future.isSuccess()) {
                future.getNow().release(true);
            }
            return;
        }
        if (!future.isSuccess()) {
            final Throwable cause = future.cause();
            if (cause instanceof PoolExhaustedException) {
                attemptFailed(RouteWalk.Failure.CONNECT, ErrorKind.UPSTREAM_BUSY, cause.getMessage());
            } else if (cause instanceof ConnectTimeoutException) {
                attemptFailed(RouteWalk.Failure.CONNECT, ErrorKind.UPSTREAM_TIMEOUT,
                        "Connecting to the backend timed out.");
            } else {
                attemptFailed(RouteWalk.Failure.CONNECT, ErrorKind.UPSTREAM_UNAVAILABLE,
                        "The backend could not be reached: " + describe(cause));
            }
            return;
        }
        lease = future.getNow();
        lease.attach(this);
        state = State.WAITING;
        requestWritten = false;
        final Lease sentOn = lease;
        sentNanos = TurnClock.nanoTime();
        final Channel channel = lease.channel();
        final ByteBuf head = ProxyHeaders.upstreamRequestHead(channel.alloc(), clientFields, origin,
                target.provider().requestPath(endpoint, apiPath, target.backendModel()), endpoint,
                target.provider().upstreamHeaders(), requestId, trace, body.readableBytes());
        final ChannelFuture sent;
        if (body.readableBytes() <= head.writableBytes()) {
            // A body that fits the head's buffer goes in it: one buffer for the socket rather than two, as Netty's
            // encoder did for the smallest bodies.
            head.writeBytes(body, body.readerIndex(), body.readableBytes());
            sent = channel.writeAndFlush(head);
        } else {
            final ByteBuf sentBody = body.retainedDuplicate();
            // Both are made before either is written: a head left unflushed would go out before the connection's
            // next request. The head's future is not watched: a failed write closes the connection, failing the
            // body's.
            channel.write(head);
            sent = channel.writeAndFlush(sentBody);
        }
        sent.addListener(f -> {
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
            timer.requestSent(sentNanos);
        }
    }

    @Override
    public void onUpstreamHead(ResponseHead head) {
        if (state != State.WAITING) {
            return;
        }
        headNanos = TurnClock.nanoTime();
        upstreamKeepAlive = head.keepAlive();
        body.release();
        body = null;
        if (head.status() >= 400) {
            timer.responseStarted();
            state = State.HOLDING_ERROR;
            errorHead = head;
            errorBody = new CaptureBuffer(512, UpstreamErrors.MAX_BODY_BYTES);
        } else {
            // The first-byte deadline runs on to the first body byte.
            state = State.HEAD_HELD;
            heldHead = head;
        }
    }

    @Override
    public void onUpstreamBody(ByteBuf piece, boolean last) {
        if (state == State.HOLDING_ERROR) {
            onErrorContent(piece, last);
            return;
        }
        if (state == State.HEAD_HELD) {
            if (last && !piece.isReadable() && heldHead.isContentType(HttpHeaderValues.TEXT_EVENT_STREAM)
                    && !ResponseHead.hasNoBody(heldHead.status())) {
                // A stream that ended before its first event is no answer, and none of it was sent: tried again as
                // a reset before the first byte is.
                piece.release();
                failHere(RouteWalk.Failure.RESET, ErrorKind.UPSTREAM_FAILED,
                        "The backend ended its event stream without sending an event.");
                return;
            }
            startBody();
        }
        if (state == State.HOLDING_BODY) {
            holdBody(piece, last);
            return;
        }
        if (state != State.STREAMING) {
            piece.release();
            return;
        }
        if (last) {
            end();
            releaseLease(upstreamKeepAlive);
        } else {
            timer.activity();
        }
        // The receiver may find the stream cut short and start a continuation: this attempt's, not that one's.
        final UpstreamEndpoint answered = endpoint;
        final OutlierDetector health = target.provider().health();
        receiver.onContent(piece, last);
        if (last && eventStream && !broken && answered == endpoint) {
            // A stream went well only if it ended well: the receiver has judged its end by now.
            health.succeeded(answered);
        }
    }

    @Override
    public void onUpstreamMalformed(String reason) {
        if (state != State.CONNECTING && state != State.DONE) {
            failHere(RouteWalk.Failure.RESET, ErrorKind.UPSTREAM_FAILED,
                    "The backend sent a malformed response: " + reason + ".");
        }
    }

    /**
     * The first body byte of a good answer came: an event stream is the answer from now on; anything else (a JSON
     * answer) is held until it is whole or larger than the bound.
     */
    private void startBody() {
        // A 204 or 304 has no body whatever its type says: no stream to watch, continue or end with an error event.
        eventStream = heldHead.isContentType(HttpHeaderValues.TEXT_EVENT_STREAM)
                && !ResponseHead.hasNoBody(heldHead.status());
        if (breakKind != null && !eventStream) {
            // A continuation must be a stream: one answered whole cannot be spliced into the client's.
            services.metrics().continuation(target.provider().id(), "refused");
            heldHead = null;
            timer.cancel();
            closeLease();
            givenUp("not_a_stream");
            uncount();
            continueElsewhere(true);
            return;
        }
        timer.responseStarted();
        if (eventStream || holdBodyBytes == 0) {
            commitHead();
            return;
        }
        state = State.HOLDING_BODY;
        heldBody = new ArrayList<>(2);
        heldBytes = 0;
    }

    /** A piece of a held answer: kept until the answer is whole, or handed on with what came before past the bound. */
    private void holdBody(ByteBuf piece, boolean last) {
        if (!last) {
            // The last piece ends the attempt, and its timer with it.
            timer.activity();
        }
        heldBody.add(piece);
        heldBytes += piece.readableBytes();
        if (!last && heldBytes <= holdBodyBytes) {
            return;
        }
        final List<ByteBuf> pieces = heldBody;
        heldBody = null;
        commitHead();
        if (state != State.STREAMING) {
            // The receiver gave up on the head.
            pieces.forEach(ByteBuf::release);
            return;
        }
        if (last) {
            end();
            releaseLease(upstreamKeepAlive);
        }
        for (int i = 0; i < pieces.size(); i++) {
            receiver.onContent(pieces.get(i), last && i == pieces.size() - 1);
        }
    }

    /** The answer's first byte (or, for a held answer, the whole of it) came: nothing is tried again. */
    private void commitHead() {
        state = State.STREAMING;
        if (!eventStream) {
            // An answer handed on whole is well; a stream is judged at its end.
            target.provider().health().succeeded(endpoint);
        }
        final ResponseHead head = heldHead;
        heldHead = null;
        if (breakKind != null) {
            breakKind = null;
            breakMessage = null;
            services.metrics().continuation(target.provider().id(), "resumed");
            receiver.onContinued(head, target);
        } else {
            receiver.onHead(head, target, eventStream);
        }
    }

    /** A piece of an error response: kept (bounded) until it ends, then tried again or handed on. */
    private void onErrorContent(ByteBuf piece, boolean last) {
        errorBody.append(piece, piece.readerIndex(), piece.readableBytes());
        piece.release();
        if (!last) {
            timer.activity();
            return;
        }
        releaseLease(upstreamKeepAlive);
        timer.cancel();
        final int status = errorHead.status();
        reportErrorStatus(status);
        if (breakKind != null) {
            // A continuation refused (a prefill this model does not take, say): the next target may take it.
            services.metrics().continuation(target.provider().id(), "refused");
            givenUp(Integer.toString(status));
            errorHead = null;
            uncount();
            // A client error says the model does not take it: its other endpoints would say the same.
            continueElsewhere(status < 500 && status != 429);
            return;
        }
        final RouteWalk.Failure failure = status >= 500 ? RouteWalk.Failure.SERVER_ERROR
                : status == 429 ? RouteWalk.Failure.RATE_LIMITED
                : (status == 400 || status == 422) && contextTooLong() ? RouteWalk.Failure.CONTEXT_LENGTH : null;
        if (failure != null && walk.retry(failure, endpoint)) {
            givenUp(Integer.toString(status));
            errorHead = null;
            uncount();
            nextAttempt();
            return;
        }
        end();
        receiver.onErrorResponse(errorHead, target, errorBody.array(), errorBody.length());
    }

    /**
     * Whether the held 400 or 422 says the prompt is longer than the model's context: OpenAI's code, vLLM's words
     * ("This model's maximum context length is ..."), TGI's ("`inputs` tokens + `max_new_tokens` must be <= ...").
     */
    private boolean contextTooLong() {
        final ProviderError error = ProviderErrors.parse(errorBody.array(), errorBody.length());
        if (error == null) {
            return false;
        }
        final String message = error.message() == null ? "" : error.message();
        return "context_length_exceeded".equals(error.code()) || message.contains(MAXIMUM_CONTEXT)
                || message.contains(TGI_TOKEN_LIMIT) && message.contains("tokens");
    }

    @Override
    public void onUpstreamReadComplete() {
        if (state == State.WAITING || state == State.HEAD_HELD || state == State.HOLDING_BODY
                || state == State.HOLDING_ERROR) {
            lease.channel().read();
        } else if (state == State.STREAMING) {
            timer.paused(true);
            receiver.onReadComplete();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        if (state == State.WAITING && lease.reused() && !replacedStale && !requestWritten) {
            // A keep-alive connection that failed under the request's first write: the request never left, so
            // the backend cannot have processed it. Once the write went out, the backend may have read it and be
            // generating; sending it again is an attempt of its own, under the route's policy.
            replacedStale = true;
            closeLease();
            connect(true);
            return;
        }
        failHere(RouteWalk.Failure.RESET, ErrorKind.UPSTREAM_FAILED, cause == null
                ? (state == State.STREAMING || state == State.HOLDING_BODY
                        ? "The backend closed the connection before the response was complete."
                        : "The backend closed the connection without answering.")
                : "The backend connection failed: " + describe(cause));
    }

    @Override
    public void onTimeout(ExchangeTimer.Limit limit) {
        final String message = switch (limit) {
            case TOTAL -> "The request took longer than its limit of " + Durations.format(timeouts.total()) + ".";
            case CONNECT -> "No connection to the backend within " + Durations.format(timeouts.connect()) + ".";
            case FIRST_BYTE -> "The backend did not start answering within "
                    + Durations.format(timeouts.firstByte()) + ".";
            case IDLE -> "The backend sent nothing for " + Durations.format(timeouts.idle()) + ".";
        };
        LOG.warn("request {} timed out ({}) on {}: {}", requestId, limit.name().toLowerCase(Locale.ROOT),
                endpoint != null ? endpoint.url() : target != null ? target.provider().id() : "-", message);
        if (limit == ExchangeTimer.Limit.TOTAL && breakKind != null) {
            // Time ran out while a broken stream waited for its continuation: the client hears why it broke.
            closeLease();
            services.metrics().continuation(target.provider().id(), "failed");
            failContinuation();
        } else if (limit == ExchangeTimer.Limit.TOTAL) {
            // The request's own time is up: no attempt is left to make.
            closeLease();
            fail(ErrorKind.UPSTREAM_TIMEOUT, message);
        } else if (limit == ExchangeTimer.Limit.CONNECT) {
            // The route's own patience ran out, maybe waiting for a slot of a full pool: not the endpoint's failure.
            attemptFailed(RouteWalk.Failure.CONNECT, ErrorKind.UPSTREAM_TIMEOUT, message, false);
        } else {
            failHere(RouteWalk.Failure.TIMEOUT, ErrorKind.UPSTREAM_TIMEOUT, message);
        }
    }

    /** A held error's status, as the provider's passive health counts it. */
    private void reportErrorStatus(int status) {
        final OutlierDetector health = target.provider().health();
        if (status >= 500) {
            health.failed(endpoint, "status " + status);
        } else {
            health.succeeded(endpoint);
        }
        if (status == 429 || status == 503) {
            final AsciiString retryAfter = errorHead.get(HttpHeaderNames.RETRY_AFTER);
            final Duration wait = RetryAfter.parse(retryAfter == null ? null : retryAfter.toString());
            if (wait != null) {
                health.retryAfter(endpoint, wait);
                resting = endpoint;
                // Capped before it is made nanoseconds: an HTTP date may lie centuries ahead.
                restingUntil = System.nanoTime() + (wait.compareTo(timeouts.total()) > 0 ? timeouts.total() : wait)
                        .toNanos();
            }
        }
    }

    /** The current attempt broke: before the head reached the receiver it may be tried again, after it never. */
    private void failHere(RouteWalk.Failure failure, ErrorKind kind, String message) {
        if (state == State.STREAMING) {
            streamBroke(kind, message);
        } else {
            closeLease();
            attemptFailed(failure, kind, message);
        }
    }

    private void attemptFailed(RouteWalk.Failure failure, ErrorKind kind, String message) {
        // A full pool is this gateway's limit, not the endpoint's failure.
        attemptFailed(failure, kind, message, kind != ErrorKind.UPSTREAM_BUSY);
    }

    private void attemptFailed(RouteWalk.Failure failure, ErrorKind kind, String message, boolean endpointsFault) {
        if (state == State.DONE) {
            return;
        }
        timer.cancel();
        cancelRest();
        dropPendingLease();
        if (endpointsFault) {
            target.provider().health().failed(endpoint, message);
        }
        givenUp(failure.name().toLowerCase(Locale.ROOT));
        if (breakKind != null) {
            services.metrics().continuation(target.provider().id(), "failed");
            releaseBody();
            heldHead = null;
            uncount();
            continueElsewhere(false);
            return;
        }
        if (walk.retry(failure, endpoint)) {
            releaseBody();
            releaseHeldBody();
            heldHead = null;
            errorHead = null;
            uncount();
            nextAttempt();
        } else {
            fail(kind, message);
        }
    }

    /**
     * A continuation attempt failed or was refused: the next one, or the failure that broke the stream.
     *
     * @param nextTarget whether the target itself refused (not one endpoint of it), so its other endpoints are passed
     *                   over
     */
    private void continueElsewhere(boolean nextTarget) {
        if (nextTarget ? walk.continueOnNextTarget() : walk.continueAfter(endpoint)) {
            nextAttempt();
        } else {
            failContinuation();
        }
    }

    /** No continuation started: the client hears why its stream broke, not why the continuations failed. */
    private void failContinuation() {
        final ErrorKind kind = breakKind;
        final String message = breakMessage;
        breakKind = null;
        breakMessage = null;
        state = State.STREAMING;
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
        cancelRest();
        dropPendingLease();
        timer.cancel();
        releaseBody();
        releaseHeldBody();
        uncount();
    }

    private void givenUp(String outcome) {
        if (givenUp == null) {
            givenUp = new ArrayList<>(2);
        }
        givenUp.add(attempt(outcome));
        currentGivenUp = true;
    }

    private UsageRecord.Attempt attempt(String outcome) {
        return new UsageRecord.Attempt(target.provider().id(), target.backendModel(), endpoint.url(), outcome);
    }

    /** Every attempt made, in order; the last, unless it was given up, with {@code status} as its outcome. */
    public List<UsageRecord.Attempt> attempts(int status) {
        if (target == null) {
            return List.of();
        }
        final List<UsageRecord.Attempt> all = givenUp == null ? new ArrayList<>(1) : new ArrayList<>(givenUp);
        if (!currentGivenUp) {
            all.add(attempt(Integer.toString(status)));
        }
        return all;
    }

    private void cancelRest() {
        if (rest != null) {
            rest.cancel(false);
            rest = null;
        }
    }

    private void dropPendingLease() {
        if (pendingLease != null) {
            final Future<Lease> dropped = pendingLease;
            pendingLease = null;
            dropped.cancel(false);
        }
    }

    private void uncount() {
        if (counted) {
            counted = false;
            endpoint.stats().finished();
        }
    }

    private void releaseBody() {
        if (body != null) {
            body.release();
            body = null;
        }
    }

    private void releaseHeldBody() {
        if (heldBody != null) {
            heldBody.forEach(ByteBuf::release);
            heldBody = null;
        }
    }

    private void releaseLease(boolean reusable) {
        final Lease done = lease;
        lease = null;
        done.release(reusable);
    }

    private void closeLease() {
        if (lease != null) {
            releaseLease(false);
        }
    }

    private static String describe(Throwable cause) {
        return cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    }
}
