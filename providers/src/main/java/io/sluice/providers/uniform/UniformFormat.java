package io.sluice.providers.uniform;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.sluice.codec.json.Json;
import io.sluice.providers.SseEvents;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * How the uniform stream's events are framed: Server-Sent Events ({@code event: token} and a {@code data:} line),
 * or JSON lines ({@code Accept: application/x-ndjson}), one object per line whose {@code type} names the event.
 */
public enum UniformFormat {
    SSE, NDJSON;

    /** One event: its name, and the fields {@code fields} writes inside its object. */
    public void write(ByteBuf out, String type, Json.Document fields) {
        if (this == SSE) {
            SseEvents.write(out, type, g -> {
                g.writeStartObject();
                fields.write(g);
                g.writeEndObject();
            });
            return;
        }
        try (JsonGenerator g = Json.FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(out))) {
            g.writeStartObject();
            g.writeStringField("type", type);
            fields.write(g);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.writeByte('\n');
    }
}
