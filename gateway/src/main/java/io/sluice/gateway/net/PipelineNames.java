package io.sluice.gateway.net;

/**
 * The names of every handler Sluice installs. The pipelines, in order:
 *
 * <pre>
 * client connection (HTTP/1.1)
 *   http-server-codec   StrictRequestDecoder + HttpResponseEncoder
 *   idle                IdleStateHandler: closes idle keep-alive connections
 *   request-handler     HttpRequestHandler, which runs a ProxyExchange per proxied request
 *
 * upstream connection (pooled per event loop, auto-read off)
 *   tls                 SslHandler, for https backends only
 *   http-client-codec   HttpClientCodec
 *   upstream-handler    UpstreamHandler: hands responses to the exchange that leases the connection
 * </pre>
 *
 * Response bodies cross from an upstream pipeline to a client pipeline as the same buffers, on the same event
 * loop.
 */
public final class PipelineNames {
    public static final String TLS = "tls";
    public static final String HTTP_SERVER_CODEC = "http-server-codec";
    public static final String IDLE = "idle";
    public static final String REQUEST_HANDLER = "request-handler";
    public static final String HTTP_CLIENT_CODEC = "http-client-codec";
    public static final String UPSTREAM_HANDLER = "upstream-handler";

    private PipelineNames() {
    }
}
