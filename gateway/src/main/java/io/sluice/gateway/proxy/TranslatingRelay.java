package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Answer;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;

/**
 * Relays an answer from a backend of another dialect than the client's: the backend's bytes are read into deltas
 * ({@link DeltaReader}) and written again in the client's dialect, a stream event by event as they arrive, a whole
 * answer once it is complete. An error the backend sent inside its stream ends the answer as a failure, which the
 * exchange reports in the client's format (an error event, or a status when nothing was written yet).
 *
 * <p>Thread: the exchange's event loop. Buffers: each backend piece is read and released here; what is written are
 * new buffers of the client's events.
 */
final class TranslatingRelay implements ResponseRelay {
    private static final String UNREADABLE = "The backend's answer could not be read.";

    private final ClientSink sink;
    private final DialectCodec client;
    private final DeltaReader reader;
    private final boolean eventStream;
    /** The client's stream writer, or null when the client asked for a whole answer. */
    private final StreamEncoder encoder;
    private final Answer answer;
    private final String id;
    private final String model;
    private Usage usage;
    private String failure;
    private boolean read;

    /**
     * @param eventStream whether the backend answers with an event stream
     * @param streams     whether the client asked for a stream
     * @param id          the answer's id as the client sees it
     * @param model       the model name the client asked for
     */
    TranslatingRelay(ClientSink sink, DialectCodec backend, DialectCodec client, boolean eventStream, boolean streams,
                     String id, String model, boolean includeUsage) {
        this.sink = sink;
        this.client = client;
        this.reader = new DeltaReader(backend, eventStream);
        this.eventStream = eventStream;
        this.encoder = streams ? client.encoder(id, model, includeUsage) : null;
        this.answer = streams ? null : new Answer();
        this.id = id;
        this.model = model;
    }

    @Override
    public void onContent(ByteBuf content) {
        try {
            if (failure == null) {
                final ByteBuf out = encoder == null ? null : sink.alloc().buffer();
                reader.read(content, delta -> apply(delta, out));
                write(out);
            }
        } finally {
            content.release();
        }
    }

    private void apply(StreamDelta delta, ByteBuf out) {
        if (failure != null) {
            return;
        }
        if (delta.usage() != null) {
            usage = delta.usage();
        }
        if (delta.error() != null) {
            failure = delta.error();
        } else if (encoder != null) {
            encoder.delta(delta, out);
        } else {
            answer.add(delta);
        }
    }

    private void write(ByteBuf out) {
        if (out == null) {
            return;
        }
        if (out.isReadable()) {
            sink.write(out);
        } else {
            out.release();
        }
    }

    @Override
    public String failure() {
        if (!eventStream && !read && failure == null) {
            read = true;
            final StreamDelta whole = reader.whole();
            if (whole == null) {
                failure = UNREADABLE;
            } else {
                final ByteBuf out = encoder == null ? null : sink.alloc().buffer();
                apply(whole, out);
                write(out);
            }
        }
        if (failure != null) {
            return failure;
        }
        return eventStream && !reader.ended() ? UpstreamCall.CUT_SHORT : null;
    }

    @Override
    public void onEnd() {
        if (encoder != null) {
            final ByteBuf out = sink.alloc().buffer();
            encoder.end(out);
            write(out);
        } else {
            sink.write(Unpooled.wrappedBuffer(client.answer(answer, id, model)));
        }
    }

    @Override
    public void discard() {
    }

    @Override
    public boolean canEndWithErrorEvent() {
        return encoder != null;
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
