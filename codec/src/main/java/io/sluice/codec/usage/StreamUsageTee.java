package io.sluice.codec.usage;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.sse.SseData;

/**
 * Watches the complete events of one Server-Sent Event stream for token usage, keeping only a copy of the data of
 * the last event that carries a usage object (the tail of the stream, where the final usage frame is).
 *
 * <p>In the common case it only filters each event with {@link UsageKeyMatcher} and parses once, at the end. When
 * the gateway added {@code stream_options.include_usage} on the client's behalf it must hide the usage-only chunk
 * the client did not ask for, so each usage event is parsed as it passes and reported as one to drop.
 *
 * <p>Runs on the event loop of its stream; the buffers it is shown stay owned by the caller.
 */
public final class StreamUsageTee {
    /** Large enough for a Responses API {@code response.completed} event, which repeats the whole output. */
    private static final int MAX_EVENT_DATA = 4 * 1024 * 1024;

    private final boolean dropUsageOnlyEvents;
    private CaptureBuffer last;
    private CaptureBuffer scratch;
    private Usage usage;

    public StreamUsageTee(boolean dropUsageOnlyEvents) {
        this.dropUsageOnlyEvents = dropUsageOnlyEvents;
    }

    /**
     * Looks at one complete event in {@code [from, to)} of {@code buf}, whose {@link UsageKeyMatcher#LETTER}s are among
     * {@code places} (found in the pass that framed it, or by {@link BytePlaces#collect}).
     *
     * @return true when the event is a usage-only chunk that must not reach the client
     */
    public boolean onEvent(ByteBuf buf, int from, int to, BytePlaces places) {
        return UsageKeyMatcher.hasKey(buf, from, to, places) && onUsageEvent(buf, from, to);
    }

    private boolean onUsageEvent(ByteBuf buf, int from, int to) {
        if (scratch == null) {
            scratch = new CaptureBuffer(512, MAX_EVENT_DATA);
            last = new CaptureBuffer(512, MAX_EVENT_DATA);
        }
        if (!SseData.copyData(buf, from, to, scratch)) {
            return false;
        }
        final CaptureBuffer kept = scratch;
        scratch = last;
        last = kept;
        usage = null;
        if (!dropUsageOnlyEvents) {
            return false;
        }
        final EventUsage event = UsageReader.readEvent(last.array(), last.length());
        if (event == null) {
            return false;
        }
        usage = event.usage();
        return event.usageOnly();
    }

    /** The usage of the last usage event seen, or null when the stream carried none. */
    public Usage usage() {
        if (usage == null && last != null && !last.isEmpty()) {
            final EventUsage event = UsageReader.readEvent(last.array(), last.length());
            usage = event == null ? null : event.usage();
        }
        return usage;
    }
}
