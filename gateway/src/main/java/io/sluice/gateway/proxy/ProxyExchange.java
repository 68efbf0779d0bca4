package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.sluice.codec.json.JsonSplice;
import io.sluice.codec.json.MalformedRequestException;
import io.sluice.codec.json.RequestFields;
import io.sluice.codec.json.RequestScanner;
import io.sluice.gateway.admission.Caller;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.admission.Refusal;
import io.sluice.gateway.admission.Ticket;
import io.sluice.gateway.admission.Verdict;
import io.sluice.gateway.balance.AffinityHash;
import io.sluice.gateway.front.Front;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.Responses;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.http.Uris;
import io.sluice.gateway.routing.Route;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.upstream.ResponseHead;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.ProviderError;
import io.sluice.providers.RequestPlan;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;
import io.sluice.providers.StreamWatcher;
import io.sluice.providers.TranslatedRequest;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * One proxied HTTP request, from its head to the last byte of its response.
 *
 * <p>It authenticates the caller on the head, gathers the body, routes on its {@code model}, passes admission
 * (allowed models, request and token limits) on the snapshot it read at its head, and runs an {@link UpstreamCall}
 * over the route's targets. A target of the client's dialect ({@link Front}) gets the body with the edits it needs
 * (spliced, never re-serialised), and its answer is relayed as the backend's own buffers; a target of another
 * dialect gets the request translated, and its answer is translated back event by event
 * ({@link TranslatingRelay}). It asks the call for more only while the client can take it (backpressure), cancels
 * the call the moment the client leaves, and reports failures in the client's dialect: as a status before the first
 * response byte, as a terminal error event after it. A conversation stream that breaks half-way goes on on another
 * backend when the route allows it ({@link StreamContinuation}): from then on it is written by the client's encoder,
 * so that the client reads one answer.
 *
 * <p>Thread: the client connection's (or HTTP/2 stream's) event loop, which is also the upstream connection's.
 * Buffers: request pieces are owned by {@link RequestBody} until the body is whole; the whole body is kept while
 * another attempt may need it (each attempt gets a retained view or splice of it): released at the answer's head,
 * or, when the stream may continue elsewhere, kept to the exchange's end, {@linkplain RequestBody#compact
 * compacted} first; response pieces pass through the relay to the client pipeline, which releases them once written.
 */
public final class ProxyExchange implements UpstreamCall.Receiver, ClientSink, ActiveRequests.Request {
    private enum State { RECEIVING, CALLING, STREAMING, DONE }

    private final ChannelHandlerContext client;
    private final ExchangeOwner owner;
    private final ProxyServices services;
    /**
     * The client's request head until its body is whole. Then what the attempts need is taken from it (its fields,
     * the query of its target, its version) and it is let go: an open stream does not keep the header map.
     */
    private HttpRequest request;
    private final String uri;
    private final HttpVersion version;
    /** The client's fields as every attempt sends them on, from the body's end; copied once the answer streams. */
    private ClientFields clientFields;
    private final Front front;
    /** The config this request runs on from its head to its end, whatever a reload does meanwhile. */
    private final GatewaySnapshot snapshot;
    private Caller caller;
    private final ExchangeStats stats;
    /** Writes the response to the client: its head, what each backend read relayed, and its end. */
    private final ResponseWriter writer;
    private boolean keepAlive;
    /** Its place among the requests in flight, from admission to its end. */
    private ActiveRequests.Entry active;

    private State state = State.RECEIVING;
    private RequestBody body;
    /** What the scan found in the request body, and the body as the client sent it, kept for every attempt. */
    private RequestFields fields;
    private ByteBuf original;
    /** With {@code usage.estimate}: the answer's tokens, counted as it passes. */
    private CompletionTokens estimate;
    /** What lets a stream that breaks go on elsewhere; null for an answer that cannot be continued. */
    private StreamContinuation continuation;
    private Route route;
    /** The request in the form translations start from, when a target speaks another dialect; else null. */
    private TranslatedRequest translated;
    /** The current attempt's target's dialect, and its edits when that is the client's own. */
    private DialectCodec backend;
    private RequestPlan plan;
    /** The backend's head of a whole translated answer: the client's is written from it once the length is known. */
    private ResponseHead heldHead;
    private UpstreamCall call;
    /** The target whose response is relayed, once its head arrived. */
    private Target target;
    private ResponseRelay relay;
    private boolean paused;

