package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.usage.Usage;
import io.sluice.providers.Answer;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.DialectCodec;
import io.sluice.providers.Served;
import io.sluice.providers.StreamDelta;
import io.sluice.providers.StreamEncoder;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Relays an answer from a backend of another dialect than the client's: the backend's bytes are read into deltas
 * ({@link DeltaReader}) and written again in the client's dialect, a stream event by event as they arrive, a whole
 * answer once it is complete. An error the backend sent inside its stream ends the answer as a failure at once
 * ({@link #broken()}), which the exchange reports in the client's format (an error event, or a status when nothing
 * was written yet), with the backend's message bounded and the provider's key masked.
 *
 * <p>Thread: the exchange's event loop. Buffers: each backend piece is read and released here; what is written are
 * new buffers of the client's events.
 */
final class TranslatingRelay implements ResponseRelay {
    private final ClientSink sink;
    private final ClientCodec client;
    /** Makes a backend's error message fit for the client: bounded, the provider's key masked. */
    private final UnaryOperator<String> errorText;
    private final DeltaReader reader;
    private final boolean eventStream;
    /** The client's stream writer, or null when the client asked for a whole answer. */
    private final StreamEncoder encoder;
    private final Answer answer;
    private final Served served;
    /** Sees every delta before the client is shown it, and says what is shown; null when nothing does. */
    private final UnaryOperator<StreamDelta> shown;
    /** The usage of a continued answer whose last backend reported none; null when there is no such estimate. */
    private final Supplier<Usage> unreported;
    /**
     * For a continuation from a backend of the client's own dialect, after a stream relayed byte for byte: the first
     * answer's name, under which the continuation's events are written as they came; else null.
     */
    private final Served renameAs;
    private Usage usage;
    private String failure;
    private boolean read;

    /**
     * @param errorText   what makes the backend's error messages fit for the client
     * @param eventStream whether the backend answers with an event stream
     * @param streams     whether the client asked for a stream
     * @param shown       what sees each delta before the client does and says what it is shown (the usage
     *                    estimate, a stream's continuation), or null
     */
    TranslatingRelay(ClientSink sink, DialectCodec backend, UnaryOperator<String> errorText, ClientCodec client,
                     boolean eventStream, boolean streams, Served served, boolean includeUsage,
                     UnaryOperator<StreamDelta> shown) {
        this(sink, backend, errorText, client, eventStream, streams ? client.encoder(served, includeUsage) : null,
                served, shown, null, null);
    }

    private TranslatingRelay(ClientSink sink, DialectCodec backend, UnaryOperator<String> errorText,
                             ClientCodec client, boolean eventStream, StreamEncoder encoder, Served served,
                             UnaryOperator<StreamDelta> shown, Supplier<Usage> unreported, Served renameAs) {
        this.sink = sink;
        this.client = client;
        this.errorText = errorText;
        this.reader = new DeltaReader(backend, eventStream);
        this.eventStream = eventStream;
        this.encoder = encoder;
        this.answer = encoder == null ? new Answer() : null;
        this.served = served;
        this.shown = shown;
        this.unreported = unreported;
        this.renameAs = renameAs;
    }

    /**
     * Goes on with a client's stream that another relay began, from a backend's continuation: {@code encoder} wrote
     * (or was brought up to) what the client saw so far, so nothing is written twice.
     *
     * @param unreported the whole answer's usage, estimated, for when the continuation reports none
     * @param renameAs   when the backend speaks the client's dialect and the client was relayed the stream so far
     *                   byte for byte: the name under which the continuation's events go out as they came; else null
     */
    static TranslatingRelay continuing(ClientSink sink, DialectCodec backend, UnaryOperator<String> errorText,
                                       ClientCodec client, StreamEncoder encoder, Served served,
                                       UnaryOperator<StreamDelta> shown, Supplier<Usage> unreported,
                                       Served renameAs) {
        return new TranslatingRelay(sink, backend, errorText, client, true, encoder, served, shown, unreported,
                renameAs);
    }

    /** The name a continuation's events go out under as they came, or null (see {@link #continuing}). */
    Served renameAs() {
        return renameAs;
    }

    /** The client's stream writer, or null for a whole answer. */
    StreamEncoder encoder() {
        return encoder;
    }

    @Override
    public void onContent(ByteBuf content) {
        try {
            if (failure == null) {
                final ByteBuf out = encoder == null ? null : sink.alloc().buffer();
                try {
                    reader.read(content, delta -> apply(delta, out));
                } catch (RuntimeException e) {
                    if (out != null) {
                        out.release();
                    }
                    throw e;
                }
                write(out);
                if (failure == null) {
                    failure = reader.failure();
                }
            }
        } finally {
            content.release();
        }
    }

    private void apply(StreamDelta delta, ByteBuf out) {
        if (failure != null) {
            return;
        }
        if (delta.error() != null) {
            failure = errorText.apply(delta.error());
            return;
        }
        final StreamDelta visible = shown == null ? delta : shown.apply(delta);
        if (visible.usage() != null) {
            usage = visible.usage();
        }
        if (encoder == null) {
            answer.add(visible);
        } else if (renameAs == null || !writtenAsCame(delta, visible, out)) {
            encoder.delta(visible, out);
        }
    }

    /**
     * Writes a continuation's event as the backend sent it, under the first answer's name, when it is shown as it
     * came: not one whose text lost the partial answer's trailing whitespace, nor one with usage (the client is
     * told the whole answer's, by the encoder at the end). A chunk that only names the role is left out: the
     * client has its role.
     */
    private boolean writtenAsCame(StreamDelta read, StreamDelta visible, ByteBuf out) {
        if (read.usage() != null || !visible.content().equals(read.content())) {
            return false;
        }
        if (!visible.hasOutput() && visible.finishReason() == null) {
            return true;
        }
        return client.renamed(reader.eventData().array(), reader.eventData().length(), renameAs, out);
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

    /** An error came inside the stream, or it could not be read: nothing more will be relayed. */
    @Override
    public boolean broken() {
        return failure != null;
    }

    @Override
    public String failure() {
        if (!eventStream && !read && failure == null) {
            read = true;
            final StreamDelta whole = reader.whole();
            if (whole == null) {
                failure = DeltaReader.UNREADABLE;
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
            if (usage == null && unreported != null) {
                // A continuation whose backend reported no usage: the client who asked for it gets the estimate.
                usage = unreported.get();
                encoder.delta(new StreamDelta("", "", List.of(), null, usage, null), out);
            }
            encoder.end(out);
            write(out);
        } else {
            sink.write(Unpooled.wrappedBuffer(client.answer(answer, served)));
        }
    }

    @Override
    public void discard() {
    }

    @Override
    public boolean complete() {
        return eventStream && failure == null && reader.ended();
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
