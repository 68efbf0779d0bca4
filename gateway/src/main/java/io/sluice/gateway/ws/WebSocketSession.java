package io.sluice.gateway.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.sluice.gateway.http.ErrorKind;
import io.sluice.gateway.net.Draining;
import io.sluice.gateway.net.LingeringClose;
import io.sluice.gateway.proxy.ClientOrigin;
import io.sluice.gateway.proxy.ProxyServices;
import io.sluice.proto.Ack;
import io.sluice.proto.Error;
import io.sluice.proto.LLMRequest;
import io.sluice.proto.WebSocketMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection of the LLM API: any number of requests, independent and interleaved, each run by a
 * {@link WsRequest} keyed by its {@code request_id}.
 *
 * <p>A message that cannot be read gets an {@code Error} naming its request id as far as it can be made out, and
 * the socket stays open; a frame of the other format's type closes it with 1003, one over the size limit with
 * 1009 (frame-level protocol violations are closed with 1002 by Netty's decoder). The server pings every
 * {@code ping_interval} and closes with 1011 when no pong comes within {@code ping_timeout}. Closing the socket
 * stops every request's upstream exchange.
 *
 * <p>Position: last in the pipeline, after the WebSocket frame decoder, encoder and aggregator. Thread: the
 * connection's event loop. Buffers: frames are released here once decoded; outgoing messages are encoded into
 * new buffers the pipeline releases.
 */
final class WebSocketSession extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(WebSocketSession.class);

    /** The endpoint a WebSocket request is logged and counted under. */
    static final String ENDPOINT = "/ws";

    private final ProxyServices services;
    private final WsFormat format;
    private final ClientOrigin origin;
    private final HttpHeaders credentials;
    private final Map<String, WsRequest> active = new HashMap<>();
    private ChannelHandlerContext ctx;
    private ScheduledFuture<?> pinger;
    private ScheduledFuture<?> pongDeadline;
    private boolean draining;
    /** The peer broke the protocol and was told so: what it still sends is discarded until the socket closes. */
    private boolean violated;

    /**
     * @param origin      who opened the socket, as its requests tell the backend
     * @param credentials the credential headers of the handshake, with which each request is authenticated against
     *                    the config current when it arrives (a key disabled by a reload stops working at once)
     */
    WebSocketSession(ProxyServices services, WsFormat format, ClientOrigin origin, HttpHeaders credentials) {
        this.services = services;
        this.format = format;
        this.origin = origin;
        this.credentials = credentials;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        final long interval = services.websocket().pingInterval().toNanos();
        pinger = ctx.executor().scheduleAtFixedRate(this::ping, interval, interval, TimeUnit.NANOSECONDS);
    }

    private void ping() {
        if (pongDeadline != null) {
            return;
        }
        ctx.writeAndFlush(new PingWebSocketFrame());
        pongDeadline = ctx.executor().schedule(() -> close(WebSocketCloseStatus.INTERNAL_SERVER_ERROR,
                "ping timeout"), services.websocket().pingTimeout().toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (violated) {
                return;
            }
            if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof PongWebSocketFrame) {
                if (pongDeadline != null) {
                    pongDeadline.cancel(false);
                    pongDeadline = null;
                }
            } else if (msg instanceof CloseWebSocketFrame close) {
                ctx.writeAndFlush(close.retainedDuplicate()).addListener(ChannelFutureListener.CLOSE);
            } else if (msg instanceof WebSocketFrame frame) {
                onData(frame);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onData(WebSocketFrame frame) {
        if (!format.carries(frame)) {
            close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "this socket speaks " + format.name().toLowerCase()
                    + " in " + (format == WsFormat.JSON ? "text" : "binary") + " frames");
            return;
        }
        final WebSocketMessage message;
        try {
            message = format.decode(frame);
        } catch (IOException e) {
            refuseMessage(format.requestIdOf(frame, e), "The message could not be read: " + e.getMessage());
            return;
        }
        switch (message.getPayloadCase()) {
            case REQUEST -> onRequest(message.getRequest());
            case CANCEL -> {
                final WsRequest request = active.get(message.getCancel().getRequestId());
                if (request == null) {
                    error(message.getCancel().getRequestId(), "NOT_FOUND", "No active request has this id.");
                } else {
                    request.cancel();
                }
            }
            default -> refuseMessage("", "A client sends request or cancel messages, not "
                    + message.getPayloadCase().name().toLowerCase() + ".");
        }
    }

    private void onRequest(LLMRequest request) {
        final String id = request.getRequestId();
        if (draining) {
            refuse(id, ErrorKind.SHUTTING_DOWN, "The gateway is shutting down.");
            return;
        }
        if (id.isEmpty() || active.containsKey(id)) {
            refuse(id, ErrorKind.BAD_REQUEST, id.isEmpty() ? "request_id is required"
                    : "a request with this request_id is still running");
            return;
        }
        final WsRequest exchange = new WsRequest(this, services, request);
        active.put(id, exchange);
        if (!exchange.start()) {
            active.remove(id);
        }
    }

    /** A request refused before it is one of this socket's: a refused {@code Ack}, counted as the HTTP fronts count. */
    private void refuse(String requestId, ErrorKind kind, String message) {
        services.metrics().refused(ENDPOINT, kind.status().code());
        sendRefusal(requestId, kind, message);
    }

    /** A message that is not a request this socket can take: an {@code Error}, counted as a malformed request. */
    private void refuseMessage(String requestId, String message) {
        services.metrics().refused(ENDPOINT, ErrorKind.BAD_REQUEST.status().code());
        error(requestId, ErrorKind.BAD_REQUEST.uniformCode(), message);
    }

    /** Sends a refused {@code Ack} with the uniform code of {@code kind}; returns the bytes it took. */
    int sendRefusal(String requestId, ErrorKind kind, String message) {
        return send(WebSocketMessage.newBuilder().setAck(Ack.newBuilder().setRequestId(requestId).setAccepted(false)
                .setErrorCode(kind.uniformCode()).setErrorMessage(message)).build(), true);
    }

    private void error(String requestId, String code, String message) {
        send(WebSocketMessage.newBuilder().setError(Error.newBuilder().setRequestId(requestId).setCode(code)
                .setMessage(message)).build(), true);
    }

    /** Writes a message, flushed or not; returns the bytes it took. */
    int send(WebSocketMessage message, boolean flush) {
        try {
            final WebSocketFrame frame = format.encode(ctx.alloc(), message);
            final int size = frame.content().readableBytes();
            if (flush) {
                ctx.writeAndFlush(frame, ctx.voidPromise());
            } else {
                ctx.write(frame, ctx.voidPromise());
            }
            return size;
        } catch (IOException e) {
            LOG.warn("cannot encode a {} message: {}", message.getPayloadCase(), e.toString());
            return 0;
        }
    }

    void flush() {
        ctx.flush();
    }

    boolean writable() {
        return ctx.channel().isWritable();
    }

    ClientOrigin origin() {
        return origin;
    }

    HttpHeaders credentials() {
        return credentials;
    }

    EventLoop eventLoop() {
        return ctx.channel().eventLoop();
    }

    void requestDone(String requestId) {
        active.remove(requestId);
        if (draining && active.isEmpty()) {
            close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "the gateway is shutting down");
        }
    }

    /** When the gateway drains, requests already running finish; the socket closes (1001) after the last. */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Draining) {
            draining = true;
            if (active.isEmpty()) {
                close(WebSocketCloseStatus.ENDPOINT_UNAVAILABLE, "the gateway is shutting down");
            }
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable()) {
            new ArrayList<>(active.values()).forEach(WsRequest::resume);
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        pinger.cancel(false);
        if (pongDeadline != null) {
            pongDeadline.cancel(false);
        }
        new ArrayList<>(active.values()).forEach(WsRequest::socketClosed);
        active.clear();
        ctx.fireChannelInactive();
    }

    /**
     * A frame the decoder refused (too large, or breaking the protocol) or a message too large to gather: the close
     * code says which ({@code 1009}, {@code 1002}...), then the socket lingers, discarding input, so the peer reads
     * the close instead of a reset caused by the rest of its frame still arriving.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException corrupt && !violated) {
            violated = true;
            closeLingering(corrupt.closeStatus(), corrupt.closeStatus().equals(WebSocketCloseStatus.MESSAGE_TOO_BIG)
                    ? tooBig() : corrupt.getMessage());
        } else if (cause instanceof TooLongFrameException && !violated) {
            violated = true;
            closeLingering(WebSocketCloseStatus.MESSAGE_TOO_BIG, tooBig());
        } else if (violated) {
            LOG.debug("websocket {} sent more after a violation: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            LOG.debug("websocket {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private String tooBig() {
        return "the message is larger than " + services.websocket().maxMessageBytes() + " bytes";
    }

    private void closeLingering(WebSocketCloseStatus status, String reason) {
        LingeringClose.after(ctx, ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)));
    }

    private void close(WebSocketCloseStatus status, String reason) {
        ctx.writeAndFlush(new CloseWebSocketFrame(status, reason)).addListener(ChannelFutureListener.CLOSE);
    }
}
