package io.sluice.gateway.server;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.util.AsciiString;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.net.PipelineNames;
import io.sluice.gateway.proxy.ProxyServices;

/**
 * Builds the pipeline of each client connection (see {@link PipelineNames}) once its protocol is known: with TLS
 * by ALPN (h2 or http/1.1), in cleartext by the first bytes (the HTTP/2 preface means h2c by prior knowledge,
 * anything else HTTP/1.1, which may still upgrade to h2c). Every HTTP/2 stream gets a child pipeline that turns
 * frames into the same HTTP objects HTTP/1.1 produces, so one request handler serves both. There is no
 * aggregator on any request path: bodies stream through in pieces (only an {@code Upgrade: h2c} request is
 * gathered, as the upgrade requires, within the body limit).
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_INITIAL_LINE = 8192;
    /** Large body pieces mean few components when a body is gathered. */
    private static final int MAX_CHUNK = 64 * 1024;
    private static final int MAX_RESETS = 200;
    private static final int RESET_WINDOW_SECONDS = 30;
    /**
     * How much longer than {@code shutdown_timeout} the HTTP/2 codec lets streams run after GOAWAY: at the timeout
     * the gateway itself ends the streams still running with a terminal error event, and the codec must not cut them
     * with RST_STREAM before that event is out.
     */
    private static final long GRACE_AFTER_SHUTDOWN_MILLIS = 3_000;
    private static final AsciiString H2C = AsciiString.cached(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME.toString());

    private final ProxyServices services;
    private final SluiceConfig.Server config;
    private final SslContext tls;
    private final ChannelGroup connections;
    private final Listener listener;
    private final StreamInitializer streams = new StreamInitializer();

    /**
     * @param tls         the server TLS context with ALPN, or null for cleartext
     * @param connections where every client connection is kept, so shutdown can close them (GOAWAY on h2)
     * @param listener    what this socket serves
     */
    public HttpServerInitializer(ProxyServices services, SluiceConfig.Server config, SslContext tls,
                                 ChannelGroup connections, Listener listener) {
        this.services = services;
        this.config = config;
        this.tls = tls;
        this.connections = connections;
        this.listener = listener;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        connections.add(ch);
        if (tls != null) {
            ch.pipeline().addLast(PipelineNames.TLS, tls.newHandler(ch.alloc()))
                    .addLast(PipelineNames.PROTOCOL, new AlpnHandler(this));
        } else {
            ch.pipeline().addLast(PipelineNames.PROTOCOL, new H2cPrefaceSniffer(this));
        }
    }

    /** HTTP/1.1, with the h2c upgrade in cleartext. */
    void configureHttp1(ChannelPipeline pipeline, boolean upgradable) {
        pipeline.addLast(PipelineNames.HTTP_DECODER, new StrictRequestDecoder(new HttpDecoderConfig()
                        .setMaxInitialLineLength(MAX_INITIAL_LINE)
                        .setMaxHeaderSize(config.maxHeaderBytes())
                        .setMaxChunkSize(MAX_CHUNK)))
                .addLast(PipelineNames.HTTP_ENCODER, new HttpResponseEncoder());
        if (upgradable) {
            // Clients ask for h2c on a connection's first request (RFC 9113 dropped the upgrade altogether), so the
            // handler leaves the pipeline after it rather than look at every later message of the connection.
            pipeline.addLast(PipelineNames.H2C_UPGRADE, new HttpServerUpgradeHandler(new Http1Handlers(),
                    protocol -> AsciiString.contentEquals(H2C, protocol) ? h2cUpgrade() : null,
                    (int) config.maxRequestBytes(), DefaultHttpHeadersFactory.headersFactory(),
                    DefaultHttpHeadersFactory.trailersFactory(), true) {
                @Override
                protected boolean shouldHandleUpgradeRequest(HttpRequest request) {
                    // Only an h2c upgrade is gathered; a WebSocket handshake passes on as it came.
                    return AsciiString.containsIgnoreCase(request.headers().get("upgrade", ""), H2C);
                }
            });
        }
        // The idle timer is the request handler's own (Http1ConnectionIdle): a handler of its own in between was a
        // hop for every message read.
        pipeline.addLast(PipelineNames.REQUEST_HANDLER, new HttpRequestHandler(services, config, true, listener));
    }

    /** HTTP/2: flushes gathered per loop turn, the frame codec, a child pipeline per stream, and the idle timer. */
    void configureHttp2(ChannelPipeline pipeline) {
        final Http2FrameCodec codec = http2Codec();
        pipeline.addLast(PipelineNames.H2_FLUSH, streamFlushes())
                .addLast(PipelineNames.H2_CODEC, codec)
                .addLast(PipelineNames.H2_MULTIPLEX, new Http2MultiplexHandler(streams))
                .addLast(PipelineNames.IDLE, new Http2ConnectionIdle(config.idleTimeout(), codec))
                .addLast(PipelineNames.H2_ERRORS, new Http2ConnectionErrors());
    }

    /**
     * Gathers the flushes that reach an HTTP/2 connection in one turn of its event loop into one write. Each stream's
     * answer is flushed when its upstream read ends, and a stream's flush reaches the connection at once: eight
     * streams whose backends answered in the same turn made eight writes to one socket; now they make one, at the end
     * of the turn (also when no read of the client connection is in progress, since these flushes come from
     * upstream reads). It sits in front of the codec, so a stream's flush still hands its data to the codec's flow
     * control at once. Placed after the codec, it cost 2-24 % of the two-write streams per CPU-second in six rounds
     * of seven (bench/RESULTS.md), likely because the codec then shares the connection among all the held streams
     * in 1 KiB turns, in more and smaller frames. The price of this place: the codec's own flush at the end of a
     * client read (settings and window updates) also leaves at the end of the turn, a task later.
     */
    static FlushConsolidationHandler streamFlushes() {
        return new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
    }

    /** The same HTTP/2 handlers, installed by an {@code Upgrade: h2c}; the upgrade request becomes stream 1. */
    private Http2ServerUpgradeCodec h2cUpgrade() {
        final Http2FrameCodec codec = http2Codec();
        return new Http2ServerUpgradeCodec(codec, new Http2MultiplexHandler(streams, streams),
                new Http2ConnectionIdle(config.idleTimeout(), codec), new Http2ConnectionErrors());
    }

    private Http2FrameCodec http2Codec() {
        return Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxConcurrentStreams(config.http2().maxConcurrentStreams())
                        .initialWindowSize(config.http2().initialWindowBytes())
                        .maxHeaderListSize(config.maxHeaderBytes()))
                // Rapid-reset protection (CVE-2023-44487): a client resetting streams faster than this is cut off.
                .decoderEnforceMaxRstFramesPerWindow(MAX_RESETS, RESET_WINDOW_SECONDS)
                .headerSensitivityDetector(UniqueFields.INSTANCE)
                .gracefulShutdownTimeoutMillis(config.shutdownTimeout().toMillis() + GRACE_AFTER_SHUTDOWN_MILLIS)
                .build();
    }

    /** The pipeline of one HTTP/2 stream: frames to HTTP objects, then the request handler. */
    private final class StreamInitializer extends ChannelInitializer<Http2StreamChannel> {
        @Override
        protected void initChannel(Http2StreamChannel ch) {
            ch.pipeline().addLast(PipelineNames.H2_STREAM_CODEC, new Http2StreamFrameToHttpObjectCodec(true))
                    .addLast(PipelineNames.REQUEST_HANDLER, new HttpRequestHandler(services, config, false, listener));
        }
    }
}
