package io.sluice.gateway.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.sluice.codec.usage.Usage;
import io.sluice.gateway.admission.Caller;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.admission.Refusal;
import io.sluice.gateway.admission.Ticket;
import io.sluice.gateway.admission.Verdict;
import io.sluice.gateway.balance.AffinityHash;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.RequestIds;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.proxy.ActiveRequests;
import io.sluice.gateway.proxy.ClientFields;
import io.sluice.gateway.proxy.CompletionTokens;
import io.sluice.gateway.proxy.DeltaReader;
import io.sluice.gateway.proxy.ExchangeStats;
import io.sluice.gateway.proxy.ProxyServices;
import io.sluice.gateway.proxy.StreamContinuation;
import io.sluice.gateway.proxy.UpstreamCall;
import io.sluice.gateway.proxy.UpstreamErrors;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.routing.Router;
import io.sluice.gateway.routing.Route;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.snapshot.GatewaySnapshot;
import io.sluice.gateway.upstream.ResponseHead;
import io.sluice.proto.Ack;
import io.sluice.proto.Error;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.LLMResponse;
import io.sluice.proto.StreamChunk;
import io.sluice.proto.ToolCallDelta;
import io.sluice.proto.WebSocketMessage;
import io.sluice.providers.Answer;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.TranslatedRequest;
import io.sluice.providers.openai.OpenAiChatRequests;

/**
 * One {@link LLMRequest} on a socket: the WebSocket front of the request core. It is acknowledged, sent through an
 * {@link UpstreamCall} as a chat stream in the dialect of each target (from the OpenAI chat form, like every
 * translation), and the stream is read into deltas ({@link DeltaReader}) and sent on as {@link StreamChunk}s (or
 * gathered into one {@link LLMResponse} for {@code stream: false}) as it arrives; nothing waits for the whole
 * stream.
 *
 * <p>Like an HTTP exchange it reads the backend only while the socket can take more, and is metered and logged
 * the same way (path {@code /ws}). Thread: the socket's event loop. Buffers: each response piece is read and
 * released here; only the text of a partial event is kept between pieces.
 */
final class WsRequest implements UpstreamCall.Receiver, ActiveRequests.Request {
    private final WebSocketSession session;
    private final ProxyServices services;
    private final LLMRequest request;
    private final String id;
    private final ExchangeStats stats;
    /** Its place among the requests in flight, from admission to its end. */
    private ActiveRequests.Entry active;
    private UpstreamCall call;
    /** The request in the OpenAI chat form, written in each target's dialect. */
    private TranslatedRequest chat;
    /** The snapshot's {@code routing.default_max_tokens}, read when the request started. */
    private int defaultMaxTokens;
    private Provider provider;
    private int status;
    private boolean eventStream;
    private DeltaReader reader;
    /** What a request for a whole answer gathers. */
    private final Answer answer = new Answer();
    private String finishReason = "";
    private Usage usage;
    /** With {@code usage.estimate}: the answer's tokens, counted as its deltas pass. */
    private CompletionTokens estimate;
    /** What lets the stream go on elsewhere if it breaks; null when the route does not continue streams. */
    private StreamContinuation continuation;
    /** Whether the stream read now is a continuation of one that broke. */
    private boolean resumedLeg;
    /** Whether the stream read now broke: its remaining deltas are not the client's. */
    private boolean legBroken;
    /** The route, for its continuation settings. */
    private Route route;
    private boolean paused;
    private boolean done;

    WsRequest(WebSocketSession session, ProxyServices services, LLMRequest request) {
        this.session = session;
        this.services = services;
        this.request = request;
        this.id = request.getRequestId();
        // Each request on a socket is a trace of its own: a socket may live for hours.
        this.stats = new ExchangeStats(RequestIds.generate(), TraceContext.start(), "WS", WebSocketSession.ENDPOINT,
                TurnClock.nanoTime());
    }

