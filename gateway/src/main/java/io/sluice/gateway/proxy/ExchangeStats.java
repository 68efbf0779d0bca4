package io.sluice.gateway.proxy;

import io.sluice.codec.usage.Usage;
import io.sluice.gateway.admission.Caller;
import io.sluice.gateway.admission.Ticket;
import io.sluice.gateway.http.AccessLog;
import io.sluice.gateway.http.TraceContext;
import io.sluice.gateway.net.TurnClock;
import io.sluice.gateway.routing.Route;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.usage.UsageRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * How one request went and what it cost, gathered as it runs, and reported once at its end: a usage record for a
 * routed request, the settlement of its admission ticket, and an access line for every one. Used on one event
 * loop.
 */
public final class ExchangeStats {
    /** The status recorded for a request whose client left (or cancelled) before its answer ended, as nginx does. */
    public static final int STATUS_CLIENT_CLOSED = 499;

    private final String requestId;
    private final TraceContext trace;
    private final String method;
    private final String path;
    private final long startNanos;
    /**
     * When the request came, in wall-clock milliseconds as the record's other times are, read once per loop turn
     * ({@link TurnClock}). {@code Instant.now()} reads the same clock through a JNI call
     * ({@code VM.getNanoTimeAdjustment}) that held 0.9 % of the CPU samples of an HTTP/1.1 JSON answer
     * (bench/RESULTS.md).
     */
    private final long startMillis = TurnClock.currentTimeMillis();
    private String model;
    private Route route;
    private UpstreamCall call;
    private Caller caller;
    private Ticket ticket;
    private boolean stream;
    private int status;
    private long firstBodyNanos = -1;
    private long bytesIn;
    private long bytesOut;
    /** With {@code usage.estimate}, once the backend answered: what the usage is estimated from. */
    private long promptEstimate;
    private CompletionTokens completionEstimate;
    private boolean reported;
    /** What continued the stream after it broke; null when it never did. */
    private StreamContinuation continuation;

    public ExchangeStats(String requestId, TraceContext trace, String method, String path, long startNanos) {
        this.requestId = requestId;
        this.trace = trace;
        this.method = method;
        this.path = path;
        this.startNanos = startNanos;
    }

    public String requestId() {
        return requestId;
    }

    public TraceContext trace() {
        return trace;
    }

    public long startNanos() {
        return startNanos;
    }

    /** The model the client asked for, routed or not. */
    public void model(String model) {
        this.model = model;
    }

    /** The request was routed to {@code route}. */
    public void routed(Route route, boolean stream) {
        this.route = route;
        this.stream = stream;
    }

    /** Authentication found who sent it: its key is named in the usage record, admitted or not. */
    public void caller(Caller caller) {
        this.caller = caller;
    }

    /** Admission let the request in: its ticket is settled when the request is reported. */
    public void admitted(Ticket ticket) {
        this.ticket = ticket;
    }

    public void call(UpstreamCall call) {
        this.call = call;
    }

    public void status(int status) {
        this.status = status;
    }

    public void bytesIn(long bytes) {
        bytesIn += bytes;
    }

    /** Response body relayed to the client; the first of it marks the time to first token. */
    public void bodyOut(long bytes) {
        if (firstBodyNanos < 0) {
            firstBodyNanos = TurnClock.nanoTime();
        }
        bytesOut += bytes;
    }

    /** Bytes Sluice answered with itself, such as an error body. */
    public void bytesOut(long bytes) {
        bytesOut += bytes;
    }

    /**
     * With {@code usage.estimate}, once a backend began a 2xx answer: the prompt's tokens, counted, and the counter
     * of the answer's; the usage record uses them when the backend reports no usage (also for an answer the client
     * left or the backend broke off: what was streamed is what is counted).
     */
    public void estimate(long promptTokens, CompletionTokens completion) {
        this.promptEstimate = promptTokens;
        this.completionEstimate = completion;
    }

    /**
     * The stream broke and went on on another backend: the usage the client is told counts the first part with
     * jtokkit, so the record says {@code estimated}, and its attempts carry the tokens of each leg.
     */
    public void continued(StreamContinuation continuation) {
        this.continuation = continuation;
    }