    /**
     * @param client       the request handler's context in the client pipeline
     * @param path         the request target's path, without its query
     * @param http1Encoder the context of that pipeline's HTTP/1.1 response encoder, behind which a relayed response
     *                     is written (see {@link ResponseWriter}); null on an HTTP/2 stream
     */
    public ProxyExchange(ChannelHandlerContext client, ExchangeOwner owner, ProxyServices services,
                         HttpRequest request, String path, Front front, String requestId, long startNanos,
                         ChannelHandlerContext http1Encoder) {
        this.client = client;
        this.owner = owner;
        this.services = services;
        this.request = request;
        this.uri = request.uri();
        this.version = request.protocolVersion();
        this.front = front;
        this.snapshot = services.snapshots().current();
        this.stats = new ExchangeStats(requestId, TraceContext.of(request.headers()), request.method().name(), path,
                startNanos);
        this.writer = new ResponseWriter(client, http1Encoder);
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.body = new RequestBody(client.alloc(), services.maxRequestBytes());
    }

    /**
     * Checks the request head before its body is read: a caller without a valid key, or a declared length over the
     * limit, is refused at once (and the connection closed rather than the body read), and a client waiting for
     * {@code 100 Continue} gets it.
     *
     * @return false when the exchange already answered and is over
     */
    public boolean start() {
        final Verdict verdict = snapshot.access().authenticate(request.headers());
        if (verdict instanceof Refusal refusal) {
            keepAlive = false;
            refuse(refusal);
            return false;
        }
        caller = (Caller) verdict;
        stats.caller(caller);
        if (HttpUtil.getContentLength(request, -1L) > services.maxRequestBytes()) {
            refuseTooLarge();
            return false;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            client.writeAndFlush(Responses.continueResponse());
        }
        active = services.active().add(this);
        return true;
    }

    /** The gateway is draining: this response is the connection's last. */
    public void closeAfterResponse() {
        keepAlive = false;
    }

    @Override
    public EventLoop eventLoop() {
        return client.channel().eventLoop();
    }

    /** The shutdown deadline passed: end with a terminal error (a status, or an error event mid-stream). */
    @Override
    public void endForShutdown() {
        if (state == State.DONE) {
            return;
        }
        if (call != null) {
            call.cancel();
        }
        keepAlive = false;
        onFailure(ErrorKind.SHUTTING_DOWN, "The gateway is shutting down.");
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
        stats.bytesIn(content.content().readableBytes());
        if (!body.add(content.content())) {
            refuseTooLarge();
            return;
        }
        if (content instanceof LastHttpContent) {
            onRequestComplete();
        }
    }

    /**
     * The request will not arrive whole (its chunked framing broke, or the client is too slow to send it): an error
     * saying why, and the connection closes.
     */
    public void refuseRequest(ErrorKind kind, String reason) {
        if (state != State.RECEIVING) {
            return;
        }
        keepAlive = false;
        respondError(kind, reason);
    }

    private void refuseTooLarge() {
        keepAlive = false;
        respondError(ErrorKind.REQUEST_TOO_LARGE,
                "The request body is larger than the limit of " + services.maxRequestBytes() + " bytes.");
    }

