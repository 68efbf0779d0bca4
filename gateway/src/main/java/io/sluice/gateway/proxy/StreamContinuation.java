package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.json.JsonTree;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.Usage;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.usage.TokenEstimates;
import io.sluice.gateway.usage.UsageRecord;
import io.sluice.providers.Continuation;
import io.sluice.providers.ContinuationRequest;
import io.sluice.providers.Dialect;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamWatcher;
import io.sluice.providers.TranslatedRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Continues a stream that broke after its first byte on another endpoint or target, so that the client reads one
 * answer (DESIGN.md §2b, {@code Attempt}: mid-stream continuation). It keeps what the client was shown
 * ({@link PartialAnswer}), writes the request that asks a target to go on from there ({@link ContinuationRequest}, in
 * the way the target's provider continues: {@link Continuation}), and reads the continuing stream's deltas before
 * the client's encoder does: the whitespace the partial answer ended with, which chat templates strip from the
 * request, is not shown twice, and the usage the continuation reports becomes the usage of the whole answer. Every
 * front uses it the same way; the exchange's {@link UpstreamCall} decides when and where.
 *
 * <p>Thread: the exchange's event loop. Buffers: none kept; each attempt's body is new.
 */
public final class StreamContinuation {
    private final PartialAnswer partial;
    private final TokenEstimates tokens;
    private final int defaultMaxTokens;
    /** The client's request in the OpenAI form; set when a break is first looked at. */
    private TranslatedRequest request;
    /** The partial answer's trailing whitespace, not sent to the target: the continuation may write it again. */
    private String withheld = "";
    /** The tokens of each leg (each stream read) that broke, in order: the shared empty list until one did. */
    private List<UsageRecord.Leg> legs = List.of();
    /** Whether a leg broke and is to be added to {@link #legs} before the first attempt to continue it. */
    private boolean legBroke;
    /** Whether the current leg is streaming to the client (the first is; a continuation once it started). */
    private boolean streaming = true;
    /** The prompt's tokens as the first leg reported them (-1: it did not), once a leg broke. */
    private long clientPrompt = -2;
    /** The prompt's tokens counted with jtokkit, when a leg that reported none needs them; -1 until then. */
    private long promptEstimate = -1;
    /** The backend model of the current leg, whose encoding counts its tokens; "" for the first leg. */
    private String model = "";
    /** What the request of the current leg held of the partial answer, in tokens (0 for the first). */
    private long prefillTokens;

    /**
     * @param maxChars         the most text and reasoning kept to continue from
     * @param defaultMaxTokens the snapshot's {@code routing.default_max_tokens}
     */
    public StreamContinuation(TokenEstimates tokens, int maxChars, int defaultMaxTokens) {
        this.partial = new PartialAnswer(maxChars);
        this.tokens = tokens;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    /**
     * Watches a stream relayed byte for byte with {@code watcher}, keeping the events it lets through in buffers of
     * {@code alloc} until {@link #release()}.
     */
    StreamWatcher watch(StreamWatcher watcher, DialectCodec backend, ByteBufAllocator alloc) {
        partial.relayedFrom(backend, alloc);
        return new StreamWatcher() {
            @Override
            public boolean onEvent(ByteBuf buf, int from, int to, BytePlaces letters) {
                final boolean dropped = watcher.onEvent(buf, from, to, letters);
                if (!dropped) {
                    partial.keep(buf, from, to);
                }
                return dropped;
            }

            @Override
            public SseEventFramer framer() {
                return watcher.framer();
            }

            @Override
            public boolean complete() {
                return watcher.complete();
            }

            @Override
            public Usage usage() {
                return watcher.usage();
            }
        };
    }

    /** A delta of the first stream the client is shown (a translated stream, the WebSocket front): kept. */
    public StreamDelta shown(StreamDelta delta) {
        partial.add(delta);
        return delta;
    }

    /**
     * Whether the stream may be continued, given the request in the OpenAI form: not when a tool call began (its
     * arguments cannot be spliced), it already finished, it outgrew the bound, or it asks for several choices or
     * for logprobs (a continuation could not give the same).
     */
    public boolean possible(TranslatedRequest request) {
        this.request = request;
        final Map<String, Object> body = request.openAi();
        legBroke = partial.continuable() && !(body.get("n") instanceof Number n && n.intValue() > 1)
                && !Boolean.TRUE.equals(body.get("logprobs")) && body.get("top_logprobs") == null;
        if (legBroke && clientPrompt == -2) {
            clientPrompt = partial.promptTokens();
        }
        return legBroke;
    }

    /**
     * The request that continues the stream on {@code target}, or null when its provider cannot (a final assistant
     * message would be answered, not continued; or Anthropic prefill, which extended thinking refuses, after
     * reasoning). Call after {@link #possible} said yes.
     */
    public UpstreamCall.Attempt attempt(Target target) {
        if (legBroke) {
            legBroke = false;
            if (legs.isEmpty()) {
                legs = new ArrayList<>(2);
            }
            legs.add(leg());
            partial.newLeg();
            streaming = false;
        }
        final Continuation how = target.provider().continuation();
        final String reasoning = partial.reasoning();
        final boolean anthropic = target.provider().type().dialect() == Dialect.ANTHROPIC;
        if (how == Continuation.NONE || anthropic && !reasoning.isEmpty()) {
            return null;
        }
        final String content = partial.content();
        final int kept = trailingWhitespaceStart(content);
        final String prefill = content.substring(0, kept);
        withheld = content.substring(kept);
        model = target.backendModel();
        prefillTokens = tokens.count(model, prefill) + tokens.count(model, reasoning);
        final TranslatedRequest next = prefill.isEmpty() && reasoning.isEmpty() ? request
                : ContinuationRequest.of(request, how, prefill, reasoning, earlierCompletionTokens());
        final DialectCodec dialect = target.provider().type().dialect().codec();
        return new UpstreamCall.Attempt(dialect.chat().path(), Unpooled.wrappedBuffer(dialect.fromOpenAi(next,
                target.backendModel(), target.provider().includeUsage(), defaultMaxTokens)));
    }

    /**
     * A delta of a continuing stream, as the client is to be shown it: its start without what the client already
     * saw of the partial answer's trailing whitespace, its usage that of the whole answer. Kept, like the first
     * stream's, in case this one breaks too.
     */
    public StreamDelta resumed(StreamDelta delta) {
        String content = delta.content();
        if (!withheld.isEmpty() && !content.isEmpty()) {
            int same = 0;
            while (same < withheld.length() && same < content.length()
                    && content.charAt(same) == withheld.charAt(same)) {
                same++;
            }
            withheld = same < content.length() ? "" : withheld.substring(same);
            content = content.substring(same);
        }
        // Kept with the usage as the backend reported it (the leg's own), shown with the whole answer's.
        final StreamDelta kept = content.equals(delta.content()) ? delta : new StreamDelta(content,
                delta.reasoning(), delta.toolCalls(), delta.finishReason(), delta.usage(), delta.error());
        partial.add(kept);
        return delta.usage() == null ? kept : new StreamDelta(content, delta.reasoning(), delta.toolCalls(),
                delta.finishReason(), wholeAnswer(delta.usage()), delta.error());
    }

    /**
     * The tokens of the current leg: as it reported them, else counted (its prompt: the client's, plus the partial
     * answer it was given; its completion: the text it added).
     */
    private UsageRecord.Leg leg() {
        final Usage reported = partial.legUsage();
        final boolean promptReported = reported != null && reported.promptTokens() > 0;
        final boolean completionReported = reported != null && reported.completionTokens() > 0
                && partial.legUsageCurrent();
        final long prompt = promptReported ? reported.promptTokens() : promptEstimate() + prefillTokens;
        final long completion = completionReported ? reported.completionTokens()
                : tokens.count(model, partial.legText());
        return new UsageRecord.Leg(prompt, completion, promptReported && completionReported ? "upstream"
                : "estimated");
    }

    private long promptEstimate() {
        if (promptEstimate < 0) {
            promptEstimate = clientPrompt >= 0 ? clientPrompt
                    : tokens.count(model, JsonTree.text(request.openAi().get("messages")));
        }
        return promptEstimate;
    }

    private long earlierCompletionTokens() {
        long sum = 0;
        for (UsageRecord.Leg leg : legs) {
            sum += leg.completionTokens();
        }
        return sum;
    }

    /**
     * The tokens of every leg, the one read now last, once the stream was continued: for the usage record, which
     * lists the legs beside the attempts that made them. Empty when it never broke.
     */
    public List<UsageRecord.Leg> legs() {
        if (legs.isEmpty() || !streaming) {
            return legs;
        }
        final List<UsageRecord.Leg> all = new ArrayList<>(legs);
        all.add(leg());
        return all;
    }

    /**
     * The whole answer's usage, counted: for a continued stream whose last backend reported none. The prompt as the
     * first backend reported it or counted, the completion of every leg.
     */
    public Usage estimated() {
        final long prompt = clientPrompt >= 0 ? clientPrompt : promptEstimate();
        final long completion = earlierCompletionTokens() + tokens.count(model, partial.legText());
        return new Usage(prompt, completion, prompt + completion, 0, 0);
    }

    /** The exchange ended: what was kept of a stream relayed byte for byte goes back to the pool. */
    void release() {
        partial.release();
    }

    /** A continuation's stream started: from now on its deltas are the current leg's. */
    public void started() {
        streaming = true;
    }

    /**
     * The usage of the whole answer from a continuation's: the client's prompt (as the first stream reported it,
     * else the continuation's less the partial answer it was given) and the completion tokens of every leg (the
     * earlier ones counted with jtokkit).
     */
    private Usage wholeAnswer(Usage continuation) {
        // Anthropic reports the prompt as its stream starts: then the first stream said exactly what it was.
        final long prompt = clientPrompt >= 0 ? clientPrompt
                : Math.max(0, continuation.promptTokens() - prefillTokens);
        final long completion = earlierCompletionTokens() + continuation.completionTokens();
        return new Usage(prompt, completion, prompt + completion, continuation.cachedTokens(),
                continuation.reasoningTokens());
    }

    /** Whether the client asked its stream to report usage, where its dialect makes that optional. */
    boolean includeUsage() {
        return request.includeUsage();
    }

    /** How far the client read a stream relayed to it byte for byte, for the encoder that goes on with it. */
    StreamPosition position() {
        return partial.position();
    }

    /** What the relayed stream called its answer, or null. */
    Served served() {
        return partial.served();
    }

    private static int trailingWhitespaceStart(String text) {
        int end = text.length();
        while (end > 0 && Character.isWhitespace(text.charAt(end - 1))) {
            end--;
        }
        return end;
    }
}