    /**
     * Authenticates the request with the socket's credentials, checks and routes it, passes admission, answers with
     * its Ack, and starts it when accepted; false when it was refused (an admission refusal is an {@code Error} with
     * the uniform code: {@code UNAUTHORIZED}, {@code FORBIDDEN}, {@code RATE_LIMIT}).
     */
    boolean start() {
        final GatewaySnapshot snapshot = services.snapshots().current();
        final Verdict verdict = snapshot.access().authenticate(session.credentials());
        if (verdict instanceof Refusal refusal) {
            return refuse(refusal);
        }
        final Caller caller = (Caller) verdict;
        stats.caller(caller);
        // An empty model is none, as over HTTP: the access line of its refusal says model=-.
        stats.model(request.getModel().isEmpty() ? null : request.getModel());
        final Route route = snapshot.router().route(request.getModel());
        if (route == null && request.getModel().isEmpty()) {
            return refuse(ErrorKind.MISSING_MODEL, "model is required");
        }
        if (route == null) {
            return refuse(ErrorKind.MODEL_NOT_FOUND, Router.notFound(request.getModel()));
        }
        if (!OpenAiChatRequests.hasInput(request)) {
            return refuse(ErrorKind.BAD_REQUEST, "the request has no user_prompt and no messages");
        }
        try {
            chat = OpenAiChatRequests.request(request);
        } catch (IllegalArgumentException e) {
            return refuse(ErrorKind.BAD_REQUEST, e.getMessage());
        }
        stats.routed(route, request.getStream());
        final Verdict admitted = services.admission().admit(snapshot.access(), caller, route.publicModel(),
                session.origin().address(), new LlmRequestDemand(request));
        if (admitted instanceof Refusal refusal) {
            return refuse(refusal);
        }
        stats.admitted((Ticket) admitted);
        defaultMaxTokens = snapshot.router().defaultMaxTokens();
        this.route = route;
        session.send(WebSocketMessage.newBuilder()
                .setAck(Ack.newBuilder().setRequestId(id).setAccepted(true)).build(), true);
        // A message comes with no HTTP fields; the head's Content-Type is the JSON one every request without one gets.
        call = new UpstreamCall(session.eventLoop(), services, route, snapshot.router().holdBodyBytes(),
                ClientFields.NONE, session.origin(), stats.requestId(), stats.trace(), stats.startNanos(), this);
        stats.call(call);
        active = services.active().add(this);
        call.start();
        return true;
    }

    @Override
    public EventLoop eventLoop() {
        return session.eventLoop();
    }

    @Override
    public void endForShutdown() {
        if (!done) {
            call.cancel();
            fail(ErrorKind.SHUTTING_DOWN.uniformCode(), "The gateway is shutting down.",
                    ErrorKind.SHUTTING_DOWN.status().code());
        }
    }

    /** Admission said no: an {@code Error} for the request, which is metered and logged with its status. */
    private boolean refuse(Refusal refusal) {
        stats.status(refusal.kind().status().code());
        stats.bytesOut(session.send(WebSocketMessage.newBuilder().setError(Error.newBuilder().setRequestId(id)
                .setCode(refusal.kind().uniformCode()).setMessage(refusal.message()).setTraceId(stats.requestId()))
                .build(), true));
        stats.report(services, null);
        return false;
    }

    /**
     * The request could not be routed: a refused {@code Ack} with the uniform code of {@code kind}, logged and counted
     * as the HTTP fronts count a request refused before routing.
     */
    private boolean refuse(ErrorKind kind, String message) {
        stats.status(kind.status().code());
        stats.bytesOut(session.sendRefusal(id, kind, message));
        stats.report(services, null);
        return false;
    }

    @Override
    public UpstreamCall.Attempt attempt(Target target) {
        final DialectCodec backend = target.provider().type().dialect().codec();
        return new UpstreamCall.Attempt(backend.chat().path(), Unpooled.wrappedBuffer(backend.fromOpenAi(chat,
                target.backendModel(), target.provider().includeUsage(), defaultMaxTokens)));
    }

