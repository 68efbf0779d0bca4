package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamDelta;

/**
 * What a client was shown of a streamed answer, kept so that the stream can go on elsewhere if it breaks: the text
 * and the reasoning (up to a bound), whether a tool call or the finish reason came, and what the stream called its
 * answer. A relay that has deltas (a translated stream, the WebSocket front) hands them over; a stream relayed byte
 * for byte hands its events' bytes, which are copied and read in batches (at a break, or when the next event would
 * take the copy past {@value #READ_EVERY_BYTES} bytes), so that a short stream that never breaks is never read.
 *
 * <p>The copies go to a pooled buffer taken at the first event, not to a heap array: they were most of what a
 * relayed stream allocated (15 of 26 KB per 7 KB stream, the array's doublings), and a stream that shows no event
 * holds none. The buffer holds 1 KiB, enough for a short answer or an idle stream's first events; a stream that
 * outgrows it grows once, to what is read at a time, rather than by doublings that each take a new buffer from the
 * pool and copy the old one (three per 7 KB stream, 2 % of its CPU). A stream whose first event comes in a read
 * that holds more than the first buffer (a backend that writes many events at once) takes a read's worth at once:
 * it would pass the first buffer within that read, and growing it then cost 1 % of such a stream's CPU.
 *
 * <p>Thread: the exchange's event loop. Buffers: the caller's, copied; the copy is this object's until
 * {@link #release()}.
 */
final class PartialAnswer {
    private static final int READ_EVERY_BYTES = 8 * 1024;
    /** The first buffer's size: a few events. */
    private static final int FIRST_BUFFER_BYTES = 1024;

    private final int maxChars;
    /**
     * The text and the reasoning shown; null until the first delta, as a stream relayed byte for byte is read only
     * if it breaks: most never do, and keep four objects fewer while they run.
     */
    private StringBuilder content;
    private StringBuilder reasoning;
    /** The dialect of a stream relayed byte for byte; null for a relay that hands deltas. */
    private DialectCodec relayedDialect;
    /**
     * Reads the kept events of a stream relayed byte for byte; made at the first batch, since most streams never
     * break and are never read (the reader, its framer, buffers and decoder were some 300 of the 6,000 bytes an open
     * stream keeps live). Until then, and for a relay that hands deltas, the stream's position and names are those
     * of a stream not read.
     */
    private DeltaReader relayed;
    private ByteBufAllocator alloc;
    /** The kept events not read yet; null until the first, and after {@link #release()}. */
    private ByteBuf events;
    private boolean released;
    /** The prompt tokens a stream reported, as Anthropic's does at its start; -1 until one did. */
    private long promptTokens = -1;
    /** Where the text of the current leg (the stream now read) starts, and the last usage it reported. */
    private int legContent;
    private int legReasoning;
    private Usage legUsage;
    /**
     * Whether {@link #legUsage}'s completion counts the leg's text so far: not once text came after it (Anthropic's
     * {@code message_start} reports one output token before any); yes for vLLM's usage on every chunk.
     */
    private boolean usageCurrent;
    private boolean toolCall;
    private boolean finished;
    private boolean tooLong;
    /** Whether a relayed stream carried the backend's own error event, which the client saw: it is not continued. */
    private boolean backendError;

    /** @param maxChars the most text and reasoning kept; past it the answer can no longer be continued */
    PartialAnswer(int maxChars) {
        this.maxChars = maxChars;
    }

    /**
     * The stream is relayed byte for byte from a backend of {@code backend}'s dialect: its events are kept, in
     * buffers of {@code alloc}.
     */
    void relayedFrom(DialectCodec backend, ByteBufAllocator alloc) {
        relayedDialect = backend;
        this.alloc = alloc;
    }

