package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.http.RequestIds;
import io.sluice.gateway.upstream.UpstreamEndpoint;

import java.util.List;

/**
 * The headers of both legs of an exchange. Upstream: the client's end-to-end headers, minus its credentials (the
 * provider's key replaces them; a gateway key must never reach a backend), with {@code identity} encoding so the
 * tee can read usage. Downstream: the backend's end-to-end headers with Sluice's framing and request id.
 */
final class ProxyHeaders {
    private static final AsciiString UPSTREAM_REQUEST_ID = AsciiString.cached("x-upstream-request-id");
    private static final AsciiString X_ACCEL_BUFFERING = AsciiString.cached("x-accel-buffering");
    private static final AsciiString REQUEST_ID = AsciiString.cached(RequestIds.HEADER);

    /** Copies of headers Netty already validated on the way in need no second check. */
    private static final DefaultHttpHeadersFactory UNCHECKED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    private static final List<AsciiString> NOT_SENT_UPSTREAM = List.of(
            HttpHeaderNames.HOST, HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.EXPECT,
            HttpHeaderNames.AUTHORIZATION, AsciiString.cached("x-api-key"), AsciiString.cached("api-key"),
            HttpHeaderNames.ACCEPT_ENCODING, REQUEST_ID);
    private static final List<AsciiString> NOT_SENT_DOWNSTREAM = List.of(HttpHeaderNames.CONTENT_LENGTH, REQUEST_ID);

    private ProxyHeaders() {
    }

    /**
     * The request for the backend: {@code POST path} with the body (taken over) and a Content-Length.
     *
     * @param authorization the provider's {@code Authorization} value, or null
     */
    static FullHttpRequest upstreamRequest(HttpHeaders client, String path, UpstreamEndpoint target,
                                           String authorization, String requestId, ByteBuf body) {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path, body,
                UNCHECKED, UNCHECKED);
        final HttpHeaders headers = request.headers();
        HopByHop.copyEndToEnd(client, headers, NOT_SENT_UPSTREAM);
        headers.set(HttpHeaderNames.HOST, target.hostHeader())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.ACCEPT_ENCODING, HttpHeaderValues.IDENTITY)
                .set(REQUEST_ID, requestId);
        if (!headers.contains(HttpHeaderNames.CONTENT_TYPE)) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
        }
        if (authorization != null) {
            headers.set(HttpHeaderNames.AUTHORIZATION, authorization);
        }
        return request;
    }

    /**
     * The response head for the client. An event stream is always sent chunked (or, to HTTP/1.0, until close), so
     * that Sluice can leave out an event or end it with an error event; other bodies keep the backend's length.
     */
    static HttpResponse clientResponse(HttpResponse upstream, String requestId, boolean eventStream,
                                       boolean keepAlive, HttpVersion clientVersion) {
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstream.status(), UNCHECKED);
        final HttpHeaders headers = response.headers();
        HopByHop.copyEndToEnd(upstream.headers(), headers, NOT_SENT_DOWNSTREAM);
        final String upstreamId = upstream.headers().get(REQUEST_ID);
        if (upstreamId != null && !upstreamId.equals(requestId)) {
            headers.set(UPSTREAM_REQUEST_ID, upstreamId);
        }
        headers.set(REQUEST_ID, requestId);
        final long length = HttpUtil.getContentLength(upstream, -1L);
        if (!eventStream && length >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
        } else if (clientVersion.isKeepAliveDefault()) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (eventStream) {
            headers.set(X_ACCEL_BUFFERING, "no");
        }
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (!clientVersion.isKeepAliveDefault()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        return response;
    }
}
