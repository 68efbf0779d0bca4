package io.sluice.gateway.net;

/**
 * The names of every handler Sluice installs. The pipelines, in order:
 *
 * <pre>
 * client connection, before its protocol is known
 *   tls                 SslHandler, when the server has a certificate
 *   protocol            AlpnHandler (TLS) or H2cPrefaceSniffer (cleartext): builds one of the two below
 *
 * client connection, HTTP/1.1
 *   http-decoder        StrictRequestDecoder: Netty's, refusing two framings in one request
 *   http-encoder        HttpResponseEncoder
 *   h2c-upgrade         HttpServerUpgradeHandler (cleartext only): Upgrade: h2c on the first request turns the
 *                       connection into HTTP/2; the handler leaves after that request
 *   request-handler     HttpRequestHandler, which runs a ProxyExchange per proxied request and keeps the
 *                       connection's idle timer (Http1ConnectionIdle)
 *
 * client connection, HTTP/2
 *   h2-flush            FlushConsolidationHandler: the flushes of one turn of the loop, one write
 *   h2-codec            Http2FrameCodec: settings, flow control, rapid-reset limits, GOAWAY
 *   h2-multiplex        Http2MultiplexHandler: a child channel per stream
 *   idle                Http2ConnectionIdle: closes an idle connection with no open stream
 *   h2-errors           Http2ConnectionErrors: failures the codec has already answered, logged at debug
 *   (after an Upgrade: h2c the handlers after h2-flush have names Netty gives them)
 *
 * client connection, WebSocket (after GET /ws on HTTP/1.1)
 *   wsdecoder/wsencoder WebSocket frame codec, installed by Netty's handshaker in place of the HTTP codec
 *   ws-aggregator       WebSocketFrameAggregator: whole messages, up to max_message_bytes
 *   ws-session          WebSocketSession: the LLM API's messages, a WsRequest per request
 *
 * HTTP/2 stream (child channel)
 *   h2-stream-codec     Http2StreamFrameToHttpObjectCodec: frames to the HTTP objects HTTP/1.1 produces, and
 *                       Sluice's own answers back to frames (a relayed response is written as frames, passed on)
 *   request-handler     HttpRequestHandler
 *
 * upstream connection (pooled per event loop, auto-read off)
 *   tls                 SslHandler, for https backends only
 *   upstream-handler    UpstreamHandler: decodes responses (ResponseDecoder) for the exchange that leases the
 *                       connection; requests are written as bytes (RequestHead), not encoded
 * </pre>
 *
 * Response bodies cross from an upstream pipeline to a client pipeline as the same buffers, on the same event
 * loop.
 */
public final class PipelineNames {
    public static final String TLS = "tls";
    public static final String PROTOCOL = "protocol";
    public static final String H2C_UPGRADE = "h2c-upgrade";
    public static final String H2_FLUSH = "h2-flush";
    public static final String H2_CODEC = "h2-codec";
    public static final String H2_MULTIPLEX = "h2-multiplex";
    public static final String H2_ERRORS = "h2-errors";
    public static final String H2_STREAM_CODEC = "h2-stream-codec";
    public static final String HTTP_DECODER = "http-decoder";
    public static final String HTTP_ENCODER = "http-encoder";
    public static final String IDLE = "idle";
    public static final String REQUEST_HANDLER = "request-handler";
    public static final String WS_AGGREGATOR = "ws-aggregator";
    public static final String WS_SESSION = "ws-session";
    public static final String UPSTREAM_HANDLER = "upstream-handler";

    private PipelineNames() {
    }
}
