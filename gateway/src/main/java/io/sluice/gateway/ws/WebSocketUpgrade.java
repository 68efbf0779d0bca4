package io.sluice.gateway.ws;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.sluice.gateway.admission.AccessPolicy;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.http.Responses;
import io.sluice.gateway.net.PipelineNames;
import io.sluice.gateway.proxy.ProxyServices;

import java.util.List;

/**
 * Turns an HTTP/1.1 connection into a WebSocket of the LLM API ({@code GET /ws?format=json|protobuf}): checks the
 * request, answers the handshake, and swaps the HTTP handlers for the frame aggregator and a
 * {@link WebSocketSession}.
 */
public final class WebSocketUpgrade {
    private WebSocketUpgrade() {
    }

    /**
     * Upgrades, or answers with an error (426 when it is not a WebSocket handshake of version 13 over HTTP/1.1, 400
     * for an unknown format or a handshake that lacks a part).
     *
     * @return the future of the handshake response or of the error, and whether the connection became a socket
     */
    public static Result upgrade(ChannelHandlerContext ctx, HttpRequest request, String requestId,
                                 ProxyServices services) {
        final boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
                || ctx.pipeline().get(HttpRequestDecoder.class) == null) {
            return new Result(ctx.writeAndFlush(Responses.error(ctx.alloc(), ErrorKind.UPGRADE_REQUIRED,
                    "/ws is a WebSocket endpoint: open it with an HTTP/1.1 WebSocket handshake.", requestId,
                    keepAlive)), false, 426);
        }
        final List<String> formats = new QueryStringDecoder(request.uri()).parameters().get("format");
        final WsFormat format = WsFormat.named(formats == null ? null : formats.get(0));
        if (format == null) {
            return new Result(ctx.writeAndFlush(Responses.error(ctx.alloc(), ErrorKind.BAD_REQUEST,
                    "format must be json or protobuf.", requestId, keepAlive)), false, 400);
        }
        final int maxMessage = services.websocket().maxMessageBytes();
        // Without a version Netty would pick the draft-00 handshake, which is not the protocol this socket speaks.
        final WebSocketServerHandshaker handshaker = request.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)
                ? new WebSocketServerHandshakerFactory("ws://" + request.headers().get(HttpHeaderNames.HOST,
                        "localhost") + "/ws", null, decoderConfig(maxMessage)).newHandshaker(request)
                : null;
        if (handshaker == null) {
            return new Result(WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel()),
                    false, 426);
        }
        final FullHttpRequest full = new DefaultFullHttpRequest(request.protocolVersion(), request.method(),
                request.uri(), Unpooled.EMPTY_BUFFER, request.headers(), EmptyHttpHeaders.INSTANCE);
        final ChannelFuture handshake;
        try {
            handshake = handshaker.handshake(ctx.channel(), full);
        } catch (WebSocketHandshakeException e) {
            // No Sec-WebSocket-Key, or a Connection header without Upgrade: Netty refuses before writing anything.
            return new Result(ctx.writeAndFlush(Responses.error(ctx.alloc(), ErrorKind.BAD_REQUEST,
                    "/ws needs a whole WebSocket handshake: Connection: Upgrade, Sec-WebSocket-Key and "
                            + "Sec-WebSocket-Version: 13.", requestId, keepAlive)), false, 400);
        }
        final ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(PipelineNames.H2C_UPGRADE) != null) {
            pipeline.remove(PipelineNames.H2C_UPGRADE);
        }
        pipeline.addAfter(PipelineNames.REQUEST_HANDLER, PipelineNames.WS_AGGREGATOR,
                new WebSocketFrameAggregator(maxMessage));
        pipeline.addAfter(PipelineNames.WS_AGGREGATOR, PipelineNames.WS_SESSION,
                new WebSocketSession(services, format,
                        services.trustedProxies().origin(request.headers(), ctx.channel()),
                        AccessPolicy.credentials(request.headers())));
        pipeline.remove(PipelineNames.REQUEST_HANDLER);
        return new Result(handshake, true, 101);
    }

    /** How the frame decoder reads a client's frames on a socket whose messages may hold {@code maxMessage} bytes. */
    static WebSocketDecoderConfig decoderConfig(int maxMessage) {
        return WebSocketDecoderConfig.newBuilder().maxFramePayloadLength(maxMessage).allowExtensions(false)
                // The session closes a violating socket itself, reading out what is still in flight first.
                .closeOnProtocolViolation(false).build();
    }

    /** What the upgrade did: the future of what it wrote, whether the socket is open, and the HTTP status. */
    public record Result(ChannelFuture write, boolean upgraded, int status) {
    }
}