    /** A metadata entry of that name keeps a conversation on one endpoint (prefix_affinity). */
    @Override
    public long sessionHash(String name) {
        return AffinityHash.ofValue(request.getMetadataMap().get(name));
    }

    /** The first characters of the system prompt and messages, in the order they are sent. */
    @Override
    public long promptHash(int bytes) {
        final StringBuilder prompt = new StringBuilder(request.getSystemPrompt());
        for (int i = 0; i < request.getMessagesCount() && prompt.length() < bytes; i++) {
            prompt.append('\n').append(request.getMessages(i).getContent());
        }
        prompt.append('\n').append(request.getUserPrompt());
        return AffinityHash.of(prompt.subSequence(0, Math.min(bytes, prompt.length())));
    }

    @Override
    public void onHead(ResponseHead head, Target target, boolean eventStream) {
        provider = target.provider();
        status = head.status();
        stats.status(status);
        this.eventStream = status == 200 && eventStream;
        reader = new DeltaReader(provider.type().dialect().codec(), this.eventStream);
        if (this.eventStream && route.continuesStreams()) {
            continuation = new StreamContinuation(services.estimates(), route.retry().partialAnswerBytes(),
                    defaultMaxTokens);
        }
        if (services.estimates().usage() && status / 100 == 2) {
            final PromptTokens counter = services.estimates().counter(target.backendModel());
            estimate = new CompletionTokens(counter);
            stats.estimate(new LlmRequestDemand(request).promptTokens(counter), estimate);
        }
    }

    @Override
    public boolean answerWhole() {
        return eventStream && reader.failure() == null && reader.ended();
    }

    @Override
    public boolean continuable() {
        return continuation != null && continuation.possible(chat);
    }

    @Override
    public UpstreamCall.Attempt continuation(Target target) {
        return continuation.attempt(target);
    }

    /** The continuation's stream is read like the first one, its deltas through the continuation first. */
    @Override
    public void onContinued(ResponseHead head, Target target) {
        provider = target.provider();
        reader = new DeltaReader(provider.type().dialect().codec(), true);
        resumedLeg = true;
        legBroken = false;
        stats.continued(continuation);
        continuation.started();
    }

    @Override
    public void onErrorResponse(ResponseHead head, Target target, byte[] body, int length) {
        provider = target.provider();
        final int failed = head.status();
        fail(ErrorKind.uniformCode(failed), UpstreamErrors.read(body, length, failed, provider).message(), failed);
    }

    @Override
    public void onContent(ByteBuf piece, boolean last) {
        try {
            if (!done) {
                reader.read(piece, this::apply);
            }
        } finally {
            piece.release();
        }
        if (done || legBroken) {
            return;
        }
        if (reader.failure() != null) {
            call.cancel();
            fail(ErrorKind.UPSTREAM_FAILED.uniformCode(), reader.failure(), ErrorKind.UPSTREAM_FAILED.status().code());
            return;
        }
        if (last) {
            finish();
        }
    }

