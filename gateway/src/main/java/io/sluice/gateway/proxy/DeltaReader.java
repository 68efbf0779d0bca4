package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.CaptureBuffer;
import io.sluice.codec.sse.SseData;
import io.sluice.codec.sse.SseEventFramer;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamPosition;
import io.sluice.providers.StreamDecoder;
import io.sluice.providers.StreamDelta;

import java.util.function.Consumer;

/**
 * Reads a backend's answer into {@link StreamDelta}s as it arrives, with the decoder of the backend's dialect: an
 * event stream event by event (a partial event is kept, as bytes, until its end arrives), any other body whole at
 * its end. The one "backend bytes to deltas" path of every front that does not relay the bytes themselves: the
 * translating relay of a client of another dialect, and the WebSocket front.
 *
 * <p>Thread: the exchange's event loop. Buffers: the pieces it reads stay the caller's; it keeps copies only of a
 * partial event (or of a whole body), bounded.
 */
public final class DeltaReader {
    /** What a reader of an answer that is not one says. */
    public static final String UNREADABLE = "The backend's answer could not be read.";
    private static final int MAX_EVENT_BYTES = 4 * 1024 * 1024;
    private static final String EVENT_TOO_LARGE = "An event of the backend's stream is larger than 4 MiB.";
    private static final String ANSWER_TOO_LARGE = "The backend's answer is larger than 4 MiB.";

    private final DialectCodec codec;
    private final StreamDecoder decoder;
    private final boolean eventStream;
    private final SseEventFramer framer = new SseEventFramer();
    /** The bytes of a partial event, or the whole body when the answer is not an event stream. */
    private final CaptureBuffer pending = new CaptureBuffer(256, MAX_EVENT_BYTES);
    private final CaptureBuffer data = new CaptureBuffer(256, MAX_EVENT_BYTES);
    private boolean overflow;

    /** @param eventStream whether the answer is an event stream, or a body to read whole */
    public DeltaReader(DialectCodec backend, boolean eventStream) {
        this.codec = backend;
        this.decoder = backend.decoder();
        this.eventStream = eventStream;
    }

    /** Reads one piece of the answer, handing {@code each} the delta of every event it completes. */
    public void read(ByteBuf piece, Consumer<StreamDelta> each) {
        if (overflow) {
            return;
        }
        if (!eventStream) {
            overflow = !pending.append(piece, piece.readerIndex(), piece.readableBytes());
            return;
        }
        int start = piece.readerIndex();
        int end;
        while ((end = framer.nextEventEnd(piece, start, piece.writerIndex())) >= 0) {
            if (pending.isEmpty()) {
                decode(piece, start, end, each);
            } else {
                if (!pending.append(piece, start, end - start)) {
                    overflow = true;
                    return;
                }
                final ByteBuf whole = Unpooled.wrappedBuffer(pending.array(), 0, pending.length());
                decode(whole, 0, whole.writerIndex(), each);
                pending.reset();
            }
            start = end;
        }
        if (start < piece.writerIndex()) {
            overflow = !pending.append(piece, start, piece.writerIndex() - start);
        }
    }

    /** Why the answer cannot be read further (an event or a body over the bound), or null. */
    public String failure() {
        return !overflow ? null : eventStream ? EVENT_TOO_LARGE : ANSWER_TOO_LARGE;
    }

    private void decode(ByteBuf buf, int from, int to, Consumer<StreamDelta> each) {
        if (SseData.copyData(buf, from, to, data)) {
            final StreamDelta delta = decoder.decode(data.array(), data.length());
            if (delta != null) {
                each.accept(delta);
            }
        }
    }

    /** Whether the event stream sent its final event. */
    public boolean ended() {
        return decoder.ended();
    }

    /** The data of the event whose delta is being handed over, valid while its consumer runs. */
    CaptureBuffer eventData() {
        return data;
    }

    /** How far a client relayed the stream so far has read it. */
    public StreamPosition position() {
        return decoder.position();
    }

    /** What the stream's events named its answer (id and model), or null before one did. */
    public Served served() {
        return decoder.served();
    }

    /** A body that is not an event stream, read whole once it ended; null when it is not an answer. */
    public StreamDelta whole() {
        return overflow ? null : codec.decodeAnswer(pending.array(), pending.length());
    }
}