    private void onRequestComplete() {
        state = State.CALLING;
        final HttpHeaders headers = request.headers();
        request = null;
        final RequestFields fields;
        try {
            fields = RequestScanner.scan(body.content());
        } catch (MalformedRequestException e) {
            respondError(switch (e.fault()) {
                case SYNTAX -> ErrorKind.INVALID_JSON;
                case TYPE -> ErrorKind.INVALID_TYPE;
                case DUPLICATE -> ErrorKind.DUPLICATE_FIELD;
            }, e.getMessage(), e.param());
            return;
        }
        // An empty model is none, as over the WebSocket: no default model means a 400, not an unknown model's 404.
        final boolean noModel = fields.model() == null || fields.model().isEmpty();
        stats.model(noModel ? null : fields.model());
        final Route route = snapshot.router().route(fields.model());
        if (route == null && noModel) {
            respondError(ErrorKind.MISSING_MODEL, "You must provide a model parameter.");
            return;
        }
        if (route == null) {
            respondError(ErrorKind.MODEL_NOT_FOUND, Router.notFound(fields.model()));
            return;
        }
        stats.routed(route, fields.stream());
        final ClientOrigin origin = services.trustedProxies().origin(headers, client.channel());
        final Verdict admitted = services.admission().admit(snapshot.access(), caller, route.publicModel(),
                origin.address(), new JsonBodyDemand(body.content(), fields));
        if (admitted instanceof Refusal refusal) {
            refuse(refusal);
            return;
        }
        stats.admitted((Ticket) admitted);
        final Route served = prepareTranslation(route);
        if (served == null) {
            return;
        }
        stats.routed(served, translated != null ? translated.stream() : fields.stream());
        this.fields = fields;
        this.route = served;
        original = body.take();
        body = null;
        clientFields = ProxyHeaders.clientFields(headers, stats.trace());
        call = new UpstreamCall(client.channel().eventLoop(), services, served, snapshot.router().holdBodyBytes(),
                clientFields, origin, stats.requestId(), stats.trace(), stats.startNanos(), this);
        stats.call(call);
        call.start();
    }

    /**
     * Reads the request into the form translations start from when a target of the route speaks another dialect,
     * once for every attempt. An operation other than a conversation turn has no counterpart in another dialect:
     * it goes only to the route's targets of the client's dialect, and when the first target is not one of them,
     * it is answered here (an estimate) or refused.
     *
     * @return the route to walk, or null when the exchange already answered
     */
    private Route prepareTranslation(Route route) {
        final ClientCodec dialect = front.codec();
        if (allSpeak(route.targets(), dialect)) {
            return route;
        }
        if (!front.operation().chat()) {
            if (speaks(route.primary(), dialect)) {
                return new Route(route.publicModel(), route.targets().stream().filter(t -> speaks(t, dialect))
                        .toList(), route.retry(), route.deadlines());
            }
            final byte[] local = front.localAnswer(body.content(), route.primary().backendModel());
            if (local == null) {
                respondError(ErrorKind.BAD_REQUEST, "The model " + route.publicModel() + " is served by a "
                        + "provider of another API, which has no " + front.operation().path() + ".");
            } else {
                stats.status(200);
                stats.bytesOut(local.length);
                finishWith(client.writeAndFlush(Responses.json(HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(local), stats.requestId(), keepAlive)));
            }
            return null;
        }
        try {
            translated = dialect.toOpenAi(body.content());
            return route;
        } catch (MalformedRequestException e) {
            respondError(ErrorKind.BAD_REQUEST, e.getMessage(), e.param());
            return null;
        }
    }

    /** Whether every target speaks the client's dialect: the common case, checked without allocating. */
    private static boolean allSpeak(List<Target> targets, ClientCodec dialect) {
        for (int i = 0; i < targets.size(); i++) {
            if (!speaks(targets.get(i), dialect)) {
                return false;
            }
        }
        return true;
    }

    private static boolean speaks(Target target, ClientCodec dialect) {
        return target.provider().type().dialect().codec() == dialect;
    }

    /**
     * The request for {@code target}: the client's body with the edits it needs (its model name, usage in streams,
     * defaults) when it speaks the client's dialect, else the request translated into its dialect.
     */
    @Override
    public UpstreamCall.Attempt attempt(Target target) {
        backend = target.provider().type().dialect().codec();
        final int defaultMaxTokens = snapshot.router().defaultMaxTokens();
        if (backend == front.codec()) {
            plan = backend.plan(fields, front.operation(), target.modelEdit(fields.model()),
                    target.provider().includeUsage(), defaultMaxTokens);
            return new UpstreamCall.Attempt(Uris.withQueryOf(front.operation().path(), uri),
                    plan.edits().isEmpty() ? original.retainedDuplicate()
                            : JsonSplice.apply(client.alloc(), original, plan.edits()));
        }
        plan = null;
        return new UpstreamCall.Attempt(backend.chat().path(), Unpooled.wrappedBuffer(backend.fromOpenAi(translated,
                target.backendModel(), target.provider().includeUsage(), defaultMaxTokens)));
    }

