package io.sluice.gateway.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/** Complete responses Sluice answers itself: JSON bodies and OpenAI-format errors. */
public final class Responses {
    private Responses() {
    }

    /** The interim {@code 100 Continue} for a client that waits for it before sending its body. */
    public static FullHttpResponse continueResponse() {
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER);
    }

    /** A JSON response; the body is taken over. */
    public static FullHttpResponse json(HttpResponseStatus status, ByteBuf body, String requestId, boolean keepAlive) {
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(RequestIds.HEADER, requestId);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    public static FullHttpResponse error(ByteBufAllocator alloc, ErrorKind kind, String message, String requestId,
                                         boolean keepAlive) {
        return error(alloc, kind, message, null, requestId, keepAlive);
    }

    /** @param param the request field the error is about, or null */
    public static FullHttpResponse error(ByteBufAllocator alloc, ErrorKind kind, String message, String param,
                                         String requestId, boolean keepAlive) {
        return json(kind.status(), OpenAiErrors.body(alloc, kind, message, param), requestId, keepAlive);
    }
}