    /**
     * Every attempt made; after a continuation, the legs among them (each attempt that broke, and the last) with
     * the tokens of the part of the answer each streamed.
     */
    private List<UsageRecord.Attempt> attempts() {
        final List<UsageRecord.Attempt> attempts = call == null ? List.of() : call.attempts(status);
        final List<UsageRecord.Leg> legs = continuation == null ? List.of() : continuation.legs();
        if (legs.isEmpty()) {
            return attempts;
        }
        final List<UsageRecord.Attempt> withLegs = new ArrayList<>(attempts.size());
        int leg = 0;
        for (int i = 0; i < attempts.size(); i++) {
            final UsageRecord.Attempt attempt = attempts.get(i);
            // The legs are the attempts that broke, then the last one when its continuation started streaming.
            final boolean streamed = attempt.outcome().equals(UpstreamCall.BROKEN)
                    || i == attempts.size() - 1 && leg == legs.size() - 1;
            withLegs.add(streamed && leg < legs.size() ? attempt.withLeg(legs.get(leg++)) : attempt);
        }
        return withLegs;
    }

    /** Reports the request, once: a routed one to the usage reporter, a refused one to the metrics. */
    public void report(ProxyServices services, Usage backendUsage) {
        if (reported) {
            return;
        }
        reported = true;
        String usageSource = backendUsage == null ? "none" : continuation != null ? "estimated" : "upstream";
        Usage usage = backendUsage;
        if (usage == null && completionEstimate != null) {
            final long completion = completionEstimate.tokens();
            usage = new Usage(promptEstimate, completion, promptEstimate + completion, 0,
                    completionEstimate.reasoningTokens());
            usageSource = "estimated";
        }
        if (ticket != null) {
            ticket.settle(usage, firstBodyNanos >= 0);
        }
        // The clock itself, not the turn's: the end is read once per request, and a stream whose body came in one
        // turn still ends after its first byte, so its generation time (and tokens per second) is measured.
        final long now = System.nanoTime();
        // Where the request went last: its first choice, unless an attempt was made elsewhere.
        final Target target = call == null || call.target() == null ? route == null ? null : route.primary()
                : call.target();
        if (route == null && status >= 400 && status != STATUS_CLIENT_CLOSED) {
            // The path is one the gateway serves: the refusal reached a front.
            services.metrics().refused(path, status);
        }
        final String traceId = route != null || AccessLog.enabled() ? trace.traceId() : null;
        if (route != null) {
            services.usage().report(new UsageRecord(requestId, traceId,
                    caller == null ? null : caller.keyId(), caller == null ? null : caller.userId(),
                    route.publicModel(), target.backendModel(),
                    target.provider().id(), call == null || call.endpoint() == null ? null : call.endpoint().url(), path,
                    stream, status, usage == null ? 0 : usage.promptTokens(),
                    usage == null ? 0 : usage.completionTokens(), usage == null ? 0 : usage.totalTokens(),
                    usage == null ? 0 : usage.cachedTokens(), usage == null ? 0 : usage.reasoningTokens(),
                    usageSource, firstBodyNanos < 0 ? -1 : millis(firstBodyNanos - startNanos),
                    millis(now - startNanos), Instant.ofEpochMilli(startMillis), attempts()));
        }
        if (AccessLog.enabled()) {
            AccessLog.log(new AccessLog.Line(requestId, traceId, method, path, model,
                    target == null ? null : target.provider().id(), status,
                    call == null ? -1 : call.providerLatencyNanos(),
                    firstBodyNanos < 0 ? -1 : firstBodyNanos - startNanos, now - startNanos, bytesIn, bytesOut, usage,
                    usageSource, tokensPerSecond(usage, now)));
        }
    }

    /** Completion tokens after the first, per second of a stream after its first byte; -1 when not a stream. */
    private double tokensPerSecond(Usage usage, long now) {
        if (!stream || usage == null || firstBodyNanos < 0 || usage.completionTokens() < 2 || now <= firstBodyNanos) {
            return -1;
        }
        return (usage.completionTokens() - 1) * 1e9 / (now - firstBodyNanos);
    }

    private static double millis(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