    /** A session header's value keeps a conversation on one endpoint (prefix_affinity). */
    @Override
    public long sessionHash(String name) {
        return AffinityHash.ofValue(clientFields.get(name));
    }

    /** The first bytes of the messages (or prompt, or input) as sent: a conversation's prefix. */
    @Override
    public long promptHash(int bytes) {
        if (fields.promptStart() < 0) {
            return 0;
        }
        final int from = original.readerIndex() + fields.promptStart();
        return AffinityHash.of(original, from, Math.min(bytes, original.writerIndex() - from));
    }

    @Override
    public void onHead(ResponseHead head, Target target, boolean eventStream) {
        state = State.STREAMING;
        this.target = target;
        if (eventStream) {
            // The exchange stays open while the stream runs: the client's header map goes, its fields stay.
            clientFields.keepCopy();
        }
        final boolean success = head.status() / 100 == 2;
        if (services.estimates().usage() && success && front.operation().chat()) {
            startEstimate(target, eventStream);
        }
        if (success && eventStream && route.continuesStreams() && front.operation().chat()
                && (plan != null ? fields.stream() : translated.stream())) {
            continuation = new StreamContinuation(services.estimates(), route.retry().partialAnswerBytes(),
                    snapshot.router().defaultMaxTokens());
            // Kept now for as long as the stream runs.
            original = RequestBody.compact(original, client.alloc());
        } else {
            // No attempt is left to make, and no continuation.
            releaseOriginal();
        }
        stats.status(head.status());
        if (plan != null) {
            final StreamWatcher watcher = backend.watcher(front.operation(), plan.dropUsageOnlyEvents());
            relay = eventStream
                    ? new SseRelay(this, continuation == null ? watcher
                            : continuation.watch(watcher, backend, client.alloc()))
                    : new BodyRelay(this, head.isContentType(HttpHeaderValues.APPLICATION_JSON));
            writeHead(head, head.status(), ProxyHeaders.ClientBody.relayed(head, eventStream));
            return;
        }
        relay = new TranslatingRelay(this, backend, text -> UpstreamErrors.text(text, target.provider()),
                front.codec(), eventStream, translated.stream(), served(null), translated.includeUsage(),
                shownBy(continuation == null ? null : continuation::shown));
        if (translated.stream()) {
            writeHead(head, head.status(), new ProxyHeaders.ClientBody(front.streamContentType(),
                    ResponseHead.NO_LENGTH, true));
        } else {
            heldHead = head;
        }
    }

    /** What Sluice tells the client of an answer it writes itself: {@code relayed}'s id and model, or its own. */
    private Served served(Served relayed) {
        return relayed != null ? new Served(relayed.id(), relayed.model(), target.provider().id())
                : new Served(front.answerId(stats.requestId()), fields.model() == null ? route.publicModel()
                        : fields.model(), target.provider().id());
    }

    /** What a translating relay shows each delta to: the usage estimate, then {@code next}; null for nothing. */
    private UnaryOperator<StreamDelta> shownBy(UnaryOperator<StreamDelta> next) {
        if (estimate == null || plan != null) {
            return next;
        }
        final CompletionTokens counted = estimate;
        return delta -> {
            final StreamDelta shown = next == null ? delta : next.apply(delta);
            counted.add(shown);
            return shown;
        };
    }

    @Override
    public boolean answerWhole() {
        return relay != null && relay.complete();
    }

    @Override
    public boolean continuable() {
        if (continuation == null) {
            return false;
        }
        // What the broken stream showed goes out now, not when the continuation's first read completes.
        writer.write();
        client.flush();
        TranslatedRequest request = translated;
        if (request == null) {
            try {
                request = front.codec().toOpenAi(original);
            } catch (MalformedRequestException e) {
                return false;
            }
        }
        return continuation.possible(request);
    }

    @Override
    public UpstreamCall.Attempt continuation(Target target) {
        return continuation.attempt(target);
    }

