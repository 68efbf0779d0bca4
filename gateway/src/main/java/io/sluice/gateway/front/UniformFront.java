package io.sluice.gateway.front;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.sluice.codec.json.Json;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.providers.ClientCodec;
import io.sluice.providers.Operation;
import io.sluice.providers.ProviderError;
import io.sluice.providers.uniform.UniformCodec;
import io.sluice.providers.uniform.UniformEndpoint;

import java.util.Locale;

/**
 * Sluice's uniform API (seed 001): {@code /llm/chat}, {@code /llm/completions} and {@code /llm/stream}, one answer
 * format for every provider. Errors carry the seed's codes ({@code INVALID_REQUEST}, {@code UNAUTHORIZED},
 * {@code RATE_LIMIT}, {@code PROVIDER_ERROR}, {@code TIMEOUT}, ...) and the trace id:
 * {@code {"error":{"code","message","trace_id"}}} as a body, an {@code error} event in a stream.
 */
public final class UniformFront implements Front {
    public static final UniformFront CHAT = new UniformFront(UniformEndpoint.CHAT, UniformCodec.CHAT);
    public static final UniformFront COMPLETIONS = new UniformFront(UniformEndpoint.COMPLETIONS, UniformCodec.CHAT);
    public static final UniformFront STREAM = new UniformFront(UniformEndpoint.STREAM, UniformCodec.STREAM);
    private static final UniformFront STREAM_NDJSON = new UniformFront(UniformEndpoint.STREAM,
            UniformCodec.STREAM_NDJSON);
    private static final String NDJSON = "application/x-ndjson";

    private final UniformEndpoint endpoint;
    private final UniformCodec codec;

    private UniformFront(UniformEndpoint endpoint, UniformCodec codec) {
        this.endpoint = endpoint;
        this.codec = codec;
    }

    @Override
    public ClientCodec codec() {
        return codec;
    }

    @Override
    public Operation operation() {
        return endpoint;
    }

    /** {@code Accept: application/x-ndjson} on {@code /llm/stream} asks for the events as JSON lines. */
    @Override
    public Front negotiate(HttpHeaders headers) {
        final String accept = headers.get(HttpHeaderNames.ACCEPT);
        return this == STREAM && accept != null && accept.toLowerCase(Locale.ROOT).contains(NDJSON)
                ? STREAM_NDJSON : this;
    }

    @Override
    public CharSequence streamContentType() {
        return this == STREAM_NDJSON ? NDJSON : HttpHeaderValues.TEXT_EVENT_STREAM;
    }

    @Override
    public ByteBuf error(ByteBufAllocator alloc, ErrorKind kind, String message, String param, String requestId) {
        return body(kind.uniformCode(), message, requestId);
    }

    /**
     * The seed's statuses: a backend's refusal of its own key (401, 403) or its own failure (5xx, and anything the
     * contract has no code for) is a {@code PROVIDER_ERROR} 502, not the client's fault; 400, 404, 413, 429, 503 and
     * 504 keep their meaning.
     */
    @Override
    public int backendStatus(int status) {
        return switch (status) {
            case 400, 404, 413, 429, 503, 504 -> status;
            default -> 502;
        };
    }

    @Override
    public ByteBuf backendError(ByteBufAllocator alloc, ProviderError error, int status, String requestId) {
        return body(ErrorKind.uniformCode(status), error.message(), requestId);
    }

    @Override
    public ByteBuf streamError(ByteBufAllocator alloc, ErrorKind kind, String message, String requestId) {
        final ByteBuf event = alloc.buffer(96 + message.length());
        codec.format().write(event, "error", g -> {
            g.writeStringField("code", kind.uniformCode());
            g.writeStringField("message", message);
            g.writeStringField("trace_id", requestId);
        });
        return event;
    }

    /** The trace id: the uniform answer names it as such. */
    @Override
    public String answerId(String requestId) {
        return requestId;
    }

    private static ByteBuf body(String code, String message, String requestId) {
        return Unpooled.wrappedBuffer(Json.render(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("code", code);
            g.writeStringField("message", message);
            g.writeStringField("trace_id", requestId);
            g.writeEndObject();
            g.writeEndObject();
        }));
    }
}
