package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.usage.Usage;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.usage.TokenEstimates;
import io.sluice.providers.Continuation;
import io.sluice.providers.ContinuationRequest;
import io.sluice.providers.Dialect;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamWatcher;
import io.sluice.providers.TranslatedRequest;

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
    /** The prompt tokens of the answer as the client asked for it, and the completion tokens of the legs before. */
    private long promptTokens = -1;
    private long earlierCompletionTokens;
    /** What the request of the current continuation held of the partial answer, in tokens. */
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

    /** Watches a stream relayed byte for byte with {@code watcher}, keeping the events it lets through. */
    StreamWatcher watch(StreamWatcher watcher, DialectCodec backend) {
        partial.relayedFrom(backend);
        return new StreamWatcher() {
            @Override
            public boolean onEvent(ByteBuf buf, int from, int to) {
                final boolean dropped = watcher.onEvent(buf, from, to);
                if (!dropped) {
                    partial.keep(buf, from, to);
                }
                return dropped;
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
        if (delta.usage() != null && delta.usage().promptTokens() > 0 && promptTokens < 0) {
            // Anthropic reports the prompt as the stream starts: the client's prompt, exactly.
            promptTokens = delta.usage().promptTokens();
        }
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
        return partial.continuable() && !(body.get("n") instanceof Number n && n.intValue() > 1)
                && !Boolean.TRUE.equals(body.get("logprobs")) && body.get("top_logprobs") == null;
    }

    /**
     * The request that continues the stream on {@code target}, or null when its provider cannot (a final assistant
     * message would be answered, not continued; or Anthropic prefill, which extended thinking refuses, after
     * reasoning). Call after {@link #possible} said yes.
     */
    public UpstreamCall.Attempt attempt(Target target) {
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
        final PromptTokens counter = tokens.counter(target.backendModel());
        earlierCompletionTokens = counter.count(content) + counter.count(reasoning);
        prefillTokens = counter.count(prefill) + counter.count(reasoning);
        final TranslatedRequest next = prefill.isEmpty() && reasoning.isEmpty() ? request
                : ContinuationRequest.of(request, how, prefill, reasoning, earlierCompletionTokens);
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
        final Usage usage = delta.usage() == null ? null : wholeAnswer(delta.usage());
        final StreamDelta shown = new StreamDelta(content, delta.reasoning(), delta.toolCalls(),
                delta.finishReason(), usage, delta.error());
        partial.add(shown);
        return shown;
    }

    /**
     * The usage of the whole answer from a continuation's: the client's prompt (as the first stream reported it,
     * else the continuation's less the partial answer it was given) and the completion tokens of every leg (the
     * earlier ones counted with jtokkit).
     */
    private Usage wholeAnswer(Usage continuation) {
        final long prompt = promptTokens >= 0 ? promptTokens
                : Math.max(0, continuation.promptTokens() - prefillTokens);
        final long completion = earlierCompletionTokens + continuation.completionTokens();
        return new Usage(prompt, completion, prompt + completion, continuation.cachedTokens(),
                continuation.reasoningTokens());
    }

    /** Whether the client asked its stream to report usage, where its dialect makes that optional. */
    boolean includeUsage() {
        return request.includeUsage();
    }

    /** Whether the client was shown any event of the answer. */
    boolean shownAny() {
        return partial.shown();
    }

    /** The partial answer's text and reasoning so far, for a client encoder that must pick up where it stopped. */
    StreamDelta soFar() {
        return new StreamDelta(partial.content(), partial.reasoning(), List.of(), null, null, null);
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