    /**
     * A continuation's stream replaces the broken one: read into deltas and written by the client's encoder, the
     * one that wrote the stream so far or, after a stream relayed byte for byte, one brought up to what it showed.
     */
    @Override
    public void onContinued(ResponseHead head, Target target) {
        this.target = target;
        backend = target.provider().type().dialect().codec();
        stats.continued(continuation);
        continuation.started();
        final StreamEncoder encoder;
        final Served served;
        Served renameAs = null;
        if (relay instanceof TranslatingRelay translating) {
            encoder = translating.encoder();
            served = served(null);
            renameAs = translating.renameAs();
        } else {
            served = served(continuation.served());
            encoder = front.codec().resume(served, continuation.includeUsage(), continuation.position());
            // The client read the backend's own events: a continuation in its dialect keeps them as they come.
            renameAs = continuation.served() != null ? served : null;
        }
        if (backend != front.codec()) {
            renameAs = null;
        }
        relay.discard();
        plan = null;
        relay = TranslatingRelay.continuing(this, backend, text -> UpstreamErrors.text(text, target.provider()),
                front.codec(), encoder, served, shownBy(continuation::resumed), continuation::estimated, renameAs);
    }

    /**
     * With {@code usage.estimate}, for a conversation turn (the answers the decoders read): counts the prompt now,
     * while the client's body is still here, and the answer as it passes, in case the backend reports no usage. A
     * translated answer is counted from the relay's own deltas; one relayed as it came is read beside the relay.
     */
    private void startEstimate(Target target, boolean eventStream) {
        final PromptTokens counter = services.estimates().counter(target.backendModel());
        estimate = plan == null ? new CompletionTokens(counter) : new CompletionTokens(counter, backend, eventStream);
        stats.estimate(new JsonBodyDemand(original, fields).promptTokens(counter), estimate);
    }

    /**
     * Writes the client's response head (no flush). A translated answer is in the client's format: an event stream,
     * or JSON whose length is known only once it is whole, so its head is held until then.
     */
    private void writeHead(ResponseHead upstream, int status, ProxyHeaders.ClientBody body) {
        keepAlive &= body.length() >= 0 || ResponseHead.hasNoBody(status)
                || version.isKeepAliveDefault();
        final HeadFields fields = writer.startHead(status);
        final boolean chunked;
        try {
            chunked = ProxyHeaders.clientHead(upstream, status, body, services.relayedHeaders(), stats.requestId(),
                    target, keepAlive, version, fields);
        } catch (RuntimeException | Error e) {
            // No head half written may go out ahead of the error that follows.
            writer.release();
            throw e;
        }
        writer.endHead(chunked);
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        if (state == State.DONE) {
            // A held answer's later pieces, after the relay broke on an earlier one.
            content.release();
            return;
        }
        if (estimate != null && plan != null) {
            estimate.read(content);
        }
        relay.onContent(content);
        if (relay.broken() && !last) {
            // An error inside a translated stream: nothing after it will be relayed, so stop the backend now.
            call.cancel();
        }
        if (last || relay.broken()) {
            final String failure = relay.failure();
            if (failure != null && relay.broken()) {
                // The backend's own error inside its stream: it said why, so the answer ends here.
                call.brokenAnswer(failure);
                onFailure(ErrorKind.UPSTREAM_FAILED, failure);
                return;
            }
            if (failure != null) {
                // Continued elsewhere when it can be, else this exchange's onFailure.
                call.streamBroke(failure);
                return;
            }
            relay.onEnd();
            if (estimate != null && plan != null) {
                estimate.end();
            }
            finishWith(writer.end());
        }
    }

    @Override
    public void write(ByteBuf bytes) {
        if (heldHead != null) {
            writeHead(heldHead, heldHead.status(), new ProxyHeaders.ClientBody(HttpHeaderValues.APPLICATION_JSON,
                    bytes.readableBytes(), false));
            heldHead = null;
        }
        stats.bodyOut(bytes.readableBytes());
        writer.add(bytes);
    }

    @Override
    public ByteBufAllocator alloc() {
        return client.alloc();
    }

    @Override
    public void onReadComplete() {
        writer.write();
        client.flush();
        if (client.channel().isWritable()) {
            call.read();
        } else {
            paused = true;
        }
    }

    /** The client can take more bytes again: resume reading the backend. */
    public void onClientWritable() {
        if (paused && state == State.STREAMING && client.channel().isWritable()) {
            paused = false;
            call.read();
        }
    }

