package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import io.sluice.gateway.admission.Caller;
import io.sluice.gateway.admission.Refusal;
import io.sluice.gateway.admission.Verdict;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.control.AdminApi;
import io.sluice.gateway.control.AdminReply;
import io.sluice.gateway.front.AnthropicFront;
import io.sluice.gateway.front.Front;
import io.sluice.gateway.http.AccessLog;
import io.sluice.gateway.front.UniformFront;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.MalformedRequests;
import io.sluice.gateway.http.RequestIds;
import io.sluice.gateway.http.Responses;
import io.sluice.gateway.http.Uris;
import io.sluice.gateway.net.Draining;
import io.sluice.gateway.net.LingeringClose;
import io.sluice.gateway.net.PipelineNames;
import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.routing.HealthReport;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.proxy.ExchangeOwner;
import io.sluice.gateway.proxy.ProxyExchange;
import io.sluice.gateway.proxy.ProxyServices;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.ws.WebSocketUpgrade;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * Serves the requests of one client connection, one at a time: proxied requests through a {@link ProxyExchange},
 * health and the model list from memory, anything else with a 404 or 405 in the format of the API the path names
 * (OpenAI's where it names none).
 *
 * <p>Position: last in the client pipeline, after the HTTP codec. Thread: the connection's event loop. Buffers:
 * request bodies are handed to the exchange; bodies of locally answered requests are released here. The handler
 * keeps reading during an exchange so that a client that leaves is noticed at once; requests pipelined behind the
 * current one are held, and reading pauses, until it is done. After an early refusal (an oversized or malformed
 * request) it answers, half-closes, and discards input for a moment, so the client reads the answer instead of a
 * reset. On HTTP/1.1 it also keeps the connection's idle timer ({@link Http1ConnectionIdle}).
 */
final class HttpRequestHandler extends ChannelInboundHandlerAdapter implements ExchangeOwner,
        RequestDeadline.Listener, Http1ConnectionIdle.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(HttpRequestHandler.class);
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * A request answered once its body (usually none) has been read: from memory ({@code response}), or by
     * rendering the metrics or upgrading to a WebSocket (no {@code response} then).
     */
    private record LocalReply(RequestRoutes.Kind kind, HttpRequest request, String requestId, long startNanos,
                              FullHttpResponse response) {
    }

    /** The largest admin request body: a whole config file. */
    private static final int MAX_ADMIN_BODY = 4 << 20;

    private final ProxyServices services;
    private final SluiceConfig.Server config;
    private final Listener listener;
    /** The body of an admin request while it arrives; null otherwise. */
    private ByteArrayOutputStream adminBody;
    private final boolean http1;
    /** The connection's idle timer on HTTP/1.1; null on an HTTP/2 stream, whose connection has its own. */
    private Http1ConnectionIdle idleTimer;
    /** The HTTP/1.1 response encoder's context, behind which exchanges write relayed responses; null on HTTP/2. */
    private ChannelHandlerContext http1Encoder;
    private final ArrayDeque<Object> pipelined = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ProxyExchange exchange;
    private LocalReply local;
    /** The body bytes of the request {@link #local} answers, for its access line. */
    private long localBytesIn;
    private boolean requestEnded;
    /** A request's head is in and its body is still arriving. */
    private boolean receiving;
    /** Whether the current socket read gave the handler anything: a read that gave nothing holds a partial head. */
    private boolean readDispatched;
    private RequestDeadline deadline;
    private boolean closing;
    private boolean draining;
    /** A metrics scrape or an admin answer is being made off the event loop: requests behind it wait. */
    private boolean answeringOffLoop;

    /**
     * @param http1 whether this serves an HTTP/1.1 connection, which then has its idle timer here and whose requests
     *              are checked for a single Host; false on an HTTP/2 stream (its connection has its own timer, and
     *              :authority stands for Host)
     */
    HttpRequestHandler(ProxyServices services, SluiceConfig.Server config, boolean http1, Listener listener) {
        this.services = services;
        this.config = config;
        this.listener = listener;
        this.http1 = http1;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http1Encoder = http1 ? ctx.pipeline().context(PipelineNames.HTTP_ENCODER) : null;
        this.deadline = new RequestDeadline(ctx.executor(), this, config.requestTimeout().toNanos(),
                config.minBodyRate());
        if (http1) {
            idleTimer = new Http1ConnectionIdle(ctx.executor(), config.idleTimeout().toNanos(), this);
            idleTimer.restart();
        }
    }

    /**
     * Also when the connection leaves HTTP/1.1 (an h2c or WebSocket upgrade): its idle timer goes with it, and so do
     * requests pipelined behind the upgrade, which nothing here will answer.
     */
    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deadline.disarm();
        if (idleTimer != null) {
            idleTimer.stop();
        }
        releasePipelined();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        readDispatched = true;
        if (idleTimer != null) {
            // Before the message is answered: a local answer's end restarts the timer, and counts from there.
            idleTimer.onMessage();
        }
        if (closing) {
            ReferenceCountUtil.release(msg);
        } else if (busy() || !pipelined.isEmpty()) {
            pipelined.add(msg);
            ctx.channel().config().setAutoRead(false);
        } else {
            dispatch(msg);
        }
    }

    /** Whether the current request has fully arrived but its response is not done. */
    private boolean busy() {
        return exchange != null && exchange.requestComplete() || answeringOffLoop;
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest request) {
            onRequest(request);
            if (request.decoderResult().isFailure()) {
                // A head the decoder refused comes as a full request carrying the same failure: answered once.
                ReferenceCountUtil.release(msg);
                return;
            }
        }
        if (msg instanceof HttpContent content && content.decoderResult().isFailure()) {
            refuseMalformedBody(content);
        } else if (msg instanceof HttpContent content) {
            onContent(content);
        } else if (!(msg instanceof HttpRequest)) {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onRequest(HttpRequest request) {
        final long start = TurnClock.nanoTime();
        final String requestId = RequestIds.of(request.headers());
        requestEnded = false;
        localBytesIn = 0;
        if (request.decoderResult().isFailure()) {
            refuse(request, requestId, start, MalformedRequests.headKind(request.decoderResult().cause()),
                    MalformedRequests.headReason(request.decoderResult().cause()));
            return;
        }
        final String badHost = http1 ? hostProblem(request) : null;
        if (badHost != null) {
            refuse(request, requestId, start, ErrorKind.BAD_REQUEST, badHost);
            return;
        }
        receiving = true;
        deadline.headArrived();
        final String path = Uris.path(request.uri());
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (listener.admin() != null && AdminApi.serves(path)) {
            onAdminRequest(request, requestId, start, keepAlive);
            return;
        }
        RequestRoutes.Match match = RequestRoutes.match(request.method(), path);
        if (!listener.modelApis() && match.kind() != RequestRoutes.Kind.HEALTH) {
            match = new RequestRoutes.Match(RequestRoutes.Kind.NOT_FOUND, null, null);
        }
        switch (match.kind()) {
            case PROXY -> {
                exchange = new ProxyExchange(ctx, this, services, request, path,
                        match.front().negotiate(request.headers()), requestId, start, http1Encoder);
                if (!exchange.start()) {
                    exchange = null;
                }
            }
            case HEALTH -> local = new LocalReply(match.kind(), request, requestId, start,
                    Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(HEALTHY), requestId, keepAlive));
            case HEALTH_DETAILED -> local = new LocalReply(match.kind(), request, requestId, start, Responses.json(
                    HttpResponseStatus.OK, Unpooled.wrappedBuffer(HealthReport.render(
                            services.snapshots().current().router().providers(),
                            services.usage().webhooks().isEmpty() ? null : services.usage()::writeHealth)),
                    requestId, keepAlive));
            case MODELS -> local = new LocalReply(match.kind(), request, requestId, start, models(request, requestId,
                    keepAlive));
            case MODEL -> local = new LocalReply(match.kind(), request, requestId, start, model(request,
                    path.substring(RequestRoutes.MODELS_PREFIX.length()), requestId, keepAlive));
            case ANTHROPIC -> local = new LocalReply(match.kind(), request, requestId, start,
                    anthropic(request, path, requestId, keepAlive));
            case METRICS, WEBSOCKET -> local = new LocalReply(match.kind(), request, requestId, start, null);
            case LLM_MODELS -> local = new LocalReply(match.kind(), request, requestId, start,
                    llmModels(request, requestId, keepAlive));
            case METHOD_NOT_ALLOWED -> {
                final String message = request.method() + " is not allowed on " + path + "; use " + match.allow()
                        + ".";
                final FullHttpResponse response = error(match.front(), ErrorKind.METHOD_NOT_ALLOWED, message,
                        requestId, keepAlive);
                response.headers().set(HttpHeaderNames.ALLOW, match.allow());
                local = new LocalReply(match.kind(), request, requestId, start, response);
            }
            case NOT_FOUND -> {
                final String message = "Invalid URL (" + request.method() + " " + path + ").";
                local = new LocalReply(match.kind(), request, requestId, start,
                        error(match.front(), ErrorKind.NOT_FOUND, message, requestId, keepAlive));
            }
        }
    }

    /**
     * An admin request: a caller the admin API refuses is answered at once (the body is not read); otherwise the
     * body is gathered and answered once the API (off the event loop) has.
     */
    private void onAdminRequest(HttpRequest request, String requestId, long start, boolean keepAlive) {
        final AdminReply refusal = listener.admin().refusal(request.headers(), ctx.channel().remoteAddress());
        if (refusal != null) {
            // Answered now, its body unread, and the connection closed: as any request refused on its head.
            receiving = false;
            deadline.disarm();
            final ChannelFuture write = ctx.writeAndFlush(headless(request, adminResponse(refusal, requestId, false)));
            services.metrics().refused("/admin", refusal.status());
            AccessLog.local(requestId, request.method().name(), Uris.path(request.uri()), refusal.status(),
                    System.nanoTime() - start, 0, 0);
            exchangeDone(write, false);
            return;
        }
        if (HttpUtil.getContentLength(request, 0L) > MAX_ADMIN_BODY) {
            refuse(request, requestId, start, ErrorKind.REQUEST_TOO_LARGE,
                    "An admin request body is at most " + MAX_ADMIN_BODY + " bytes.");
            return;
        }
        if (HttpUtil.is100ContinueExpected(request)) {
            ctx.writeAndFlush(Responses.continueResponse());
        }
        adminBody = new ByteArrayOutputStream();
        local = new LocalReply(RequestRoutes.Kind.ADMIN, request, requestId, start, null);
    }

    private static FullHttpResponse adminResponse(AdminReply reply, String requestId, boolean keepAlive) {
        final FullHttpResponse response = Responses.json(HttpResponseStatus.valueOf(reply.status()),
                Unpooled.wrappedBuffer(reply.body()), requestId, keepAlive);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, reply.contentType());
        if (reply.allow() != null) {
            response.headers().set(HttpHeaderNames.ALLOW, reply.allow());
        }
        return response;
    }

    /**
     * A path below the Anthropic Messages API that this gateway does not serve (batches, say): an Anthropic SDK gets
     * its errors in its own format, the refusal of its key first, as every model API does.
     */
    private FullHttpResponse anthropic(HttpRequest request, String path, String requestId, boolean keepAlive) {
        final ErrorKind kind;
        final String message;
        if (services.snapshots().current().access().authenticate(request.headers()) instanceof Refusal refusal) {
            kind = refusal.kind();
            message = refusal.message();
        } else {
            kind = ErrorKind.NOT_FOUND;
            message = "The Anthropic API has no " + path + " on this gateway; it serves /v1/messages and "
                    + "/v1/messages/count_tokens.";
        }
        return error(AnthropicFront.MESSAGES, kind, message, requestId, keepAlive);
    }

    /**
     * The model list, for a caller that authenticates as the model APIs require: the models its key may use, or all
     * of them.
     */
    private FullHttpResponse models(HttpRequest request, String requestId, boolean keepAlive) {
        final GatewaySnapshot snapshot = services.snapshots().current();
        final Verdict verdict = snapshot.access().authenticate(request.headers());
        if (verdict instanceof Refusal refusal) {
            return Responses.error(ctx.alloc(), refusal.kind(), refusal.message(), requestId, keepAlive);
        }
        final SluiceConfig.ApiKey key = ((Caller) verdict).key();
        return Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(key == null
                || key.allowedModels().isEmpty() ? snapshot.router().modelList()
                : snapshot.router().modelList(key.allowedModels())), requestId, keepAlive);
    }

    /** {@code GET /llm/models}: the uniform API's list, of the models the caller may use. */
    private FullHttpResponse llmModels(HttpRequest request, String requestId, boolean keepAlive) {
        final GatewaySnapshot snapshot = services.snapshots().current();
        final Verdict verdict = snapshot.access().authenticate(request.headers());
        if (verdict instanceof Refusal refusal) {
            return error(UniformFront.CHAT, refusal.kind(), refusal.message(), requestId, keepAlive);
        }
        final SluiceConfig.ApiKey key = ((Caller) verdict).key();
        return Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(snapshot.router().llmModelList(
                key == null || key.allowedModels().isEmpty() ? null : key.allowedModels())), requestId, keepAlive);
    }

    /** One model, for a caller that may use it: the SDKs' {@code models.retrieve}. */
    private FullHttpResponse model(HttpRequest request, String rawId, String requestId, boolean keepAlive) {
        final GatewaySnapshot snapshot = services.snapshots().current();
        final Verdict verdict = snapshot.access().authenticate(request.headers());
        if (verdict instanceof Refusal refusal) {
            return Responses.error(ctx.alloc(), refusal.kind(), refusal.message(), requestId, keepAlive);
        }
        final String id = QueryStringDecoder.decodeComponent(rawId.replace("+", "%2B"));
        final SluiceConfig.ApiKey key = ((Caller) verdict).key();
        final byte[] model = key != null && !key.allowedModels().isEmpty() && !key.allowedModels().contains(id)
                ? null : snapshot.router().model(id);
        return model == null ? Responses.error(ctx.alloc(), ErrorKind.MODEL_NOT_FOUND, Router.notFound(id),
                requestId, keepAlive)
                : Responses.json(HttpResponseStatus.OK, Unpooled.wrappedBuffer(model), requestId, keepAlive);
    }

    private void onContent(HttpContent content) {
        final boolean last = content instanceof LastHttpContent;
        requestEnded |= last;
        deadline.bodyBytes(content.content().readableBytes());
        if (last) {
            receiving = false;
            deadline.disarm();
        }
        if (exchange != null && !exchange.requestComplete()) {
            exchange.onRequestContent(content);
            return;
        }
        localBytesIn += content.content().readableBytes();
        if (adminBody != null) {
            final ByteBuf bytes = content.content();
            if (adminBody.size() + bytes.readableBytes() > MAX_ADMIN_BODY) {
                content.release();
                adminBody = null;
                refuseIncomplete(ErrorKind.REQUEST_TOO_LARGE, "An admin request body is at most " + MAX_ADMIN_BODY
                        + " bytes.");
                return;
            }
            adminBody.writeBytes(ByteBufUtil.getBytes(bytes));
        }
        content.release();
        if (local != null && last) {
            replyLocally();
        }
    }

    private void replyLocally() {
        final LocalReply reply = local;
        local = null;
        if (reply.kind() == RequestRoutes.Kind.WEBSOCKET) {
            upgradeToWebSocket(reply);
            return;
        }
        if (reply.kind() == RequestRoutes.Kind.ADMIN && reply.response() == null) {
            final byte[] body = adminBody.toByteArray();
            adminBody = null;
            answeringOffLoop = true;
            listener.admin().handle(reply.request().method(), Uris.path(reply.request().uri()), body)
                    .whenComplete((answer, failure) -> ctx.executor().execute(() -> {
                        answeringOffLoop = false;
                        send(reply, adminResponse(failure == null ? answer
                                : AdminReply.error(500, "internal_error", "The admin request failed."),
                                reply.requestId(), HttpUtil.isKeepAlive(reply.request())));
                    }));
            return;
        }
        if (reply.kind() == RequestRoutes.Kind.METRICS) {
            answeringOffLoop = true;
            services.metrics().scrape().whenComplete((text, failure) -> ctx.executor().execute(() -> {
                answeringOffLoop = false;
                final HttpResponseStatus status = failure == null ? HttpResponseStatus.OK
                        : HttpResponseStatus.INTERNAL_SERVER_ERROR;
                final ByteBuf body = Unpooled.copiedBuffer(failure == null ? text : "", StandardCharsets.UTF_8);
                final FullHttpResponse response = Responses.json(status, body, reply.requestId(),
                        HttpUtil.isKeepAlive(reply.request()));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, PROMETHEUS_TEXT);
                send(reply, response);
            }));
            return;
        }
        send(reply, reply.response());
    }

    private void send(LocalReply reply, FullHttpResponse response) {
        if (closing) {
            response.release();
            return;
        }
        final boolean keepAlive = HttpUtil.isKeepAlive(reply.request());
        headless(reply.request(), response);
        final int status = response.status().code();
        final long bytes = response.content().readableBytes();
        final ChannelFuture write = ctx.writeAndFlush(response);
        if (status >= 400) {
            services.metrics().refused(endpoint(reply), status);
        }
        AccessLog.local(reply.requestId(), reply.request().method().name(), Uris.path(reply.request().uri()), status,
                System.nanoTime() - reply.startNanos(), localBytesIn, bytes);
        exchangeDone(write, keepAlive);
    }

    private void upgradeToWebSocket(LocalReply reply) {
        final WebSocketUpgrade.Result result = WebSocketUpgrade.upgrade(ctx, reply.request(), reply.requestId(),
                services);
        AccessLog.local(reply.requestId(), reply.request().method().name(), Uris.path(reply.request().uri()),
                result.status(), System.nanoTime() - reply.startNanos(), 0, 0);
        if (!result.upgraded()) {
            services.metrics().refused("/ws", result.status());
            exchangeDone(result.write(), HttpUtil.isKeepAlive(reply.request()));
        }
    }

    /** The endpoint label of a refused local reply: from a bounded set, whatever path the client sent. */
    private static String endpoint(LocalReply reply) {
        return switch (reply.kind()) {
            case NOT_FOUND, ANTHROPIC -> "other";
            case MODEL -> RequestRoutes.MODELS_PREFIX + "{id}";
            case ADMIN -> "/admin";
            // A 405 comes only on a path the gateway serves, but GET /v1/models/{id} stands for any id.
            default -> {
                final String path = Uris.path(reply.request().uri());
                yield path.startsWith(RequestRoutes.MODELS_PREFIX) ? RequestRoutes.MODELS_PREFIX + "{id}" : path;
            }
        };
    }

    /** RFC 9112 §3.2: an HTTP/1.1 request has exactly one Host; an HTTP/1.0 one at most one. */
    private static String hostProblem(HttpRequest request) {
        // Counted, never read: the values stay as they came, with no string made of one.
        final Iterator<? extends CharSequence> hosts =
                request.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            return request.protocolVersion().equals(HttpVersion.HTTP_1_1)
                    ? "The request has no Host header; HTTP/1.1 requires one." : null;
        }
        hosts.next();
        return hosts.hasNext() ? "The request has more than one Host header." : null;
    }

    /**
     * Answers a request refused before it was routed, then closes: its framing can no longer be trusted. The error
     * is in the format of the API its path names (an Anthropic SDK's malformed head gets an Anthropic error).
     */
    private void refuse(HttpRequest request, String requestId, long start, ErrorKind kind, String reason) {
        receiving = false;
        deadline.disarm();
        final Front front = RequestRoutes.match(request.method(), Uris.path(request.uri())).front();
        final ChannelFuture write = ctx.writeAndFlush(headless(request, error(front, kind, reason, requestId, false)));
        services.metrics().refused("-", kind.status().code());
        AccessLog.local(requestId, request.method().name(), "-", kind.status().code(), System.nanoTime() - start,
                localBytesIn, 0);
        exchangeDone(write, false);
    }

    /** {@code response} without its body when it answers a HEAD: its head says what a GET's would (RFC 9110). */
    private static FullHttpResponse headless(HttpRequest request, FullHttpResponse response) {
        if (request.method().equals(HttpMethod.HEAD)) {
            response.content().clear();
        }
        return response;
    }

    /** An error of Sluice's own in the format of {@code front}'s dialect; OpenAI's where the path has none. */
    private FullHttpResponse error(Front front, ErrorKind kind, String message, String requestId, boolean keepAlive) {
        return front == null ? Responses.error(ctx.alloc(), kind, message, requestId, keepAlive)
                : Responses.json(kind.status(), front.error(ctx.alloc(), kind, message, null, requestId), requestId,
                        keepAlive);
    }

    /**
     * A chunked body whose framing broke: the decoder discards the rest of the connection's input, so the request is
     * answered with a 400 that says what was wrong, and the connection closes instead of hanging the next request.
     */
    private void refuseMalformedBody(HttpContent content) {
        final String reason = MalformedRequests.bodyReason(content.decoderResult().cause());
        content.release();
        refuseIncomplete(ErrorKind.BAD_REQUEST, reason);
    }

    /** The request being received will not be completed: answer it (or, with no head yet, the connection) and close. */
    private void refuseIncomplete(ErrorKind kind, String reason) {
        receiving = false;
        deadline.disarm();
        if (exchange != null && !exchange.requestComplete()) {
            exchange.refuseRequest(kind, reason);
            return;
        }
        if (local != null) {
            final LocalReply reply = local;
            local = null;
            if (reply.response() != null) {
                reply.response().release();
            }
            refuse(reply.request(), reply.requestId(), reply.startNanos(), kind, reason);
            return;
        }
        final String requestId = RequestIds.generate();
        requestEnded = false;
        final ChannelFuture write = ctx.writeAndFlush(Responses.error(ctx.alloc(), kind, reason, requestId, false));
        services.metrics().refused("-", kind.status().code());
        AccessLog.local(requestId, "-", "-", kind.status().code(), 0, 0, 0);
        close(write);
    }

    /**
     * Arms the request deadline when a read ends with a request incomplete: its body still arriving, or (HTTP/1.1,
     * between requests) bytes read that made no message yet, which is a head still arriving.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!closing && !deadline.armed()) {
            if (receiving) {
                deadline.arm(true);
            } else if (http1 && !readDispatched && exchange == null && local == null && !answeringOffLoop) {
                deadline.arm(false);
            }
        }
        readDispatched = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void onRequestTimeout(String reason) {
        if (!closing) {
            refuseIncomplete(ErrorKind.REQUEST_TIMEOUT, reason);
        }
    }

    @Override
    public void exchangeDone(ChannelFuture lastWrite, boolean keepAlive) {
        exchange = null;
        if (!keepAlive || draining) {
            close(lastWrite);
            return;
        }
        if (idleTimer != null) {
            // A connection is idle from the end of its last response, not before.
            idleTimer.restart();
        }
        // A pipelined request may upgrade the connection (GET /ws), and take this handler out of the pipeline.
        while (!pipelined.isEmpty() && !busy() && !closing && !ctx.isRemoved()) {
            dispatch(pipelined.poll());
        }
        if (pipelined.isEmpty() && !closing) {
            ctx.channel().config().setAutoRead(true);
        }
    }

    /**
     * Closes once the last write is out. If the client is still sending a request we refused, the connection is
     * half-closed first and input discarded for a moment: closing with unread input would make the kernel send a
     * reset that can destroy the answer before the client reads it.
     */
    private void close(ChannelFuture lastWrite) {
        closing = true;
        releasePipelined();
        if (lastWrite == null) {
            ctx.close();
            return;
        }
        if (requestEnded) {
            lastWrite.addListener(ChannelFutureListener.CLOSE);
        } else {
            LingeringClose.after(ctx, lastWrite);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        deadline.disarm();
        if (idleTimer != null) {
            idleTimer.stop();
        }
        releasePipelined();
        if (local != null && local.response() != null) {
            local.response().release();
        }
        local = null;
        if (exchange != null) {
            exchange.onClientClosed();
        }
        ctx.fireChannelInactive();
    }

    /**
     * An idle HTTP/1.1 connection is closed unless a response is on its way: a keep-alive connection between
     * requests, and a client that stalls in the middle of sending its request, alike.
     */
    @Override
    public void onIdle() {
        if (!busy()) {
            ctx.close();
        }
    }

    /** When the gateway drains, an idle connection closes now and a busy one after its response. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Draining) {
            draining = true;
            if (exchange == null && local == null && !answeringOffLoop) {
                ctx.close();
            } else if (exchange != null) {
                exchange.closeAfterResponse();
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("client connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void releasePipelined() {
        Object msg;
        while ((msg = pipelined.poll()) != null) {
            ReferenceCountUtil.release(msg);
        }
    }

}
