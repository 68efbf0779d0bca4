package io.sluice.providers;

import io.netty.buffer.ByteBuf;
import io.sluice.codec.usage.Usage;

/**
 * Looks at the complete events of a stream relayed byte for byte (client and backend speak one dialect): the usage
 * it reports, whether it ended with its final event, and which events Sluice itself asked for and must leave out.
 * One per stream, on its event loop; the buffers it is shown stay owned by the caller.
 */
public interface StreamWatcher {
    /**
     * Looks at one complete event in {@code [from, to)} of {@code buf}.
     *
     * @return true when the event must not reach the client
     */
    boolean onEvent(ByteBuf buf, int from, int to);

    /** Whether the stream sent its final event (a stream with no known final event is always complete). */
    boolean complete();

    /** The usage the stream reported so far, or null. */
    Usage usage();
}
