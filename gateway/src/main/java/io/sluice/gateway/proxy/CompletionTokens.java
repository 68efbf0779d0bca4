package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.sluice.gateway.admission.PromptTokens;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.StreamDelta;

/**
 * With {@code usage.estimate}: counts the tokens of the answer the client is shown, for a usage record whose
 * backend reported none. It takes the answer as deltas (text, reasoning, tool call arguments), from a relay that has
 * them or read from the backend's bytes beside a relay that passes them on untouched, and counts each
 * {@value #CHUNK_CHARS} characters as they gather, so the text waiting for a count stays under that and the event
 * loop pays a small count now and then rather than a long one at the end (a word cut at a chunk's edge may count
 * as two tokens: a slight overestimate, marked as an estimate). An answer that is not an event stream is read whole
 * at its end (bounded by {@link DeltaReader}).
 *
 * <p>Thread: the exchange's event loop. Buffers: the pieces it reads stay the caller's.
 */
public final class CompletionTokens {
    private static final int CHUNK_CHARS = 2048;

    private final PromptTokens counter;
    /** Reads bytes the relay passes on untouched; null when the caller hands deltas itself. */
    private final DeltaReader reader;
    private final boolean eventStream;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder pendingReasoning = new StringBuilder();
    private long tokens;
    private long reasoningTokens;

    /** Counts the deltas the caller hands to {@link #add}. */
    public CompletionTokens(PromptTokens counter) {
        this.counter = counter;
        this.reader = null;
        this.eventStream = true;
    }

    /** Reads the backend's bytes, handed to {@link #read}, with its dialect's decoder. */
    CompletionTokens(PromptTokens counter, DialectCodec backend, boolean eventStream) {
        this.counter = counter;
        this.reader = new DeltaReader(backend, eventStream);
        this.eventStream = eventStream;
    }

    /** One piece of the backend's answer, as the relay gets it. */
    void read(ByteBuf piece) {
        reader.read(piece, this::add);
    }

    /** The answer ended: a body that is not an event stream is read whole now. */
    void end() {
        if (reader != null && !eventStream) {
            final StreamDelta whole = reader.whole();
            if (whole != null) {
                add(whole);
            }
        }
    }

    public void add(StreamDelta delta) {
        pending.append(delta.content());
        pendingReasoning.append(delta.reasoning());
        for (StreamDelta.ToolCallPiece piece : delta.toolCalls()) {
            if (piece.name() != null) {
                pending.append(piece.name());
            }
            if (piece.arguments() != null) {
                pending.append(piece.arguments());
            }
        }
        if (pending.length() >= CHUNK_CHARS) {
            tokens += counter.count(pending);
            pending.setLength(0);
        }
        if (pendingReasoning.length() >= CHUNK_CHARS) {
            reasoningTokens += counter.count(pendingReasoning);
            pendingReasoning.setLength(0);
        }
    }

    /** The completion's tokens, reasoning included. */
    public long tokens() {
        flush();
        return tokens + reasoningTokens;
    }

    public long reasoningTokens() {
        flush();
        return reasoningTokens;
    }

    private void flush() {
        if (!pending.isEmpty()) {
            tokens += counter.count(pending);
            pending.setLength(0);
        }
        if (!pendingReasoning.isEmpty()) {
            reasoningTokens += counter.count(pendingReasoning);
            pendingReasoning.setLength(0);
        }
    }
}
