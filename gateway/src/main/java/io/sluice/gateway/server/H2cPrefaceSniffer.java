package io.sluice.gateway.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http2.Http2CodecUtil;

import java.util.List;

/**
 * Tells a cleartext HTTP/2 connection with prior knowledge from HTTP/1.1 by its first bytes: the HTTP/2
 * connection preface ({@code PRI * HTTP/2.0...}) or anything else. It looks only as far as it must, then replaces
 * itself with the matching pipeline and hands on the bytes it held.
 */
final class H2cPrefaceSniffer extends ByteToMessageDecoder {
    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final HttpServerInitializer pipelines;

    H2cPrefaceSniffer(HttpServerInitializer pipelines) {
        this.pipelines = pipelines;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        final int length = Math.min(in.readableBytes(), PREFACE.readableBytes());
        if (!ByteBufUtil.equals(PREFACE, PREFACE.readerIndex(), in, in.readerIndex(), length)) {
            pipelines.configureHttp1(ctx.pipeline(), true);
            ctx.pipeline().remove(this);
        } else if (length == PREFACE.readableBytes()) {
            pipelines.configureHttp2(ctx.pipeline());
            ctx.pipeline().remove(this);
        }
    }
}
