package io.sluice.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.sluice.codec.json.Json;

/**
 * Errors in the Anthropic Messages API's format, {@code {"type":"error","error":{"type","message"}}}, with the
 * error types Anthropic gives each status. Stateless.
 */
public final class AnthropicErrors {
    private AnthropicErrors() {
    }

    /** The error type Anthropic sends with {@code status}. */
    static String type(int status) {
        return switch (status) {
            case 400, 405, 408, 422 -> "invalid_request_error";
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 404 -> "not_found_error";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_error";
            case 503, 529 -> "overloaded_error";
            case 504 -> "timeout_error";
            default -> "api_error";
        };
    }

    public static ByteBuf body(ErrorKind kind, String message) {
        return Unpooled.wrappedBuffer(Json.render(g -> {
            g.writeStartObject();
            g.writeStringField("type", "error");
            g.writeObjectFieldStart("error");
            g.writeStringField("type", type(kind.status().code()));
            g.writeStringField("message", message);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }
}
