package io.sluice.gateway.server;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.sluice.gateway.http.MalformedRequests;

/**
 * Netty's request decoder, stricter where a gateway must be (RFC 9112): a request with both
 * {@code Transfer-Encoding} and {@code Content-Length} is marked as malformed instead of being read as chunked (two
 * framings in one request are the classic request smuggling vector, §6.3), and a request line must name HTTP/1.1
 * or HTTP/1.0 (an {@code HTTP/2.0} line is not HTTP/2, and a backend could read the message differently).
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    StrictRequestDecoder(HttpDecoderConfig config) {
        super(config);
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        final String version = initialLine[2];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new MalformedRequests.Refused("The request line must end in HTTP/1.1 or HTTP/1.0; HTTP/2 is "
                    + "spoken with its own framing (h2 by ALPN, or h2c).");
        }
        return super.createMessage(initialLine);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        message.setDecoderResult(DecoderResult.failure(new MalformedRequests.Refused(
                "The request has both Transfer-Encoding and Content-Length.")));
    }
}
