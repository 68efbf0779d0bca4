package io.sluice.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.sluice.codec.json.Json;
import io.sluice.providers.ProviderError;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Error bodies in the OpenAI format: {@code {"error":{"message","type","param","code"}}} as a response body, or
 * the same object in a terminal {@code data:} event when a stream breaks after its first byte.
 */
public final class OpenAiErrors {
    private static final byte[] DATA_PREFIX = {'d', 'a', 't', 'a', ':', ' '};
    private static final byte[] EVENT_END = {'\n', '\n'};

    private OpenAiErrors() {
    }

    /** @param param the request field the error is about, or null */
    public static ByteBuf body(ByteBufAllocator alloc, ErrorKind kind, String message, String param) {
        final ByteBuf buf = alloc.buffer(128 + message.length());
        write(buf, message, kind.type(), param, kind.code());
        return buf;
    }

    /** {@code data: {"error":...}} and the blank line that ends the event. */
    public static ByteBuf streamEvent(ByteBufAllocator alloc, ErrorKind kind, String message) {
        final ByteBuf buf = alloc.buffer(136 + message.length());
        buf.writeBytes(DATA_PREFIX);
        write(buf, kind, message);
        buf.writeBytes(EVENT_END);
        return buf;
    }

    /** A backend's error as an OpenAI error body; a missing type is {@code upstream_error}. */
    public static ByteBuf body(ByteBufAllocator alloc, ProviderError error) {
        final ByteBuf buf = alloc.buffer(128 + error.message().length());
        write(buf, error.message(), error.type() == null ? "upstream_error" : error.type(), error.param(),
                error.code());
        return buf;
    }

    private static void write(ByteBuf buf, ErrorKind kind, String message) {
        write(buf, message, kind.type(), null, kind.code());
    }

    private static void write(ByteBuf buf, String message, String type, String param, String code) {
        final OutputStream out = new ByteBufOutputStream(buf);
        try (JsonGenerator g = Json.FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", message);
            g.writeStringField("type", type);
            g.writeStringField("param", param);
            g.writeStringField("code", code);
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
    }
}
