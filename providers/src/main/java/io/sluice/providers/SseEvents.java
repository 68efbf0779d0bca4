package io.sluice.providers;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.sluice.codec.json.Json;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Writes Server-Sent Events whose data is one JSON document, for the encoders of every dialect. Stateless. */
public final class SseEvents {
    private static final byte[] EVENT = "event: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = {'\n', '\n'};

    private SseEvents() {
    }

    /**
     * {@code event: name} (when name is not null), {@code data: json} and the blank line that ends the event.
     */
    public static void write(ByteBuf out, String name, Json.Document data) {
        if (name != null) {
            out.writeBytes(EVENT).writeCharSequence(name, StandardCharsets.US_ASCII);
            out.writeByte('\n');
        }
        out.writeBytes(DATA);
        try (JsonGenerator g = Json.FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            data.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.writeBytes(END);
    }

    /** {@code data: text} and the blank line, for a data line that is not JSON ({@code [DONE]}). */
    public static void writeRaw(ByteBuf out, String text) {
        out.writeBytes(DATA).writeCharSequence(text, StandardCharsets.US_ASCII);
        out.writeBytes(END);
    }
}
