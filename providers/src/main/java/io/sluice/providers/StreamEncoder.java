package io.sluice.providers;

import io.netty.buffer.ByteBuf;

/**
 * Writes a client's stream in its dialect from {@link StreamDelta}s, complete events at a time. One per stream, on
 * its event loop; it writes into buffers the caller owns.
 */
public interface StreamEncoder {
    /** The events for one delta (none, when it only carries what a later event tells). */
    void delta(StreamDelta delta, ByteBuf out);

    /** The backend's stream ended whole: the closing events. */
    void end(ByteBuf out);
}
