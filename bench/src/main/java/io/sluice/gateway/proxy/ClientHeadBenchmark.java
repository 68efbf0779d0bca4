package io.sluice.gateway.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.sluice.bench.ResponseDecoderBenchmark;
import io.sluice.gateway.config.ConfigLoader;
import io.sluice.gateway.config.EnvResolver;
import io.sluice.gateway.config.SluiceConfig;
import io.sluice.gateway.http.HopByHop;
import io.sluice.gateway.routing.Provider;
import io.sluice.gateway.routing.Target;
import io.sluice.gateway.upstream.ResponseDecoder;
import io.sluice.gateway.upstream.ResponseHead;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A relayed response put on a client's HTTP/1.1 pipeline, its head, one body batch and its end, two ways: as Sluice
 * writes it ({@link ResponseWriter}: the head's fields written as bytes by {@link ProxyHeaders#clientHead}, all of
 * it behind the response encoder), and as it did before, a header map filled with the same fields and a last-chunk
 * object, both encoded by Netty's {@link HttpResponseEncoder}, the batch behind it as before. The backend's heads are
 * those of {@code ResponseDecoderBenchmark}: a vLLM event stream (chunked) and an OpenAI JSON answer (17 fields,
 * sized). In the benchmark's package because the writer is the relay's own. Run with
 * {@code java -jar bench/target/benchmarks.jar ClientHeadBenchmark -prof gc} for time and bytes per response.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class ClientHeadBenchmark {
    private static final int BODY_BYTES = 440;
    /** The batch's chunk header, which ReadBatch wrote into a pooled buffer without allocating. */
    private static final byte[] CHUNK_HEADER = (Integer.toHexString(BODY_BYTES) + "\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    private static final String REQUEST_ID = "01JDQ3ZK6T9V2M4W8X0Y1Z2A3B";
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final DefaultHttpHeadersFactory UNCHECKED = DefaultHttpHeadersFactory.headersFactory()
            .withValidation(false);

    @Param({"stream", "json"})
    public String shape;

    private final RelayedHeaders relayed = new RelayedHeaders(List.of());
    private ResponseHead upstream;
    private boolean eventStream;
    private Target target;
    private ByteBuf body;
    private EmbeddedChannel channel;
    private ChannelHandlerContext handler;
    private ChannelHandlerContext encoder;

    @Setup
    public void setUp() {
        eventStream = shape.equals("stream");
        upstream = decodeHead(eventStream ? ResponseDecoderBenchmark.STREAM_HEAD
                : ResponseDecoderBenchmark.JSON_HEAD);
        final SluiceConfig config = ConfigLoader.parse(String.join("\n",
                "providers:",
                "  - { id: mock, type: vllm, endpoints: [ \"http://127.0.0.1:9100\" ], models: { m: m } }", ""),
                "bench", new EnvResolver(name -> null), Path.of("."));
        target = new Target(new Provider(config.providers().get(0), List.of()), "m");
        body = PooledByteBufAllocator.DEFAULT.directBuffer(BODY_BYTES).writeZero(BODY_BYTES);
        channel = new EmbeddedChannel();
        channel.pipeline().addLast("encoder", new HttpResponseEncoder())
                .addLast("handler", new ChannelInboundHandlerAdapter());
        handler = channel.pipeline().context("handler");
        encoder = channel.pipeline().context("encoder");
    }

    @TearDown
    public void tearDown() {
        body.release();
        channel.finishAndReleaseAll();
    }

    @Benchmark
    public int writtenAsBytes() {
        final ResponseWriter writer = new ResponseWriter(handler, encoder);
        final HeadFields fields = writer.startHead(upstream.status());
        writer.endHead(ProxyHeaders.clientHead(upstream, upstream.status(),
                ProxyHeaders.ClientBody.relayed(upstream, eventStream), relayed, REQUEST_ID, target, true,
                HttpVersion.HTTP_1_1, fields));
        writer.add(body.retainedDuplicate());
        writer.write();
        writer.end();
        return UpstreamHeadBenchmark.drain(channel);
    }

    /** The head as {@code ProxyHeaders.clientResponse} made it before, the batch as {@code ReadBatch} wrote it. */
    @Benchmark
    public int encodedFromHeaderMap() {
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(upstream.status()), UNCHECKED);
        final HttpHeaders headers = response.headers();
        final AsciiString connection = upstream.get(HttpHeaderNames.CONNECTION);
        for (int i = 0; i < upstream.size(); i++) {
            final AsciiString name = upstream.name(i);
            if (HopByHop.isEndToEnd(name, connection, relayed.notRelayed())) {
                headers.add(name, upstream.value(i));
            }
        }
        final AsciiString upstreamId = upstream.get(X_REQUEST_ID);
        if (upstreamId != null && !upstreamId.contentEquals(REQUEST_ID)) {
            headers.set("x-upstream-request-id", upstreamId);
        }
        headers.set(X_REQUEST_ID, REQUEST_ID);
        headers.set("x-sluice-provider", target.provider().id());
        headers.set("x-sluice-model", target.backendModel());
        if (!eventStream && upstream.contentLength() >= 0) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, upstream.contentLength());
        } else {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (eventStream) {
            headers.set("x-accel-buffering", "no");
        }
        handler.write(response);
        if (eventStream) {
            encoder.write(encoder.alloc().buffer(CHUNK_HEADER.length).writeBytes(CHUNK_HEADER));
        }
        encoder.write(body.retainedDuplicate());
        if (eventStream) {
            encoder.write(encoder.alloc().buffer(2).writeShort(('\r' << 8) | '\n'));
        }
        handler.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
        return UpstreamHeadBenchmark.drain(channel);
    }

    private static ResponseHead decodeHead(String head) {
        final ResponseHead[] decoded = new ResponseHead[1];
        final ResponseDecoder.Sink sink = new ResponseDecoder.Sink() {
            @Override
            public void onHead(ResponseHead responseHead) {
                decoded[0] = responseHead;
            }

            @Override
            public void onBody(ByteBuf piece, boolean last) {
                piece.release();
            }

            @Override
            public void onMalformed(String reason) {
                throw new IllegalStateException(reason);
            }
        };
        final ByteBuf bytes = Unpooled.copiedBuffer(head, StandardCharsets.US_ASCII);
        try {
            new ResponseDecoder().decode(bytes, sink);
        } finally {
            bytes.release();
        }
        return decoded[0];
    }
}
