package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.LastHttpContent;
import io.sluice.gateway.http.MalformedRequests;
import io.sluice.gateway.net.PipelineNames;

import java.util.List;

/**
 * Netty's request decoder, stricter where a gateway must be (RFC 9112): a request with both
 * {@code Transfer-Encoding} and {@code Content-Length} is marked as malformed instead of being read as chunked (two
 * framings in one request are the classic request smuggling vector, §6.3), and a request line must name HTTP/1.1
 * or HTTP/1.0 (an {@code HTTP/2.0} line is not HTTP/2, and a backend could read the message differently).
 *
 * <p>Between requests it first lets {@link PlainRequestReader} read the next one whole, which it does for the
 * common request and leaves alone otherwise; not while the h2c upgrade handler waits for the first request. Netty's
 * decoder reads the rest, and from its first byte of a request to that request's end, nothing else does; after a
 * request it refused, it reads everything.
 */
final class StrictRequestDecoder extends HttpRequestDecoder {
    private final PlainRequestReader plain;
    /** Netty's decoder holds no part of a request (nor a refusal): the next bytes begin a request. */
    private boolean betweenRequests = true;
    /** The h2c upgrade handler may still be behind this decoder, waiting for the connection's first request. */
    private boolean upgradeHandlerBehind = true;

    StrictRequestDecoder(HttpDecoderConfig config) {
        this(config, true);
    }

    /**
     * @param readsPlainRequests whether {@link PlainRequestReader} reads the common request; without it Netty's
     *                           decoder reads every request, as the fuzz test that compares the two needs
     */
    StrictRequestDecoder(HttpDecoderConfig config, boolean readsPlainRequests) {
        super(config);
        plain = readsPlainRequests ? new PlainRequestReader(config.getMaxInitialLineLength(),
                config.getMaxHeaderSize(), config.getMaxChunkSize()) : null;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (plain != null && betweenRequests && !upgradeHandlerBehind(ctx)) {
            final FullHttpRequest request = plain.read(buffer);
            if (request != null) {
                out.add(request);
                return;
            }
        }
        final int emitted = out.size();
        super.decode(ctx, buffer, out);
        // Only the successful end of a request puts Netty's decoder back as it was. Short of that it may hold part
        // of a head, or have only moved past the blank lines a request may follow (RFC 9112 §2.2) without taking a
        // byte, and either way it reads on from where it stands; a refusal leaves it discarding.
        betweenRequests = out.size() > emitted && out.get(out.size() - 1) instanceof LastHttpContent last
                && ((HttpObject) last).decoderResult().isSuccess();
    }

    /**
     * Whether the h2c upgrade handler is still in the pipeline: it reads only a request that comes as a head and its
     * body (a whole request passes it as already gathered), and it leaves after the first request it reads. So that
     * request is Netty's to read; once the handler is gone, it is not looked for again.
     */
    private boolean upgradeHandlerBehind(ChannelHandlerContext ctx) {
        if (upgradeHandlerBehind) {
            upgradeHandlerBehind = ctx.pipeline().context(PipelineNames.H2C_UPGRADE) != null;
        }
        return upgradeHandlerBehind;
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
