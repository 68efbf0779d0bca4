package io.sluice.providers;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.BytePlaces;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.codec.usage.Usage;

/**
 * Looks at the complete events of a stream relayed byte for byte (client and backend speak one dialect): the usage
 * it reports, whether it ended with its final event, and which events Sluice itself asked for and must leave out.
 * A watcher that looks for keys in every event names their letters in its {@link #framer()}, whose pass over the
 * stream places them, so that no event is searched twice. One per stream, on its event loop; the buffers it is shown
 * stay owned by the caller.
 */
public interface StreamWatcher {
    /**
     * Looks at one complete event in {@code [from, to)} of {@code buf}.
     *
     * @param letters the places of the framer's letters in the event, or null when its pass did not see the whole
     *     event (it came in pieces, or held a CR): the watcher then finds what it needs itself
     * @return true when the event must not reach the client
     */
    boolean onEvent(ByteBuf buf, int from, int to, BytePlaces letters);

    /** A framer for the stream's events, collecting the letters of the keys this watcher looks for. */
    default SseEventFramer framer() {
        return new SseEventFramer();
    }

    /** Whether the stream sent its final event (a stream with no known final event is always complete). */
    boolean complete();

    /** The usage the stream reported so far, or null. */
    Usage usage();
}