    private void apply(StreamDelta read) {
        if (done || legBroken) {
            return;
        }
        if (read.error() != null) {
            // The backend's own error inside its stream: it said why, so the answer ends here.
            call.cancel();
            fail(ErrorKind.UPSTREAM_FAILED.uniformCode(), UpstreamErrors.text(read.error(), provider),
                    ErrorKind.UPSTREAM_FAILED.status().code());
            return;
        }
        final StreamDelta delta = continuation == null ? read
                : resumedLeg ? continuation.resumed(read) : continuation.shown(read);
        if (delta.usage() != null) {
            usage = delta.usage();
        }
        if (estimate != null) {
            estimate.add(delta);
        }
        if (request.getStream()) {
            if (delta.hasOutput()) {
                final StreamChunk.Builder chunk = StreamChunk.newBuilder().setRequestId(id)
                        .setContent(delta.content()).setReasoning(delta.reasoning());
                for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
                    chunk.addToolCalls(toolCall(piece));
                }
                stats.bodyOut(session.send(WebSocketMessage.newBuilder().setChunk(chunk).build(), false));
            }
        } else {
            answer.add(delta);
        }
        if (delta.finishReason() != null) {
            finishReason = delta.finishReason();
        }
    }

    private static ToolCallDelta toolCall(StreamDelta.ToolCallPiece piece) {
        return ToolCallDelta.newBuilder().setIndex(piece.index()).setId(piece.id()).setName(piece.name())
                .setArguments(piece.arguments()).build();
    }

    /** The response ended: the final LLMResponse, or the backend's error. */
    private void finish() {
        if (!eventStream) {
            final StreamDelta whole = reader.whole();
            if (status != 200 || whole == null || whole.error() != null) {
                final int failed = status == 200 ? ErrorKind.UPSTREAM_FAILED.status().code() : status;
                fail(ErrorKind.uniformCode(failed), whole == null || whole.error() == null ? DeltaReader.UNREADABLE
                        : UpstreamErrors.text(whole.error(), provider), failed);
                return;
            }
            apply(whole);
        } else {
            if (!reader.ended()) {
                legBroken = true;
                call.streamBroke(UpstreamCall.CUT_SHORT);
                return;
            }
        }
        if (usage == null && resumedLeg) {
            // A continuation whose backend reported no usage: the estimate of the whole answer.
            usage = continuation.estimated();
        }
        final LLMResponse.Builder response = LLMResponse.newBuilder().setRequestId(id).setTraceId(stats.requestId())
                .setFinishReason(finishReason)
                .setContent(answer.content()).setReasoning(answer.reasoning());
        for (Answer.ToolCall call : answer.toolCalls()) {
            response.addToolCalls(ToolCallDelta.newBuilder().setIndex(call.index()).setId(call.id())
                    .setName(call.name()).setArguments(call.arguments()));
        }
        end(response, 200);
    }

    @Override
    public void onReadComplete() {
        session.flush();
        if (session.writable()) {
            call.read();
        } else {
            paused = true;
        }
    }

    /** The socket can take more again. */
    void resume() {
        if (paused && !done && session.writable()) {
            paused = false;
            call.read();
        }
    }

    @Override
    public void onFailure(ErrorKind kind, String message) {
        if (answerWhole()) {
            // The answer was whole before the failure (a reset after the finish reason): it ends as it is.
            finish();
            return;
        }
        fail(kind.uniformCode(), message, kind.status().code());
    }

    /** The client sent Cancel: stop the backend and end with what was generated so far. */
    void cancel() {
        if (done) {
            return;
        }
        call.cancel();
        end(LLMResponse.newBuilder().setRequestId(id).setTraceId(stats.requestId()).setFinishReason("cancelled")
                .setContent(request.getStream() ? "" : answer.content()), ExchangeStats.STATUS_CLIENT_CLOSED);
    }

    /** The socket closed: stop the backend, record what was used, send nothing. */
    void socketClosed() {
        if (!done && call != null) {
            call.cancel();
            done = true;
            services.active().remove(active);
            stats.status(ExchangeStats.STATUS_CLIENT_CLOSED);
            stats.report(services, usage);
        }
    }

    private void end(LLMResponse.Builder response, int status) {
        if (usage != null) {
            response.setPromptTokens((int) usage.promptTokens()).setCompletionTokens((int) usage.completionTokens())
                    .setTotalTokens((int) usage.totalTokens()).setCachedTokens((int) usage.cachedTokens())
                    .setReasoningTokens((int) usage.reasoningTokens());
        }
        stats.status(status);
        stats.bodyOut(session.send(WebSocketMessage.newBuilder().setResponse(response).build(), true));
        close();
    }

    private void fail(String code, String message, int status) {
        stats.status(status);
        stats.bytesOut(session.send(WebSocketMessage.newBuilder().setError(Error.newBuilder().setRequestId(id)
                .setCode(code).setMessage(message).setTraceId(stats.requestId())).build(), true));
        close();
    }

    private void close() {
        done = true;
        services.active().remove(active);
        stats.report(services, usage);
        session.requestDone(id);
    }
}
