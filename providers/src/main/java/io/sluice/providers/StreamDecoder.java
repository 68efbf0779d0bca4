package io.sluice.providers;

/**
 * Reads one backend stream, event by event, into {@link StreamDelta}s: the backend's dialect as no dialect. One per
 * stream (it keeps what later events refer to, such as which content block is a tool call), on its event loop.
 */
public interface StreamDecoder {
    /** The delta of one event's data; null when the event adds nothing (a ping, {@code [DONE]}, a block's end). */
    StreamDelta decode(byte[] data, int length);

    /** Whether the stream sent its final event: one that closes before it was cut short. */
    boolean ended();

    /**
     * What the stream's events named its answer, as a client of its dialect saw them (the id and the model), or
     * null before an event named them: what a stream continued on another backend keeps showing.
     */
    Served served();

    /** How far a client of this dialect that was relayed the stream so far has read it. */
    StreamPosition position();
}