    /**
     * A complete event, in {@code [from, to)} of {@code buf}, that the client is shown; {@code buf} ends where the
     * read that brought the event ends.
     */
    void keep(ByteBuf buf, int from, int to) {
        if (tooLong || released) {
            return;
        }
        final int length = to - from;
        if (events == null) {
            final int restOfRead = buf.writerIndex() - from;
            events = alloc.buffer(restOfRead > FIRST_BUFFER_BYTES
                    ? Math.max(READ_EVERY_BYTES, length) : Math.max(FIRST_BUFFER_BYTES, length));
        } else if (events.writableBytes() < length) {
            // Read a batch when this event would take it past a read's worth, so the buffer never outgrows one.
            if (events.readableBytes() + length > READ_EVERY_BYTES) {
                read();
            }
            if (events.writableBytes() < length) {
                events.capacity(Math.max(READ_EVERY_BYTES, events.writerIndex() + length));
            }
        }
        events.writeBytes(buf, from, length);
    }

    /** Reads the kept events into text; what {@link #content()} and the rest say is complete after it. */
    void read() {
        if (events == null || !events.isReadable()) {
            return;
        }
        if (relayed == null) {
            relayed = new DeltaReader(relayedDialect, true);
        }
        relayed.read(events, this::add);
        events.clear();
    }

    /** The exchange ended: the kept events' buffer goes back to the pool, and no event is kept after. */
    void release() {
        released = true;
        if (events != null) {
            events.release();
            events = null;
        }
    }

    /** One delta the client is shown. */
    void add(StreamDelta delta) {
        if (delta.error() != null) {
            backendError = true;
        }
        if (!delta.toolCalls().isEmpty()) {
            toolCall = true;
        }
        if (delta.finishReason() != null) {
            finished = true;
        }
        if (delta.hasOutput() && delta.usage() == null) {
            usageCurrent = false;
        }
        if (delta.usage() != null) {
            legUsage = delta.usage();
            usageCurrent = true;
            if (delta.usage().promptTokens() > 0 && promptTokens < 0) {
                promptTokens = delta.usage().promptTokens();
            }
        }
        if (content == null) {
            content = new StringBuilder();
            reasoning = new StringBuilder();
        }
        if (content.length() + reasoning.length() + delta.content().length() + delta.reasoning().length()
                > maxChars) {
            tooLong = true;
            return;
        }
        content.append(delta.content());
        reasoning.append(delta.reasoning());
    }

    /**
     * Whether the answer can be continued: no tool call began, it did not finish, the backend sent no error of its
     * own, and it fits the bound.
     */
    boolean continuable() {
        read();
        return !toolCall && !finished && !backendError && !tooLong;
    }

    String content() {
        return content == null ? "" : content.toString();
    }

    String reasoning() {
        return reasoning == null ? "" : reasoning.toString();
    }

    /** The stream now read broke and another takes over: what follows is the next leg's. */
    void newLeg() {
        read();
        legContent = content == null ? 0 : content.length();
        legReasoning = reasoning == null ? 0 : reasoning.length();
        legUsage = null;
        usageCurrent = false;
    }

    /** The text and reasoning the current leg added. */
    String legText() {
        read();
        return content == null ? "" : content.substring(legContent) + reasoning.substring(legReasoning);
    }

    /** The last usage the current leg reported, or null. */
    Usage legUsage() {
        read();
        return legUsage;
    }

    /** Whether the completion of {@link #legUsage} counts all the text the leg added. */
    boolean legUsageCurrent() {
        read();
        return usageCurrent;
    }

    /** The prompt tokens the stream reported, or -1 when it reported none (yet). */
    long promptTokens() {
        return promptTokens;
    }

    /** How far the client read the stream relayed to it byte for byte. */
    StreamPosition position() {
        read();
        return relayed == null ? StreamPosition.NONE : relayed.position();
    }

    /** What the relayed stream called its answer (its id and model), or null when it named none or handed deltas. */
    Served served() {
        read();
        return relayed == null ? null : relayed.served();
    }
}
