package io.sluice.gateway.server;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

/**
 * Netty's request decoder, except that a request with both {@code Transfer-Encoding} and {@code Content-Length}
 * is marked as malformed instead of being read as chunked. Two framings in one request are the classic request
 * smuggling vector; RFC 9112 §6.3 lets a server reject it, and a gateway should, then close the connection.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(
                "the request has both Transfer-Encoding and Content-Length")));
    }
}