    /**
     * The backend's error response is the answer: the client gets the backend's status and relayed headers with the
     * error rendered in the client's format, bounded and with the provider's key masked.
     */
    @Override
    public void onErrorResponse(ResponseHead upstream, Target target, byte[] body, int length) {
        state = State.STREAMING;
        this.target = target;
        releaseOriginal();
        final int status = front.backendStatus(upstream.status());
        stats.status(status);
        final ProviderError parsed = UpstreamErrors.read(body, length, upstream.status(), target.provider());
        final ByteBuf rendered = front.backendError(client.alloc(), parsed, status, stats.requestId());
        stats.bytesOut(rendered.readableBytes());
        writeHead(upstream, status, new ProxyHeaders.ClientBody(HttpHeaderValues.APPLICATION_JSON,
                rendered.readableBytes(), false));
        writer.add(rendered);
        finishWith(writer.end());
    }

    /** The backend failed or was too slow: answer with an error status, or end the stream with an error event. */
    @Override
    public void onFailure(ErrorKind kind, String message) {
        if (state != State.STREAMING) {
            respondError(kind, message);
            return;
        }
        if (heldHead == null && answerWhole()) {
            // The answer was whole before the failure (a reset after the finish reason): it ends as it is, without
            // the part of an event the failure cut.
            relay.discard();
            relay.onEnd();
            finishWith(writer.end());
            return;
        }
        relay.discard();
        if (heldHead != null) {
            // Nothing of the answer was written: the failure can still be a status.
            heldHead = null;
            respondError(kind, message);
            return;
        }
        stats.status(kind.status().code());
        if (relay.canEndWithErrorEvent()) {
            // Sluice's own event, not the backend's answer: counted as bytes out, not as the first token.
            final ByteBuf event = front.streamError(client.alloc(), kind, message, stats.requestId());
            stats.bytesOut(event.readableBytes());
            writer.add(event);
            finishWith(writer.end());
        } else {
            // A plain body cannot carry an error once it has started: end the connection so the client sees a
            // truncated response, never one that looks complete.
            keepAlive = false;
            writer.write();
            client.flush();
            client.close();
            finishWith(null);
        }
    }

    private void respondError(ErrorKind kind, String message) {
        respondError(kind, message, null);
    }

    /** Admission said no: its error, with the headers it gave ({@code Retry-After}, {@code x-ratelimit-*}). */
    private void refuse(Refusal refusal) {
        respondError(refusal.kind(), refusal.message(), null, refusal.headers());
    }

    private void respondError(ErrorKind kind, String message, String param) {
        respondError(kind, message, param, List.of());
    }

    private void respondError(ErrorKind kind, String message, String param,
                              List<Map.Entry<String, String>> headers) {
        stats.status(kind.status().code());
        final FullHttpResponse response = Responses.json(kind.status(), front.error(client.alloc(), kind, message,
                param, stats.requestId()), stats.requestId(), keepAlive);
        headers.forEach(header -> response.headers().set(header.getKey(), header.getValue()));
        stats.bytesOut(response.content().readableBytes());
        finishWith(client.writeAndFlush(response));
    }

    /** The client went away: stop the backend at once and record what was used. */
    public void onClientClosed() {
        if (state == State.DONE) {
            return;
        }
        if (call != null) {
            call.cancel();
        }
        if (relay != null) {
            relay.discard();
        }
        writer.release();
        stats.status(ExchangeStats.STATUS_CLIENT_CLOSED);
        keepAlive = false;
        finishWith(null);
    }

    private void finishWith(ChannelFuture lastWrite) {
        state = State.DONE;
        services.active().remove(active);
        if (body != null) {
            body.release();
            body = null;
        }
        releaseOriginal();
        try {
            stats.report(services, relay == null ? null : relay.usage());
        } finally {
            // After the report, which reads the kept events into the legs' text.
            if (continuation != null) {
                continuation.release();
            }
        }
        owner.exchangeDone(lastWrite, keepAlive);
    }

    /** No attempt is left to make: the client's body is not needed any more. */
    private void releaseOriginal() {
        if (original != null) {
            original.release();
            original = null;
        }
    }
}
