package io.sluice.gateway.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufOutputStream;
import io.sluice.codec.json.Json;
import io.sluice.providers.SseEvents;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Errors in the Anthropic Messages API's format, {@code {"type":"error","error":{"type","message"}}}, with the
 * error types Anthropic gives each status: as a body, or as the {@code event: error} that ends a stream. Stateless.
 */
public final class AnthropicErrors {
    private static final Set<String> TYPES = Set.of("invalid_request_error", "authentication_error",
            "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "api_error",
            "overloaded_error", "timeout_error", "billing_error");

    private AnthropicErrors() {
    }

    /** The error type Anthropic sends with {@code status}. */
    public static String type(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 402 -> "billing_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            // Any other refusal of the request itself (400, 405, 408, 422, a 431) is the client's, not the API's.
            default -> status >= 400 && status < 500 ? "invalid_request_error" : "api_error";
        };
    }

    /** Whether {@code type} is one of Anthropic's error types. */
    public static boolean isType(String type) {
        return type != null && TYPES.contains(type);
    }

    public static ByteBuf body(ByteBufAllocator alloc, String type, String message) {
        final ByteBuf buf = alloc.buffer(64 + message.length());
        try (JsonGenerator g = Json.FACTORY.createGenerator((OutputStream) new ByteBufOutputStream(buf))) {
            write(g, type, message);
        } catch (IOException e) {
            buf.release();
            throw new UncheckedIOException(e);
        }
        return buf;
    }

    /** {@code event: error} with the error object, ending a stream. */
    public static ByteBuf streamEvent(ByteBufAllocator alloc, String type, String message) {
        final ByteBuf buf = alloc.buffer(96 + message.length());
        SseEvents.write(buf, "error", g -> write(g, type, message));
        return buf;
    }

    private static void write(JsonGenerator g, String type, String message) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "error");
        g.writeObjectFieldStart("error");
        g.writeStringField("type", type);
        g.writeStringField("message", message);
        g.writeEndObject();
        g.writeEndObject();
    }
}
