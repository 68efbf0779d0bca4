package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.StreamWatcher;

/**
 * Relays a Server-Sent Event stream byte for byte, whole events at a time.
 *
 * <p>Each piece from the backend is written as it came when it ends on an event boundary (the common case); a
 * partial event at its end is held, as retained slices, until the rest arrives, so the client never sees half an
 * event and a failure can always be reported with a clean terminal event. The dialect's {@link StreamWatcher} sees
 * every complete event: it reads the usage, tells whether the stream ended whole, and names an event Sluice asked
 * for that the client did not want (OpenAI's usage-only chunk), which alone is left out. The framer is the
 * watcher's: its one pass over each piece finds where the events end and where the letters of the watcher's keys
 * are. Nothing is copied: what is written are the backend's buffers or slices of them.
 */
final class SseRelay implements ResponseRelay {
    /** A single event larger than this is passed on in pieces rather than held whole. */
    private static final int MAX_HELD_BYTES = 1 << 20;

    private final ClientSink sink;
    private final SseEventFramer framer;
    private final StreamWatcher watcher;
    private CompositeByteBuf held;

    SseRelay(ClientSink sink, StreamWatcher watcher) {
        this.sink = sink;
        this.watcher = watcher;
        this.framer = watcher.framer();
    }

    @Override
    public void onContent(ByteBuf content) {
        if (!content.isReadable()) {
            content.release();
            return;
        }
        final int start = content.readerIndex();
        final int end = content.writerIndex();
        int eventStart = start;
        int forwardFrom = start;
        int eventEnd;
        while ((eventEnd = framer.nextEventEnd(content, eventStart, end)) >= 0) {
            if (held != null) {
                held.addComponent(true, content.retainedSlice(eventStart, eventEnd - eventStart));
                completeHeldEvent();
                forwardFrom = eventEnd;
            } else if (watcher.onEvent(content, eventStart, eventEnd, framer.places())) {
                if (eventStart > forwardFrom) {
                    sink.write(content.retainedSlice(forwardFrom, eventStart - forwardFrom));
                }
                forwardFrom = eventEnd;
            }
            eventStart = eventEnd;
        }
        if (forwardFrom == start && eventStart == end) {
            sink.write(content);
            return;
        }
        if (eventStart > forwardFrom) {
            sink.write(content.retainedSlice(forwardFrom, eventStart - forwardFrom));
        }
        if (eventStart < end) {
            hold(content.retainedSlice(eventStart, end - eventStart));
        }
        content.release();
    }

    private void completeHeldEvent() {
        final CompositeByteBuf event = held;
        held = null;
        if (watcher.onEvent(event, event.readerIndex(), event.writerIndex(), null)) {
            event.release();
        } else {
            sink.write(event);
        }
    }

    private void hold(ByteBuf partial) {
        if (held == null) {
            held = sink.alloc().compositeBuffer(64);
        }
        held.addComponent(true, partial);
        if (held.readableBytes() > MAX_HELD_BYTES) {
            final ByteBuf tooLarge = held;
            held = null;
            sink.write(tooLarge);
        }
    }

    @Override
    public void onEnd() {
        if (held != null) {
            completeHeldEvent();
        }
    }

    @Override
    public void discard() {
        if (held != null) {
            held.release();
            held = null;
        }
    }

    /**
     * Whether it sent its final event ({@code [DONE]} or a finish reason, {@code message_stop}). A last event
     * without its closing blank line does not count: it may be cut, and an event-stream parser drops an unfinished
     * event at the end of the stream.
     */
    @Override
    public String failure() {
        return watcher.complete() ? null : UpstreamCall.CUT_SHORT;
    }

    @Override
    public boolean complete() {
        return watcher.complete();
    }

    @Override
    public boolean canEndWithErrorEvent() {
        return true;
    }

    @Override
    public Usage usage() {
        return watcher.usage();
    }
}
